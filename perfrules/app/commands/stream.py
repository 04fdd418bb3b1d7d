"""``perfrules stream``: score JSON Lines submissions against a ruleset's form, line by line."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    s: argparse.ArgumentParser = sub.add_parser(
        "stream", help="按规则集的表式逐行计分：标准输入 JSON Lines → 标准输出 JSON Lines")
    s.add_argument("--ruleset", "-r", required=True, help="带表式 [[form]] 的规则集编号或文件")
    s.add_argument("--explain", action="store_true", help="同时输出每一分失分的解释")
    s.add_argument("--input", "-i", help="从文件读入（默认标准输入）")
    return s


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    import sys

    from perfrules.app.cli import EXIT_OK, EXIT_SOME_FAILED
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.scoring.plan import compile_plan
    from perfrules.app.stream import stream

    plan = compile_plan(load_ruleset(args.ruleset))
    if args.input:
        with open(args.input, encoding="utf-8-sig") as source:
            scored, bad = stream(plan, source, stdout.write, explain=args.explain)
    else:
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(encoding="utf-8-sig")  # JSON Lines are UTF-8, whatever the locale
        scored, bad = stream(plan, sys.stdin, stdout.write, explain=args.explain)
    if bad:
        stderr.write(f"{bad} 行无法读取（见输出中的 error）；已计分 {scored} 行\n")
        return EXIT_SOME_FAILED
    return EXIT_OK
