"""``perfrules check``: load rulesets and submissions, report every problem, score nothing."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    c: argparse.ArgumentParser = sub.add_parser("check", help="检查规则集或自评表文件，不计分")
    c.add_argument("files", nargs="+", help="规则集或自评表文件")
    return c


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.app.cli import EXIT_INPUT, EXIT_OK
    from perfrules.errors import PerfrulesError
    from perfrules.ruleset.loader import is_ruleset_file, load_ruleset
    from perfrules.readers import read_submission

    failed = 0
    for path in args.files:
        try:
            if is_ruleset_file(path):
                rs = load_ruleset(path)
                for warning in rs.warnings:
                    stderr.write(warning.render("zh").replace("错误：", "警告：", 1) + "\n")
                note = f"，{len(rs.warnings)} 条警告" if rs.warnings else ""
                stdout.write(f"{path}：规则集「{rs.name}」检查通过（{len(rs.rules)} 条规则{note}，继承链 {' → '.join(rs.chain)}）\n")
            else:
                sub = read_submission(path)
                rows = sum(1 for r in sub.indicators if not r.is_blank)
                stdout.write(f"{path}：自评表「{sub.unit}」读取正常（{rows} 个指标，读取方式 {sub.reader}）\n")
        except PerfrulesError as err:
            stderr.write(err.render("zh") + "\n")
            failed += 1
    return EXIT_INPUT if failed else EXIT_OK
