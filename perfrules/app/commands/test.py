"""``perfrules test``: run the cases written beside each ruleset."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("test", help="运行规则集旁的用例（*.cases.toml），检查规则是否按预期计分")
    p.add_argument("rulesets", nargs="*", help="规则集编号或文件；缺省时运行全部内置规则集的用例")
    return p


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from perfrules.app.casetest import cases_file_for, load_cases, run_case
    from perfrules.app.cli import EXIT_INPUT, EXIT_OK, EXIT_SOME_FAILED
    from perfrules.errors import PerfrulesError
    from perfrules.ruleset.loader import load_ruleset, resolve_ruleset_path, ruleset_index

    refs = args.rulesets or sorted(ruleset_index())
    failed = errors = passed = 0
    for ref in refs:
        try:
            path = resolve_ruleset_path(ref)
            ruleset = load_ruleset(path)
            cases_path = cases_file_for(path)
            if cases_path is None:
                stdout.write(f"{ruleset.id}：没有用例文件（应放在 {path[:-5]}.cases.toml）\n")
                errors += 1
                continue
            cases = load_cases(str(cases_path))
        except PerfrulesError as err:
            stderr.write(err.render("zh") + "\n")
            errors += 1
            continue
        used: set[str] = set()
        stdout.write(f"{ruleset.id}（{cases_path}，{len(cases)} 个用例）\n")
        for case in cases:
            outcome = run_case(case, ruleset)
            used |= outcome.rules_used
            if outcome.passed:
                passed += 1
                stdout.write(f"  ✓ {case.name}\n")
                continue
            failed += 1
            pos = case.position
            stdout.write(f"  ✗ {case.name}（{pos.file}:{pos.line}）\n")
            for problem in outcome.problems:
                stdout.write(f"      {problem}\n")
        missing = [r.id for r in ruleset.rules if r.id not in used]
        if missing:
            errors += 1
            stdout.write(f"  ✗ 没有用例用到的规则：{'、'.join(missing)}\n")
    stdout.write(f"\n通过 {passed} 个，失败 {failed} 个{f'，另有 {errors} 个问题' if errors else ''}\n")
    if errors and not (passed or failed):
        return EXIT_INPUT
    return EXIT_SOME_FAILED if failed or errors else EXIT_OK
