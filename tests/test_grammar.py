"""Every form of the rule grammar, in Chinese, ASCII and full-width spellings, evaluated."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import pytest

from perfrules.rules.compiler import compile_rule
from perfrules.rules.program import RowInputs, row_inputs
from perfrules.scoring.interpreter import CONTEXT


def _inputs(weight: Decimal, reason_missing: bool = False, **values: Any) -> RowInputs:
    """A row's inputs as the interpreter fills them; 偏差原因 filled in unless *reason_missing*."""
    return row_inputs(weight, reason="" if reason_missing else "已说明", **values)


D = Decimal

# (Chinese, ASCII, full-width punctuation): the same rule three ways.
FORMS = {
    "full-when-met": (
        "实际值 ≥ 目标值 → 满分；否则 → 0",
        "actual >= target -> full; else -> 0",
        "实际值≥目标值→满分；否则→0",
    ),
    "proportional": (
        "实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值",
        "actual >= target -> full; else -> weight * actual / target",
        "实际值 ≥ 目标值 → 满分；否则 → 分值×实际值÷目标值",
    ),
    "reverse-proportional": (
        "实际值 ≤ 目标值 → 满分；否则 → 分值 × 目标值 ÷ 实际值",
        "actual <= target -> full; else -> weight * target / actual",
        "实际值≤目标值→满分；否则→分值×目标值÷实际值",
    ),
    "linear-penalty": (
        "实际值 ≤ 目标值 → 满分；否则 → 分值 × (1 − (实际值 − 目标值) ÷ 目标值)",
        "actual <= target -> full; else -> weight * (1 - (actual - target) / target)",
        "实际值≤目标值→满分；否则→分值×（1－（实际值－目标值）÷目标值）",
    ),
    "bands": (
        "完成率 ≥ 100% → 100%；≥ 90% → 80%；≥ 70% → 60%；否则 → 0",
        "ratio >= 100% -> 100%; >= 90% -> 80%; >= 70% -> 60%; else -> 0",
        "完成率≥１００％→１００％；≥９０％→８０％；≥７０％→６０％；否则→０",
    ),
    "deductions": (
        "未达标且未填写偏差原因 扣 2分；每低于目标值 5个百分点 扣 1分；最多扣 10分",
        "missed and no reason -> deduct 2; per 5 pp below target -> deduct 1; deduct at most 10",
        "未达标且未填写偏差原因扣２分；每低于目标值５个百分点扣１分；最多扣１０分",
    ),
    "execution": (
        "分值 × min(执行率, 100%)",
        "weight * min(rate, 100%)",
        "分值×min（执行率，１００％）",
    ),
    "execution-bands": (
        "执行率 ≥ 95% → 满分；≥ 80% → 80%；否则 → 分值 × 执行率",
        "rate >= 95% -> full; >= 80% -> 80%; else -> weight * rate",
        "执行率≥９５％→满分；≥８０％→８０％；否则→分值×执行率",
    ),
}


def _run(text: str, **env: object) -> Decimal:
    weight = env.pop("weight", D(10))
    assert isinstance(weight, Decimal)
    with localcontext(CONTEXT):
        return compile_rule(text).evaluate(_inputs(weight, **env)).score


# (form, env, expected score for weight 10)
CASES = [
    ("full-when-met", {"actual": D(10), "target": D(10), "met": True}, D(10)),
    ("full-when-met", {"actual": D("9.99"), "target": D(10), "met": False}, D(0)),
    ("proportional", {"actual": D(12), "target": D(10), "met": True}, D(10)),
    ("proportional", {"actual": D(8), "target": D(10), "met": False}, D(8)),
    ("proportional", {"actual": D(-5), "target": D(10), "met": False}, D(0)),  # clamped to [0, 分值]
    ("reverse-proportional", {"actual": D(386), "target": D(386), "met": True}, D(10)),
    ("reverse-proportional", {"actual": D(500), "target": D(400), "met": False}, D(8)),
    ("linear-penalty", {"actual": D(440), "target": D(400), "met": False}, D(9)),
    ("linear-penalty", {"actual": D(900), "target": D(400), "met": False}, D(0)),
    ("bands", {"actual": D(95), "target": D(100)}, D(8)),
    ("bands", {"actual": D(90), "target": D(100)}, D(8)),  # band edges are inclusive
    ("bands", {"actual": D("89.99"), "target": D(100)}, D(6)),
    ("bands", {"actual": D(100), "target": D(100)}, D(10)),
    ("bands", {"actual": D(10), "target": D(100)}, D(0)),
    ("deductions", {"actual": D(95), "target": D(95), "met": True, "reason_missing": True}, D(10)),
    ("deductions", {"actual": D("84.9"), "target": D(95), "met": False, "reason_missing": True}, D(6)),  # 2 + 2 steps
    ("deductions", {"actual": D("84.9"), "target": D(95), "met": False, "reason_missing": False}, D(8)),
    ("deductions", {"actual": D(0), "target": D(95), "met": False, "reason_missing": True}, D(0)),  # capped at 10
    ("execution", {"executed": D("9999.81"), "budget": D("9999.81")}, D(10)),
    ("execution", {"executed": D(90), "budget": D(100)}, D(9)),
    ("execution", {"executed": D(120), "budget": D(100)}, D(10)),
    ("execution-bands", {"executed": D(96), "budget": D(100)}, D(10)),
    ("execution-bands", {"executed": D(85), "budget": D(100)}, D(8)),
    ("execution-bands", {"executed": D(50), "budget": D(100)}, D(5)),
]


