"""Cases that policy staff write beside a ruleset, and the runner for ``perfrules test``.

``rulesets/…/2023.toml`` may have ``2023.cases.toml`` beside it: small tables
(rows as the 自评表 prints them), the expected total and the expected explanation
entries (row, points lost, rule, clause) and findings.  A case file may ``include``
another's cases, so a layer that changes nothing re-runs its parent's cases.
Failures say, in Chinese, which case (file:line) expected what and got what.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from perfrules import model
from perfrules.errors import PerfrulesError, Position, did_you_mean
from perfrules.explain import Result
from perfrules.readers.structured import Where, build_submission
from perfrules.ruleset.model import Ruleset
from perfrules.tomlkeys import Locator
from perfrules.tomlsource import load_toml, read_text
from perfrules.values import to_decimal

CASE_KEYS = {"name", "rows", "budget", "total", "explanations", "findings", "no_findings", "note"}
FILE_KEYS = {"ruleset", "include", "cases"}
EXPLANATION_KEYS = {"row", "points_lost", "rule", "clause", "layer"}


@attrs.frozen
class Case:
    name: str
    submission: model.Submission
    total: Decimal | None
    explanations: tuple[Mapping[str, Any], ...]
    findings: tuple[str, ...]  # "row:code" or "code"
    no_findings: tuple[str, ...]
    position: Position


@attrs.frozen
class CaseOutcome:
    case: Case
    ruleset: str
    problems: tuple[str, ...]
    rules_used: frozenset[str]

    @property
    def passed(self) -> bool:
        return not self.problems


def cases_file_for(ruleset_path: str) -> Path | None:
    """``2023.toml`` → ``2023.cases.toml`` beside it, if there is one."""
    path = Path(ruleset_path)
    candidate = path.with_name(path.stem + ".cases.toml")
    return candidate if candidate.exists() else None


def load_cases(path: str, seen: frozenset[str] = frozenset()) -> list[Case]:
    """The cases of one file, its includes first."""
    real = os.path.realpath(path)
    if real in seen:
        raise PerfrulesError("用例文件互相包含（include 成环）", position=Position(file=path), code="cases")
    data, locator = load_toml(read_text(path), path)
    for key in data:
        if key not in FILE_KEYS:
            raise locator.error(f"未知的键「{key}」", (key,), value=False, suggestion=did_you_mean(key, FILE_KEYS))
    cases: list[Case] = []
    includes = data.get("include", [])
    for i, inc in enumerate(includes if isinstance(includes, list) else [includes]):
        target = os.path.join(os.path.dirname(path), str(inc))
        if not os.path.exists(target):
            raise locator.error(f"找不到被包含的用例文件「{inc}」", ("include",))
        cases.extend(load_cases(target, seen | {real}))
    raw_cases = data.get("cases", [])
    if not isinstance(raw_cases, list):
        raise locator.error("cases 应当是表格数组 [[cases]]", ("cases",))
    for i, raw in enumerate(raw_cases):
        cases.append(_case(raw, i, locator))
    return cases


def _case(raw: Any, index: int, locator: Locator) -> Case:
    path = ("cases", index)
    if not isinstance(raw, dict):
        raise locator.error("每个用例应当是一个表 [[cases]]", path)
    for key in raw:
        if key not in CASE_KEYS:
            raise locator.error(f"未知的键「{key}」", path + (key,), value=False,
                                expected="、".join(sorted(CASE_KEYS)), suggestion=did_you_mean(key, CASE_KEYS))
    name = str(raw.get("name") or f"用例 {index + 1}")
    rows = raw.get("rows", [])
    budget = raw.get("budget")
    data: dict[str, Any] = {"单位名称": f"用例：{name}", "指标": rows}
    if budget is not None:
        data["预算执行"] = budget
    where = Where(locator.file, None)
    try:
        submission = build_submission(data, where, reader="cases")
    except PerfrulesError as err:
        pos = locator.position(path, value=False)
        raise PerfrulesError(f"用例「{name}」的表格有误：{err.message}", position=pos, key=err.key,
                             suggestion=err.suggestion, expected=err.expected, code="cases") from None
    total = None
    if "total" in raw:
        try:
            total = to_decimal(raw["total"], "期望总分")
        except PerfrulesError as err:
            raise err.at(locator.position(path + ("total",))) from None
    explanations = tuple(_explanation(e, path + ("explanations", j), locator)
                         for j, e in enumerate(raw.get("explanations", [])))
    findings = tuple(str(f) for f in raw.get("findings", []))
    no_findings = tuple(str(f) for f in raw.get("no_findings", []))
    return Case(name, submission, total, explanations, findings, no_findings, locator.position(path, value=False))


def _explanation(raw: Any, path: tuple[str | int, ...], locator: Locator) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise locator.error("期望的失分说明应当是 { row = …, points_lost = …, rule = … }", path)
    for key in raw:
        if key not in EXPLANATION_KEYS:
            raise locator.error(f"未知的键「{key}」", path + (key,), value=False,
                                suggestion=did_you_mean(key, EXPLANATION_KEYS))
    out = dict(raw)
    if "points_lost" in out:
        out["points_lost"] = to_decimal(out["points_lost"], "期望失分")
    return out



# ------------------------------------------------------------------------ running
def run_case(case: Case, ruleset: Ruleset) -> CaseOutcome:
    from perfrules.scoring.interpreter import score

    result = score(case.submission, ruleset, scale_levels=False)
    problems = list(_compare(case, result, ruleset))
    used = frozenset(r.rule for r in result.rows if r.rule)
    return CaseOutcome(case, ruleset.id, tuple(problems), used)


def _compare(case: Case, result: Result, ruleset: Ruleset) -> Iterator[str]:
    if case.total is not None and result.total != case.total:
        yield f"期望总分 {case.total}，实际 {result.total}"
    got = [(e.row, e.points_lost, e.rule, e.clause, e.citation.layer) for e in result.explanations]
    want = case.explanations
    if len(got) != len(want):
        shown = "；".join(f"第{r}行 失{ruleset.rounding.show(p)}分（{rule}）" for r, p, rule, _, _ in got) or "无"
        yield f"期望 {len(want)} 条失分说明，实际 {len(got)} 条：{shown}"
    for i, (w, g) in enumerate(zip(want, got), start=1):
        row, points, rule, clause, layer = g
        checks = (("row", row, "行号"), ("points_lost", points, "失分"), ("rule", rule, "规则"),
                  ("clause", clause, "条款"), ("layer", layer, "层"))
        for key, value, label in checks:
            if key in w and w[key] != value:
                yield f"第 {i} 条失分说明：期望{label}「{w[key]}」，实际「{value}」"
    codes = {f.code for f in result.findings} | {f"{f.row}:{f.code}" for f in result.findings if f.row is not None}
    for expected in case.findings:
        if expected not in codes:
            yield f"期望审核提示「{expected}」，实际没有（实际：{'、'.join(sorted(codes)) or '无'}）"
    for unexpected in case.no_findings:
        if unexpected in codes:
            yield f"不应出现审核提示「{unexpected}」，实际出现了"

