"""A rule compiled for a form row is one program with two ways in: the general loop
(:meth:`CompiledRule.evaluate`, what the interpreter runs) and the row's scorer (the
closure of its shape, :mod:`perfrules.rules.shapes`, what a plan runs), which lists the same
charges when asked.  Every rule of every bundled ruleset, bound to form rows of several
分值, 目标值 and signs, on any input: the same score, the same charges, or both refuse."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfrules.rules.arithmetic import Lost
from perfrules.rules.binding import NotSpecialisable, RowBinding
from perfrules.rules.compiler import compile_row, compile_rule
from perfrules.ruleset.loader import load_ruleset
from perfrules.scoring.planrow import CAREFUL
from perfrules.scoring.policy import CONTEXT
from perfrules.rules.program import CompiledRule
from perfrules.ruleset.files import ruleset_index

KEY = "K"
WEIGHTS = (Decimal(5), Decimal(10), Decimal("2.5"))
TARGETS = ((None, None), (Decimal(10), ">="), (Decimal("85.5"), ">="), (Decimal(386), "<="), (Decimal(100), None))
GRADES = ("达成", "基本达成", "部分达成", "未达成", "优", "良", "中", "差", "已达成", "不知道")


def _bound_rules() -> list[tuple[str, CompiledRule, Decimal]]:
    rulesets = [load_ruleset(ref) for ref in ruleset_index()] + [load_ruleset(str(ROOT / "bench" / "workload-ruleset.toml"))]
    out: dict[tuple[str, Decimal, Decimal | None, str | None], tuple[str, CompiledRule, Decimal]] = {}
    for rs in rulesets:
        for rule in rs.rules:
            for weight in WEIGHTS:
                for target, sign in TARGETS:
                    name = f"{rs.id}:{rule.id} 分值 {weight} 目标值 {sign or ''}{target}"
                    try:
                        bound = compile_row(rule.compiled, RowBinding(KEY, weight, target, sign))
                    except NotSpecialisable:
                        continue
                    out.setdefault((rule.compiled.text, weight, target, sign), (name, bound, weight))
    for text in SHAPES:  # the shapes no bundled rule has
        for weight in WEIGHTS:
            for target, sign in TARGETS:
                try:
                    bound = compile_row(compile_rule(text), RowBinding(KEY, weight, target, sign))
                except NotSpecialisable:
                    continue
                out.setdefault((text, weight, target, sign), (f"{text} 分值 {weight} 目标值 {sign or ''}{target}", bound, weight))
    return list(out.values())


#: Rules of the shapes the bundled rulesets lack: two cases, a ladder by ≤, cases with
#: deductions, a first case below 满分, a formula alone, a grade table with equal points.
SHAPES = (
    "实际值 > 目标值 → 满分；否则 → 分值 × 50%",
    "实际值 ≤ 目标值 → 满分；实际值 ≤ 目标值 × 1.1 → 分值 × 60%；否则 → 0",
    "实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值；未达标且未填写偏差原因 扣 1分",
    "实际值 ≥ 目标值 → 分值 × 90%；否则 → 分值 × 实际值 ÷ 目标值",
    "完成率 ≥ 100% → 满分；完成率 ≥ 80% → 分值 × 80%；完成率 ≥ 60% → 分值 × 60%；否则 → 0",
    "分值 × 实际值 ÷ 目标值",
    "达成 → 满分；部分达成 → 分值 × 60%；未达成 → 分值 × 60%；否则 → 0",
    "实际值 ≥ 目标值 或 完成率 ≥ 95% → 满分；否则 → 0",
)


BOUND = _bound_rules()


def test_the_bundled_rules_bind_to_form_rows() -> None:
    """Enough rules bind (and so this module tests something): every shape among them."""
    kinds = {getattr(b.score_row, "__qualname__", "").split(".")[0] for _, b, _ in BOUND}
    assert kinds == {"_threshold_or_formula", "_clamped", "_grades", "_deduction_driver", "_ladder", "_two_cases",
                     "_general"}
    assert len(BOUND) >= 100


def _actuals() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.decimals(min_value=-500, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
        st.sampled_from([Decimal(0), Decimal(10), Decimal("85.5"), Decimal(100), Decimal(386), Decimal("9.99")]),
        st.integers(min_value=-5, max_value=500),
        st.sampled_from(GRADES),
    )


def _run(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except CAREFUL as exc:
        return "refused", type(exc).__name__


def _charges(bound: CompiledRule, x: dict[str, Any]) -> tuple[Decimal, list[Lost]]:
    charges: list[Lost] = []
    assert bound.score_row is not None
    score = bound.score_row(x, charges)
    return score, charges


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BOUND), _actuals(), st.sampled_from(["", "  ", "项目前期手续办理时间较长"]),
       st.decimals(min_value=1, max_value=1000, places=2), st.decimals(min_value=0, max_value=1500, places=2))
def test_a_rows_scorer_is_its_rules_general_loop(case: tuple[str, CompiledRule, Decimal], actual: Any, reason: str,
                                                 budget: Decimal, executed: Decimal) -> None:
    name, bound, weight = case
    assert bound.score_row is not None
    x = {KEY: actual, "reason": reason, "budget": budget, "executed": executed}
    with localcontext(CONTEXT):
        general = _run(lambda: bound.evaluate(x, weight))
        alone = _run(lambda: bound.score_row(x))  # type: ignore[misc]
        listed = _run(lambda: _charges(bound, x))
    if general[0] == "refused":
        assert alone[0] == listed[0] == "refused", name
        return
    outcome = general[1]
    assert alone == ("ok", outcome.score), name
    score, charges = listed[1]
    assert score == outcome.score, name
    assert [tuple(c) for c in charges] == [tuple(c) for c in outcome.charges], name
    assert sum(c[0] for c in charges) == weight - score  # every point lost, once


@pytest.mark.parametrize("actual, lost", [(Decimal(12), []), (Decimal(5), [(Decimal("2.5"), "否则 → 分值 × 实际值 ÷ 目标值", "")])])
def test_a_threshold_row_lists_what_it_lost(actual: Decimal, lost: list[Lost]) -> None:
    rs = load_ruleset(str(ROOT / "bench" / "workload-ruleset.toml"))
    rule = rs.rule("at-least")
    assert rule is not None
    bound = compile_row(rule.compiled, RowBinding(KEY, Decimal(5), Decimal(10), ">="))
    assert bound.score_row is not None
    charges: list[Lost] = []
    with localcontext(CONTEXT):
        score = bound.score_row({KEY: actual}, charges)
    assert score == Decimal(5) - sum((c[0] for c in lost), Decimal(0))
    assert charges == lost
