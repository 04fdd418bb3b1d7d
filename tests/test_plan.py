"""A plan is ``perfrules score`` for a form known in advance: an input scores as the table it
fills in (``plan.to_submission``) does, row scores, totals and explanation records alike.

The scoring and the records are one code (the compiler, :mod:`perfrules.rules.arithmetic`,
:mod:`perfrules.scoring.records`; a form row's scorer against its rule's general loop is
tests/test_shapes.py).  What these tests hold together is what a plan alone does: read
typed inputs (a Decimal, an int, a grade word, one 偏差原因 or one per row, actuals
flat or nested) where ``perfrules score`` reads the cells of a filed table, and send
what it cannot read to the interpreter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfrules.errors import PerfrulesError
from perfrules.scoring.interpreter import CONTEXT, score
from perfrules.ruleset.loader import load_ruleset, load_ruleset_text
from perfrules.scoring.plan import Plan, compile_plan
from perfrules.ruleset.model import FormRow
from perfrules.words import fmt, percent

WORKLOAD = ROOT / "bench" / "workload-ruleset.toml"
GRADES = ("达成", "部分达成", "未达成")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_ruleset(str(WORKLOAD)))


def _seed_form_plan() -> Plan:
    """A form taken from the seed's rows, scored under the district's chain (rules chosen by applies)."""
    d = Decimal
    rows = [
        FormRow("G1", "产出指标", "数量指标", "园区技工贸总收入增长", "≥10%", d(5)),
        FormRow("G2", "产出指标", "数量指标", "规模工业增加值增长", "≥8.5%", d(5)),
        FormRow("S1", "满意度指标", "服务对象满意度指标", "满意率（%）", "≥80%", d(10)),
        FormRow("C1", "成本指标", "经济成本指标", "工作时间", "≥238天", d(5)),
        FormRow("C2", "成本指标", "经济成本指标", "单位管理运营成本", "≤386万元", d(10)),
        FormRow("E", "预算执行率", "预算执行率", "预算执行率", "100%", d(10)),
        FormRow("Q1", "效益指标", "社会效益指标", "社会效益带动定性指标", "达成", d(10)),
    ]
    return compile_plan(load_ruleset("hunan/zhuzhou/lusong/2023"), rows)


SEED_PLAN = _seed_form_plan()  # Q1's rule is a self-assessed band: every submission goes to the interpreter
SEED_PLAN_FAST = Plan(SEED_PLAN.ruleset, SEED_PLAN.rows[:-1])  # all rows compiled


def _numbers(target: Decimal) -> st.SearchStrategy[Any]:
    """Actuals as callers give them: Decimals mostly, sometimes a plain int, or text (which
    only the interpreter reads: a number with its unit, or words)."""
    return st.one_of(
        st.just(target),
        st.decimals(min_value=-target, max_value=target * 3, places=2, allow_nan=False, allow_infinity=False),
        st.integers(min_value=0, max_value=int(target * 2)).map(Decimal),
        st.integers(min_value=0, max_value=int(target * 2)),
        st.sampled_from([f"{target}", "没有数据", "1E+3"]),
    )


@st.composite
def inputs(draw: Any, plan: Plan) -> dict[str, Any]:
    x: dict[str, Any] = {}
    for row in plan.rows:
        if row.execution:
            budget = draw(st.decimals(min_value=Decimal("0.01"), max_value=10000, places=2))
            x["budget"] = budget
            x["executed"] = draw(st.one_of(st.just(budget), st.decimals(min_value=0, max_value=budget * 2, places=2)))
        elif row.target is None:
            x[row.key] = draw(st.sampled_from(GRADES + ("已达成", "不知道")))
        else:
            x[row.key] = draw(_numbers(row.target))
    reasons = st.sampled_from(["", "  ", "项目前期手续办理时间较长"])
    x["reason"] = draw(st.one_of(reasons, st.dictionaries(st.sampled_from([r.key for r in plan.rows]), reasons)))
    return x


def _interpreted(plan: Plan, x: dict[str, Any]) -> tuple[dict[str, Decimal], Any]:
    result = score(plan.to_submission(x), plan.ruleset, plan._rule_of)
    by_number = {r.row: r.score for r in result.rows}
    return {row.key: by_number[row.number] for row in plan.rows}, result


def _check(plan: Plan, x: dict[str, Any]) -> None:
    _check_nested(plan, x)
    got = plan.score(x)
    scores, result = _interpreted(plan, x)
    assert dict(got.scores) == scores
    assert got.explanations == result.explanations
    with_context = sum(scores.values(), Decimal(0))
    assert got.total == plan.ruleset.rounding.apply(with_context)
    assert plan.totals([x]) == [got.total]
    assert plan.explained_totals([x]) == [(got.total, got.explanations)]  # the one-pass path, records and all


def _check_nested(plan: Plan, x: dict[str, Any]) -> None:
    """The same input with its actuals nested under "actuals" scores the same."""
    nested = Plan(plan.ruleset, plan.rows, actuals_key="actuals")
    row_keys = {r.key for r in plan.rows}
    y = {k: v for k, v in x.items() if k not in row_keys}
    y["actuals"] = {k: v for k, v in x.items() if k in row_keys}
    assert nested.totals([y]) == plan.totals([x])
    assert nested.explained_totals([y]) == plan.explained_totals([x])
    assert nested.score(y) == plan.score(x)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_workload_plan_equals_interpreter(plan: Plan, data: st.DataObject) -> None:
    _check(plan, data.draw(inputs(plan)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_seed_form_plan_equals_interpreter(data: st.DataObject) -> None:
    _check(SEED_PLAN, data.draw(inputs(SEED_PLAN)))
    x = data.draw(inputs(SEED_PLAN_FAST))
    _check(SEED_PLAN_FAST, x)


def test_every_workload_row_is_compiled(plan: Plan) -> None:
    assert [r.program is not None for r in plan.rows] == [True] * 20
    assert plan.rows[18].execution and plan.rows[18].number == 0
    assert sum(r.weight for r in plan.rows) == 100


def test_unreadable_inputs_go_to_the_interpreter(plan: Plan) -> None:
    x: dict[str, Any] = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}
    x.update(budget=Decimal(100), executed=Decimal(90), reason="")
    assert not plan.score(x).careful
    x["I01"] = "没有数据"  # text where a number belongs
    x["budget"] = Decimal(0)  # no rate
    got = plan.score(x)
    assert got.careful
    scores, result = _interpreted(plan, x)
    assert dict(got.scores) == scores and got.explanations == result.explanations
    assert plan.totals([x]) == [got.total]


def test_int_and_text_actuals_are_explained_as_the_interpreter_does(plan: Plan) -> None:
    """Plain ints are numbers (read in place); text goes to the interpreter.  Both give the
    interpreter's records, on every kind of row (numbers, deductions, grades)."""
    x: dict[str, Any] = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}
    x.update(budget=Decimal("386.5"), executed=Decimal("300"), reason={"I20": "", "I01": "企业投资意愿下降"})
    x.update(I01=3, I09=400, I17=80, I20=50)
    got = plan.score(x)
    _, result = _interpreted(plan, x)
    assert not got.careful and got.explanations == result.explanations
    assert [e.row for e in got.explanations] == [0, 1, 9, 17, 19, 19]
    assert plan.explained_totals([x]) == [(got.total, got.explanations)]
    x["I03"] = "238天"  # a number written as text: the interpreter reads its unit
    got = plan.score(x)
    _, result = _interpreted(plan, x)
    assert got.careful and got.explanations == result.explanations