@pytest.mark.parametrize("form, env, expected", CASES)
@pytest.mark.parametrize("spelling", [0, 1, 2], ids=["zh", "ascii", "fullwidth"])
def test_form_scores(form: str, env: dict[str, object], expected: Decimal, spelling: int) -> None:
    assert _run(FORMS[form][spelling], **dict(env)) == expected


GRADED = ("达成 → [80%, 100%]；部分达成 → [60%, 80%)；未达成 → [0, 60%)",
          "achieved -> [80%, 100%]; partial -> [60%, 80%); not_achieved -> [0, 60%)")


@pytest.mark.parametrize("text", GRADED, ids=["zh", "ascii"])
@pytest.mark.parametrize("grade, self_score, band", [
    ("达成", D(8), "[8, 10]"), ("达成", D(10), "[8, 10]"),
    ("部分达成", D(6), "[6, 8)"), ("部分达成", D("7.99"), "[6, 8)"),
    ("未达成", D(0), "[0, 6)"), ("未达成", D("5.9"), "[0, 6)"),
])
def test_grades_are_self_assessed_within_their_band(text: str, grade: str, self_score: Decimal, band: str) -> None:
    with localcontext(CONTEXT):
        out = compile_rule(text).evaluate(_inputs(D(10), grade=grade, self_score=self_score))
    assert out.score == self_score
    assert str(out.band) == band
    assert out.band is not None and out.band.contains(self_score)


@pytest.mark.parametrize("self_score, grade", [(D(8), "达成"), (D("7.9"), "部分达成"), (D(6), "部分达成"), (D("5.99"), "未达成")])
def test_a_narrative_actual_is_graded_by_the_units_own_score(self_score: Decimal, grade: str) -> None:
    with localcontext(CONTEXT):
        out = compile_rule(GRADED[0]).evaluate(_inputs(D(10), self_score=self_score))
    assert (out.grade, out.grade_inferred) == (grade, True)


def test_fixed_grade_shares() -> None:
    text = "达成 → 满分；部分达成 → 80%；未达成 → 50%"
    assert _run(text, grade="部分达成", weight=D(4)) == D("3.2")
    assert _run(text, grade="未达成", weight=D(3)) == D("1.5")


def test_missing_reason_can_be_a_finding_instead_of_a_deduction() -> None:
    rule = compile_rule("实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值；未达标且未填写偏差原因 → 提示「未说明偏差原因」")
    with localcontext(CONTEXT):
        out = rule.evaluate(_inputs(D(10), actual=D(8), target=D(10), met=False, reason_missing=True))
    assert out.score == D(8)
    assert out.flags == ("未说明偏差原因",)


def test_deduction_entries_are_cut_back_by_the_cap() -> None:
    rule = compile_rule(FORMS["deductions"][0])
    with localcontext(CONTEXT):
        out = rule.evaluate(_inputs(D(10), actual=D(40), target=D(95), met=False, reason_missing=True))
    assert [c.points for c in out.charges] == [D(2), D(8)]  # 11 steps, cut to 8 by 最多扣 10分
    assert "实扣 8 分" in out.charges[1].detail
    assert out.score == 0


def test_statements_keep_their_source_text() -> None:
    rule = compile_rule("完成率 ≥ 100% → 100%；≥ 90% → 80%；否则 → 0")
    with localcontext(CONTEXT):
        out = rule.evaluate(_inputs(D(10), actual=D(91), target=D(100)))
    assert [c.text for c in out.charges] == ["≥ 90% → 80%"]
