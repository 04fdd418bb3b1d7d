"""Scoring invariants, stated as hypothesis properties."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from perfrules.rules.compiler import EXACT, compile_rule, exact_sum
from perfrules.rules.program import RowInputs, row_inputs
from perfrules.errors import PerfrulesError
from perfrules.scoring.interpreter import CONTEXT, score
from perfrules.ruleset.loader import load_ruleset
from perfrules.model import BudgetBlock, IndicatorRow, Submission
from perfrules.rules.parser import parse_rule
from perfrules.values import to_decimal


def _inputs(weight: Decimal, reason_missing: bool = False, **values: Any) -> RowInputs:
    """A row's inputs as the interpreter fills them; 偏差原因 filled in unless *reason_missing*."""
    return row_inputs(weight, reason="" if reason_missing else "已说明", **values)


RULESET = load_ruleset("hunan/zhuzhou/lusong/2023")

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
amounts = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2)
weights = st.integers(min_value=1, max_value=20).map(Decimal)
units = st.sampled_from(["%", "万元", "天", "人", "个", ""])
comparators = st.sampled_from(["≥", "≤", ">", "<", "=", ""])
GRADES = ["达成", "部分达成", "未达成", "已完成", "1.推进；2.促进", ""]


@st.composite
def rows(draw: st.DrawFn) -> IndicatorRow:
    weight = draw(weights)
    kind = draw(st.sampled_from(["quantitative", "qualitative", "period"]))
    if kind == "quantitative":
        unit = draw(units)
        target = f"{draw(comparators)}{draw(money)}{unit}"
        actual = f"{draw(amounts)}{unit}"
    elif kind == "period":
        target, actual = "2023全年", draw(st.sampled_from(["2023年", "2022年", "全年"]))
    else:
        target, actual = "推进园区建设", draw(st.sampled_from(GRADES))
    self_score = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=weight, places=1)))
    reason = draw(st.sampled_from(["", "资金拨付滞后"]))
    level1 = draw(st.sampled_from(["产出指标", "效益指标", "满意度指标", "成本指标"]))
    return IndicatorRow(level1, "数量指标", "指标", target, actual, weight, self_score, reason)


@st.composite
def submissions(draw: st.DrawFn) -> Submission:
    budget = draw(money)
    executed = draw(st.decimals(min_value=0, max_value=budget * 2, places=2))
    block = BudgetBlock(None, budget, executed, Decimal(10), "", None)
    return Submission("单位", 2023, "部门整体支出", tuple(draw(st.lists(rows(), min_size=1, max_size=12))), block)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(submissions())
def test_scores_stay_within_weights_and_explanations_add_up(sub: Submission) -> None:
    filled = [r for r in sub.indicators if r.actual.strip() or r.self_score is not None]
    if not filled:  # never filled in (or nothing but blank rows): refused, never graded as zeros
        with pytest.raises(PerfrulesError) as refused:
            score(sub, RULESET)
        assert refused.value.code == "unfilled"
        return
    result = score(sub, RULESET)
    for row in result.rows:
        if row.score is None:
            continue
        assert row.weight is not None
        assert 0 <= row.score <= row.weight
        lost = exact_sum(e.points_lost for e in result.explanations if e.row == row.row)
        assert lost == EXACT.subtract(row.weight, row.score)  # exactly, not to 28 digits
    assert all(e.points_lost > 0 for e in result.explanations)
    assert result.points_lost == EXACT.subtract(result.full_marks, result.total_exact)
    assert result.total == result.total_exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert result.total_exact == exact_sum(r.score for r in result.rows if r.score is not None)


@settings(max_examples=200)
@given(weights, money, st.lists(amounts, min_size=2, max_size=6))
def test_at_least_rules_never_decrease_as_the_actual_grows(weight: Decimal, target: Decimal, actuals: list[Decimal]) -> None:
    rule = next(r for r in RULESET.rules if r.id == "quantitative-positive").compiled
    scores = []
    with localcontext(CONTEXT):
        for actual in sorted(actuals):
            env = _inputs(weight, actual=actual, target=target, met=actual >= target)
            scores.append(min(max(rule.evaluate(env).score, Decimal(0)), weight))
    assert scores == sorted(scores)