def test_explanations_name_rule_clause_and_reason(plan: Plan) -> None:
    x: dict[str, Any] = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}
    x.update(budget=Decimal(100), executed=Decimal(100), reason="")
    x["I02"] = Decimal("7.65")  # 90% of 8.5
    x["I20"] = Decimal("79.7")  # 15.3 pp below: 3 steps and no reason
    (a, b, c) = plan.explain(x)
    assert (a.row, a.rule, a.points_lost, a.values["完成率"]) == (2, "at-least", Decimal("0.5"), "90%")
    assert (b.points_lost, c.points_lost) == (2, 3)
    assert c.note == "15.3 ÷ 5 = 3 档"
    assert b.citation.title.startswith("perfrules 同业基准测试")


def test_plan_values_are_words_read_in_any_context(plan: Plan) -> None:
    """A plan keeps a record's values as exact numbers and writes them when read: the
    words are the interpreter's, in whatever decimal context the reader is; the values
    equal the interpreter's dict, cannot be changed, and survive pickling (batch workers)."""
    import pickle
    from decimal import localcontext

    from perfrules.explain import Explanation, ShownValues

    x: dict[str, Any] = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}
    x.update(budget=Decimal("386.5"), executed=Decimal("301.47"), reason="项目前期手续办理时间较长")
    x["I01"] = Decimal("3.3333")  # 33.333% of 10
    [(total, found)] = plan.explained_totals([x])
    execution, first = found[0], found[1]
    assert isinstance(first.values, ShownValues) and isinstance(execution.values, ShownValues)
    with localcontext() as ctx:
        ctx.prec = 3
        assert dict(first.values) == {"年度指标值": "≥10%", "实际完成值": "3.3333", "分值": "5", "完成率": "33.33%"}
        assert dict(execution.values) == {"全年预算数": "386.5", "全年执行数": "301.47", "执行率": "78%"}
    _, result = _interpreted(plan, x)
    assert found == result.explanations and first.values == result.explanations[1].values
    assert pickle.loads(pickle.dumps(found)) == found
    with pytest.raises(TypeError):
        first.values["完成率"] = "100%"  # type: ignore[index]
    with pytest.raises(AttributeError):
        first.values.words = {}  # type: ignore[attr-defined]
    assert ShownValues("execution", Decimal(8), Decimal(2)) == {
        "全年预算数": "8", "全年执行数": "2", "执行率": "25%"}
    with pytest.raises(ValueError, match="no formatter"):
        ShownValues("nope")
    assert first != tuple(first) and first == Explanation(*first[:9], location=None, level1=first.level1,
                                                         level2=first.level2)


