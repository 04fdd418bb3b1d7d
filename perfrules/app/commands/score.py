"""``perfrules score``: score a 自评表 and explain every point lost; or score a batch.

One input without ``-o DIR`` is scored to the screen or to ``-o FILE``.  Several
inputs, a folder, a glob, or ``-o`` naming a folder make a batch (perfrules.app.batch):
one report per unit per format, and a summary.
"""

from __future__ import annotations

import argparse
import os
from typing import IO, Any

FORMAT_CHOICES = ["text", "json", "md", "html", "xlsx"]
BATCH_DEFAULT_FORMATS = ("html", "json")


def register(sub: Any) -> argparse.ArgumentParser:
    s: argparse.ArgumentParser = sub.add_parser("score", help="给一份或一批自评表计分并解释每一分的失分")
    s.add_argument("paths", nargs="+", metavar="PATH", help="自评表文件、文件夹（递归查找）或通配符")
    s.add_argument("--ruleset", "-r", help="规则集编号或文件；缺省时按自评表的辖区和年度自动选择")
    s.add_argument("--format", "-f", action="append", choices=FORMAT_CHOICES,
                   help="输出格式，可重复（单份默认 text；批量默认 html 和 json）")
    s.add_argument("-o", "--output", help="输出文件；批量时为输出文件夹")
    s.add_argument("--jobs", "-j", type=int, default=0, help="批量时的并行进程数（默认：全部 CPU 核）")
    s.add_argument("--resume", action="store_true", help="批量时跳过报告已全部写完的单位")
    s.add_argument("--compare", metavar="规则集", help="同时按另一个规则集计分，逐行说明差别（假设分析）")
    return s


def is_batch(args: argparse.Namespace) -> bool:
    """A batch: several paths, a folder or glob, or -o naming a folder."""
    if len(args.paths) > 1 or args.resume:
        return True
    import glob

    path = args.paths[0]
    if os.path.isdir(path) or (glob.has_magic(path) and not os.path.isfile(path)):
        return True
    out = args.output
    return bool(out) and (os.path.isdir(out) or out.endswith(("/", os.sep)))


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    if is_batch(args):
        return _run_batch(args, stdout, stderr)
    return _run_one(args, stdout, stderr)


def _run_one(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.app.cli import EXIT_OK, emit, is_tty
    from perfrules.errors import PerfrulesError
    from perfrules.explain import Finding, described
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.readers import read_submission
    from perfrules.render import BINARY_FORMATS, render

    formats = args.format or [format_of(args.output)]
    if len(formats) > 1:
        raise PerfrulesError("一份自评表输出多种格式时，请用 -o 指定一个文件夹", code="usage")
    fmt = formats[0]
    check_extension(fmt, args.output)
    if fmt in BINARY_FORMATS and not args.output:
        raise PerfrulesError(f"{fmt} 是二进制格式，请用 -o 指定输出文件", code="usage")
    submission = read_submission(args.paths[0])
    notes: tuple[Finding, ...] = ()
    fallback = False
    if args.ruleset:
        ruleset = load_ruleset(args.ruleset)
        why = f"按 --ruleset 指定：{ruleset.id}"
    else:
        chosen = choose_ruleset(submission)
        ruleset, why, notes, fallback = chosen.ruleset, chosen.why, chosen.findings, chosen.fallback
        if fmt == "text" and not args.output:
            stderr.write(f"规则集：{ruleset.id}（{why}）\n")
    result = described(score(submission, ruleset, notes=notes, scale_levels=not fallback), ruleset, why)
    if args.compare:
        return _compare(args, submission, result, fmt, stdout)
    colour = fmt == "text" and not args.output and is_tty(stdout)
    options = {"colour": colour} if fmt == "text" else {}
    emit(render(result, fmt, "zh", **options), args.output, stdout)
    if args.output:
        stderr.write(f"已写入 {args.output}\n")
    return EXIT_OK


def format_of(output: str | None) -> str:
    """The format the extension of ``-o`` names (z.xlsx → xlsx); text without one."""
    from perfrules.render import EXTENSIONS

    ext = os.path.splitext(output or "")[1].lower()
    by_ext = {e: f for f, e in EXTENSIONS.items()} | {".htm": "html", ".markdown": "md"}
    return by_ext.get(ext, "text")


def check_extension(fmt: str, output: str | None) -> None:
    """Refuse ``-f text -o z.xlsx``: a file whose name says one format and holds another."""
    from perfrules.errors import PerfrulesError

    named = format_of(output)
    ext = os.path.splitext(output or "")[1].lower()
    if output and named != fmt and (named != "text" or ext == ".txt"):
        raise PerfrulesError(f"输出文件 {output} 的扩展名 {ext} 与格式 {fmt} 不符", code="usage",
                             suggestion=f"请去掉 -f 让扩展名决定格式，或把文件改名为 …{_extension(fmt)}")


def _extension(fmt: str) -> str:
    from perfrules.render import EXTENSIONS

    return EXTENSIONS[fmt]


def _compare(args: argparse.Namespace, submission: Any, result: Any, fmt: str, stdout: IO[str]) -> int:
    """``--compare``: the comparison in text, or both results and the comparison in JSON."""
    from perfrules.app.cli import EXIT_OK, emit
    from perfrules.render.compare import render_comparison
    from perfrules.errors import PerfrulesError
    from perfrules.explain import described
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.render.json_out import dumps, result_dict

    if fmt not in ("text", "json"):
        raise PerfrulesError(f"--compare 只能输出 text 或 json，不能输出 {fmt}", code="usage",
                             suggestion="请用 -f text 或 -f json（或 -o 对比.txt / 对比.json）")
    ruleset = load_ruleset(args.compare)
    other = described(score(submission, ruleset), ruleset, f"按 --compare 指定：{ruleset.id}")
    text = render_comparison(result, other)
    if fmt == "json":
        data = {"a": result_dict(result), "b": result_dict(other), "comparison": text.splitlines()}
        text = dumps(data) + "\n"
    emit(text, args.output, stdout)
    return EXIT_OK


def _run_batch(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.app.batch import BatchOptions, plan, run_batch
    from perfrules.app.cli import EXIT_INPUT, EXIT_OK, EXIT_SOME_FAILED, is_tty
    from perfrules.app.commands.progress import reporter
    from perfrules.errors import PerfrulesError

    if not args.output:
        raise PerfrulesError("批量计分需要用 -o 指定输出文件夹", code="usage",
                             suggestion="例如：perfrules score 自评表/ -o 复核结果/")
    if args.jobs < 0:
        raise PerfrulesError("--jobs 不能是负数", code="usage")
    formats = tuple(dict.fromkeys(args.format or BATCH_DEFAULT_FORMATS))
    opts = BatchOptions(args.output, formats, args.jobs, args.resume, args.ruleset)
    tasks, missing = plan(args.paths, opts)
    with reporter(len(tasks), stderr, is_tty(stderr)) as progress:
        result = run_batch(tasks, missing, opts, progress)
    for f in result.failures:
        stderr.write(f.message + "\n\n")
    stdout.write(f"输入 {result.inputs} 份：计分 {len(result.scored)}，失败 {len(result.failures)}，"
                 f"已完成跳过 {len(result.skipped)}；用时 {format(result.seconds, 'f')} 秒；"
                 f"汇总见 {os.path.join(args.output, 'summary.html')}\n")
    if not result.scored and not result.skipped:
        return EXIT_INPUT
    return EXIT_SOME_FAILED if result.failures else EXIT_OK
