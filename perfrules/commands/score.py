"""``perfrules score``: score a 自评表 and explain every point lost."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    s: argparse.ArgumentParser = sub.add_parser("score", help="给一份自评表计分并解释每一分的失分")
    s.add_argument("submission", help="自评表文件（.toml .json）")
    s.add_argument("--ruleset", "-r", help="规则集编号或文件；缺省时按自评表的辖区和年度自动选择")
    s.add_argument("--format", "-f", default="text", choices=["text", "json"], help="输出格式（默认 text）")
    s.add_argument("-o", "--output", help="写入文件而不是屏幕")
    s.add_argument("--lang", default="zh", choices=["zh", "en"], help="输出语言（默认中文）")
    s.add_argument("--compare", metavar="规则集", help="同时按另一个规则集计分，逐行说明差别（假设分析）")
    return s


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.cli import EXIT_OK, emit, is_tty
    from perfrules.interpreter import score
    from perfrules.loader import load_ruleset, select_ruleset
    from perfrules.readers import read_submission
    from perfrules.render import render

    submission = read_submission(args.submission)
    if args.ruleset:
        ruleset = load_ruleset(args.ruleset)
    else:
        ruleset, why = select_ruleset(submission)
        if args.format == "text" and not args.output:
            stderr.write(f"规则集：{ruleset.id}（{why}）\n")
    result = score(submission, ruleset)
    if args.compare:
        from perfrules.compare import render_comparison

        other = score(submission, load_ruleset(args.compare))
        emit(render_comparison(result, other), args.output, stdout)
        return EXIT_OK
    colour = args.format == "text" and not args.output and is_tty(stdout)
    options = {"colour": colour} if args.format == "text" else {}
    emit(render(result, args.format, lang=args.lang, **options), args.output, stdout)
    if args.output:
        stderr.write(f"已写入 {args.output}\n")
    return EXIT_OK