@settings(max_examples=200)
@given(weights, money, st.lists(amounts, min_size=2, max_size=6))
def test_at_most_rules_never_increase_as_the_actual_grows(weight: Decimal, target: Decimal, actuals: list[Decimal]) -> None:
    rule = next(r for r in RULESET.rules if r.id == "quantitative-negative").compiled
    scores = []
    with localcontext(CONTEXT):
        for actual in sorted(actuals):
            scores.append(rule.evaluate(_inputs(weight, actual=actual, target=target, met=actual <= target)).score)
    assert scores == sorted(scores, reverse=True)


VOCAB = ["实际值", "目标值", "满分", "分值", "完成率", "执行率", "否则", "达标", "未达标", "未填写偏差原因", "达成",
         "部分达成", "每", "低于目标值", "个百分点", "扣", "分", "最多", "且", "或", "→", "->", "≥", "≤", ">=", "<",
         "=", "×", "÷", "*", "/", "+", "-", "(", ")", "[", "]", "（", "）", "；", ";", "，", ",", "%", "％", "10", "0.5",
         "90", "min", "max", "actual", "target", "full", "else", "deduct", "提示", "「达成」", " ", "\n", "满份", "@", "１０"]


@settings(max_examples=1500)
@given(st.lists(st.sampled_from(VOCAB), max_size=14) | st.text(max_size=40))
def test_any_rule_text_parses_or_fails_with_a_position_inside_it(parts: list[str] | str) -> None:
    text = parts if isinstance(parts, str) else "".join(parts)
    try:
        compile_rule(text)
    except PerfrulesError as err:
        assert err.offset is not None
        assert 0 <= err.offset <= len(text)
        assert err.render()  # renders without failing
    else:
        parse_rule(text)  # what compiles, parses


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_gets_in(value: float) -> None:
    with pytest.raises(PerfrulesError):
        to_decimal(value)


@settings(max_examples=100)
@given(submissions())
def test_results_hold_only_decimals(sub: Submission) -> None:
    assume(any(r.actual.strip() or r.self_score is not None for r in sub.indicators))  # else refused as unfilled
    result = score(sub, RULESET)
    numbers = [result.total, result.total_exact, result.full_marks]
    numbers += [x for r in result.rows for x in (r.weight, r.score, r.self_reported_score) if x is not None]
    numbers += [e.points_lost for e in result.explanations]
    assert all(type(n) is Decimal for n in numbers)
    assume(result.rows)


# ---------------------------------------------------------------- cell text normalised
_WHITE_SPACE = re.compile(r"\s+")


def _squash_by_definition(text: str) -> str:
    from perfrules.values import _NORMAL

    return _WHITE_SPACE.sub("", text.translate(_NORMAL))


def test_split_takes_the_white_space_the_regex_takes() -> None:
    """squash() drops white space with str.split(): the same characters as ``\\s``, every code point."""
    import sys

    differ = [c for c in range(sys.maxunicode + 1)
              if bool(_WHITE_SPACE.fullmatch(chr(c))) != (len(f"a{chr(c)}b".split()) == 2)]
    assert differ == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("　（）：，％０９ＡＺ\u200b\ufeff\u00a0 \t\n")), max_size=40))
def test_squash_and_normalize_are_their_definitions(text: str) -> None:
    """The search that skips translate() for most texts changes nothing."""
    from perfrules.values import _NORMAL, normalize, squash

    assert squash.__wrapped__(text) == _squash_by_definition(text)  # type: ignore[attr-defined]
    assert normalize(text) == text.translate(_NORMAL)


_UNIT_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z²㎡]{1,3}(?:/[\u4e00-\u9fffA-Za-z²㎡]{1,4})?$")


def test_unit_word_takes_every_character_the_regex_takes() -> None:
    """unit_word() reads a unit with str comparisons: one character at a time, every code point."""
    import sys

    from perfrules.units import unit_word

    assert [c for c in range(sys.maxunicode + 1) if unit_word(chr(c)) != bool(_UNIT_WORD.match(chr(c)))] == []


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("元万平方米/²㎡aZ人次\u4e00\u9fff\u4dff\ua000 ")),
               max_size=12).map(str.strip))
def test_unit_word_is_the_regex(unit: str) -> None:
    """A unit word as the regex it replaces reads one (on a stripped text: how values reads it)."""
    from perfrules.units import unit_word

    assert unit_word(unit) == bool(_UNIT_WORD.match(unit))