def _percent_spec(ratio: Decimal) -> str:
    """What 完成率 says, as the interpreter first wrote it: ×100 to 2 places, normalized."""
    value = ratio * 100
    if value.adjusted() >= CONTEXT.prec - 2:
        return f"{format(value.normalize(), 'f')}%"
    return f"{format(value.quantize(Decimal('0.01')).normalize(), 'f')}%"


@settings(max_examples=400, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False), st.sampled_from([2, 28, 60]))
def test_percent_matches_its_definition_in_any_context(ratio: Decimal, prec: int) -> None:
    """percent() (what plans and the interpreter write, now or when values are read) gives
    the definition's text under the plan's context, whatever context the reader is in."""
    from decimal import localcontext

    with localcontext(CONTEXT):
        expected = _percent_spec(ratio)
    with localcontext() as ctx:
        ctx.prec = prec
        assert percent(ratio) == expected


@settings(max_examples=400, deadline=None)
@given(st.decimals(allow_nan=False), st.sampled_from([2, 28]))
def test_fmt_shows_every_digit_in_any_context(value: Decimal, prec: int) -> None:
    """fmt is normalize() without the exponent, and never rounds (the caller's context may be narrow)."""
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 200
        expected = format(value.normalize(), "f")
    with localcontext() as ctx:
        ctx.prec = prec
        assert fmt(value) == expected


def test_form_rows_are_checked_by_the_loader() -> None:
    text = WORKLOAD.read_text(encoding="utf-8").replace('rule = "banded"', 'rule = "bandd"', 1)
    with pytest.raises(PerfrulesError) as err:
        load_ruleset_text(text, "w.toml")
    assert "bandd" in str(err.value.render("zh"))


def test_a_ruleset_without_form_has_no_plan() -> None:
    with pytest.raises(PerfrulesError):
        compile_plan(load_ruleset("national/cz2020-10"))


def test_a_formula_that_gives_full_marks_loses_nothing_in_the_one_pass() -> None:
    """The explaining pass clamps as the driver does: a 否则 formula that comes to 分值
    exactly is full marks, with no explanation entry of 0 points."""
    text = WORKLOAD.read_text(encoding="utf-8")
    at_least = "实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值"
    assert text.count(at_least) == 1
    plan = compile_plan(load_ruleset_text(text.replace(at_least, "实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 实际值"), "w.toml"))
    x: dict[str, Any] = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}
    x.update(budget=Decimal(100), executed=Decimal(100), reason="")
    x["I01"] = Decimal("2.5")  # below ≥10%: the formula gives 5 × 2.5 ÷ 2.5 = 5
    [(total, found)] = plan.explained_totals([x])
    assert (total, found) == (Decimal("100.00"), ())
    assert plan.score(x).explanations == () and _interpreted(plan, x)[1].explanations == ()


def test_deductions_in_the_one_pass_are_the_interpreters(plan: Plan) -> None:
    """A row of deductions alone lists its charges as it scores (the driver's arithmetic),
    with the interpreter's notes, cap included."""
    x: dict[str, Any] = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}
    x.update(budget=Decimal(100), executed=Decimal(100), reason="", I20=Decimal("40"))  # 55 below 95, no reason
    [(total, found)] = plan.explained_totals([x])
    assert [(e.points_lost, e.rule_text, e.note) for e in found] == [
        (Decimal(2), "未达标且未填写偏差原因 扣 2分", ""),
        (Decimal(8), "每低于目标值 5个百分点 扣 1分", "55 ÷ 5 = 11 档；应扣 11 分，受「最多扣 10 分」限制实扣 8 分")]
    assert total == Decimal("90.00") and found == _interpreted(plan, x)[1].explanations == plan.explain(x)
    assert found[0].values is found[1].values  # one row, one set of values
