"""The explanation records a plan builds for a form row that lost points, as the
interpreter builds them for the same table: closures made once per row, over the row's
constants (its label, citation, 年度指标值, 分值), that append one record per charge.
The commonest rows (a threshold, a ladder, a grade table, deductions alone) are scored
and explained by one closure (:func:`fused_for`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from perfrules.arithmetic import Charge, clamp
from perfrules.explain import Explanation, ShownValues
from perfrules.planrow import Careful, Input, PlanRow, ZERO, cell_text, reads, reason_of, with_own
from perfrules.program import CompiledRule
from perfrules.shapes import Charged, Grades, Ladder, Threshold
from perfrules.values import Quantity, read_value
from perfrules.vocabulary import EXACT

# ------------------------------------------------------------------ the records
#: Appends the records of a row that lost points: (input, its actuals mapping, score, out,
#: the input's 偏差原因 as given: one text, or a mapping row key → text).
Explainer = Callable[[Input, Input, Decimal, list[Explanation], Any], None]

record = tuple.__new__  # Explanation(...) without its keyword-checking __new__: one per point lost


def no_explainer(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
    raise AssertionError("a run of rows is explained row by row")


def _row_explanations(row: PlanRow, x: Input, points: Decimal) -> list[Explanation]:
    """What the interpreter's _explain builds for a row that lost points (*x* flat)."""
    values = _execution_values(x) if row.execution else _row_values(row, x)
    reason = "" if row.execution else reason_of(x, row.key)
    if row.cases_only:
        text = row.losing_case
        if text is None:
            assert row.program is not None
            text = _matched(row.program, x)
        return [record(Explanation, (row.number, row.label, EXACT.subtract(row.form.weight, points), row.rule.id, text,
                                      row.citation, values, reason, "", None, row.level1, row.level2))]
    assert row.program is not None
    return [record(Explanation, (row.number, row.label, c.points, row.rule.id, c.text, row.citation,
                                  values if values.__class__ is ShownValues else dict(values), reason, c.detail, None,
                                  row.level1, row.level2)) for c in row.program.evaluate(x, row.form.weight).charges]


def explainer_for(row: PlanRow) -> Explainer:
    """Appends a row's explanation records: for rows scored by their cases alone (a number,
    a grade, 预算执行率) everything is inlined over constants; others (deductions) take
    _row_explanations."""
    if row.execution and row.cases_only and row.program is not None:
        return _execution_explainer(row)
    if not row.execution and row.program is not None and not row.program.cases and row.target:
        return _deduction_explainer(row)
    if row.execution or not row.cases_only or row.program is None:
        key = row.key

        def general(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
            out.extend(_row_explanations(row, with_own(x, actuals, key), points))

        return general
    if not row.target:
        return _text_explainer(row)
    return _numeric_explainer(row)


def _texts_by_points(program: CompiledRule, weight: Decimal) -> dict[Decimal, str] | None:
    """Points → the text of the case that gives them, when every case gives constant
    points, no two the same (then a row's score says which case it met)."""
    texts: dict[Decimal, str] = {}
    for case in program.cases:
        if case.points_const is None:
            return None
        texts.setdefault(clamp(case.points_const, weight), case.text)
    return texts if texts and len(texts) == len(program.cases) else None


def _case_text(row: PlanRow) -> Callable[[Input, Input, Decimal], str]:
    """The text of the case that set a row's score, for the record: the one case that
    can lose points, or the case whose (distinct) constant points the row scored, or
    else the first case whose test holds, tried again."""
    program = row.program
    assert program is not None
    only = row.losing_case
    if only is not None:
        return lambda x, actuals, points: only
    own, outer = reads(row)
    key = row.key

    def retried(x: Input, actuals: Input) -> str:
        return _matched(program, with_own(x, actuals, key) if own and outer else actuals if own else x)

    by_points = _texts_by_points(program, row.form.weight)
    if by_points is not None:
        def of_points(x: Input, actuals: Input, points: Decimal) -> str:
            text = by_points.get(points)
            return text if text is not None else retried(x, actuals)

        return of_points
    return lambda x, actuals, points: retried(x, actuals)


def _numeric_explainer(row: PlanRow) -> Explainer:
    """A row with a numeric target: 年度指标值, 实际完成值, 分值 and 完成率 shown (the words,
    完成率 = 实际值 ÷ 目标值 among them, are made when the values are read)."""
    key, target, target_text, weight_text = row.key, row.target, row.form.target, row.weight_text
    number, label, rule_id, citation, text_of = row.number, row.label, row.rule.id, row.citation, _case_text(row)
    level1, level2, weight, new, lost = row.level1, row.level2, row.form.weight, record, EXACT.subtract
    only = row.losing_case
    assert target

    def numeric(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        actual = actuals[key]
        if actual.__class__ is not Decimal:  # an int, a text: as the interpreter shows them
            return out.extend(_row_explanations(row, with_own(x, actuals, key), points))
        if reason.__class__ is not str:
            reason = reason_of(x, key)
        text = only if only is not None else text_of(x, actuals, points)
        out.append(new(Explanation, (number, label, lost(weight, points), rule_id, text, citation,
                                     new(ShownValues, ("row", target_text, actual, weight_text, target)),
                                     reason, "", None, level1, level2)))

    return numeric


#: A row that scores and explains itself: (its actuals, the input, out, 偏差原因) → score.
Fused = Callable[[Input, Input, list[Explanation], Any], Decimal]


def fused_for(row: PlanRow, explainer: Explainer) -> Fused | None:
    """The commonest rows scored and explained in one closure, for :meth:`Plan._one_pass`:
    a threshold (实际值 ≥ 目标值 → 满分；否则 → 公式), a ladder (完成率 ≥ 100% → 满分；≥ 90% →
    80%；…), a grade table (达成 → 满分；部分达成 → 80%；…), or deductions alone (未达标且
    未填写偏差原因 扣 2分；每低于目标值 5个百分点 扣 1分).  Each does what its driver
    does, then builds the record its explainer would, inline, for the usual input (a
    Decimal or a grade word, one 偏差原因 for all rows); any other input takes the
    explainer.  None for other rows."""
    program = row.program
    if program is not None and program.charged is not None and not row.execution and row.target:
        return _fused_deduction(row, program.charged, explainer)
    if program is None or row.execution or not row.cases_only or reads(row) != (True, False):
        return None
    shape = program.shape
    if isinstance(shape, Threshold) and row.target and row.losing_case is not None and shape.key == row.key \
            and shape.full == row.form.weight and shape.op in (">=", "<="):
        return _fused_threshold(row, shape, explainer)
    texts = _texts_by_points(program, row.form.weight)
    if texts is None:
        return None
    if isinstance(shape, Ladder) and row.target and shape.key == row.key and shape.op == ">=":
        return _fused_ladder(row, shape, texts, explainer)
    if isinstance(shape, Grades) and row.target is None and shape.key == row.key:
        return _fused_grades(row, shape, texts, explainer)
    return None


def _fused_threshold(row: PlanRow, t: Threshold, explainer: Explainer) -> Fused:
    key, const, full, fn, target, w = row.key, t.const, t.full, t.formula, row.target, row.form.weight
    number, label, rule_id, citation, text = row.number, row.label, row.rule.id, row.citation, row.losing_case
    target_text, weight_text, level1, level2, new, lost = (row.form.target, row.weight_text, row.level1, row.level2,
                                                          record, EXACT.subtract)
    at_least = t.op == ">="

    def threshold(actuals: Input, x: Input, out: list[Explanation], reason: Any) -> Decimal:
        actual = actuals[key]
        if (actual >= const) if at_least else (actual <= const):
            return full
        v = fn(actuals)
        if v < ZERO:
            v = ZERO
        elif not v < w:  # as the driver clamps it: no point lost
            return w if w < v else v
        if actual.__class__ is Decimal and reason.__class__ is str:
            out.append(new(Explanation, (number, label, lost(w, v), rule_id, text, citation,
                                         new(ShownValues, ("row", target_text, actual, weight_text, target)),
                                         reason, "", None, level1, level2)))
        else:
            explainer(x, actuals, v, out, reason)
        return v

    return threshold


def _fused_deduction(row: PlanRow, charged: Charged, explainer: Explainer) -> Fused:
    """The driver lists the charges as it takes them (the interpreter's notes too): one
    record each, sharing the row's values.  It reads what it needs (the row's actual,
    the submission's 偏差原因) from one mapping."""
    key, target, outer = row.key, row.target, reads(row)[1]
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    target_text, weight_text, level1, level2, new = row.form.target, row.weight_text, row.level1, row.level2, record

    def deduction(actuals: Input, x: Input, out: list[Explanation], reason: Any) -> Decimal:
        seen = with_own(x, actuals, key) if outer else actuals
        charges: list[Charge] = []
        s = charged(seen, charges)
        if charges:
            actual = seen[key]
            if actual.__class__ is Decimal and reason.__class__ is str:
                values = new(ShownValues, ("row", target_text, actual, weight_text, target))
                for take, text, note in charges:
                    out.append(new(Explanation, (number, label, take, rule_id, text, citation, values, reason, note,
                                                 None, level1, level2)))
            else:
                explainer(seen, seen, s, out, reason)
        return s

    return deduction


def _fused_ladder(row: PlanRow, ladder: Ladder, texts: Mapping[Decimal, str], explainer: Explainer) -> Fused:
    key, steps, other, target, w = row.key, ladder.steps, ladder.other, row.target, row.form.weight
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    target_text, weight_text, level1, level2, new, lost = (row.form.target, row.weight_text, row.level1, row.level2,
                                                          record, EXACT.subtract)

    def banded(actuals: Input, x: Input, out: list[Explanation], reason: Any) -> Decimal:
        actual = actuals[key]
        for threshold, points in steps:
            if actual >= threshold:
                s = points
                break
        else:
            s = other
        if s is not w and s < w:
            if actual.__class__ is Decimal and reason.__class__ is str:
                out.append(new(Explanation, (number, label, lost(w, s), rule_id, texts[s], citation,
                                             new(ShownValues, ("row", target_text, actual, weight_text, target)),
                                             reason, "", None, level1, level2)))
            else:
                explainer(x, actuals, s, out, reason)
        return s

    return banded


def _fused_grades(row: PlanRow, grades: Grades, texts: Mapping[Decimal, str], explainer: Explainer) -> Fused:
    key, table, w = row.key, grades.table, row.form.weight
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    target_text, weight_text, level1, level2, new, lost = (row.form.target, row.weight_text, row.level1, row.level2,
                                                          record, EXACT.subtract)

    def graded(actuals: Input, x: Input, out: list[Explanation], reason: Any) -> Decimal:
        actual = actuals[key]
        s = table[actual]
        if s is not w and s < w:
            if actual.__class__ is str and reason.__class__ is str:
                out.append(new(Explanation, (number, label, lost(w, s), rule_id, texts[s], citation,
                                             {"年度指标值": target_text, "实际完成值": actual, "分值": weight_text},
                                             reason, "", None, level1, level2)))
            else:
                explainer(x, actuals, s, out, reason)
        return s

    return graded


def _deduction_explainer(row: PlanRow) -> Explainer:
    """A row scored by deductions alone (未达标且未填写偏差原因 扣 2分；每低于目标值 …): one
    record per charge its scorer lists (``CompiledRule.charged``, the one deduction arithmetic),
    the row's values shared by them (they are immutable)."""
    program = row.program
    assert program is not None and program.charged is not None  # a rule of deductions alone
    charged, key, target, target_text, weight_text = program.charged, row.key, row.target, row.form.target, row.weight_text
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    level1, level2, new = row.level1, row.level2, record
    outer = reads(row)[1]

    def deduction(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        actual = actuals[key]
        view = with_own(x, actuals, key) if outer else actuals
        if actual.__class__ is not Decimal:  # an int, a text: as the interpreter shows them
            return out.extend(_row_explanations(row, with_own(x, actuals, key), points))
        if reason.__class__ is not str:
            reason = reason_of(x, key)
        values = new(ShownValues, ("row", target_text, actual, weight_text, target))
        charges: list[Charge] = []
        charged(view, charges)
        for taken, text, note in charges:
            out.append(new(Explanation, (number, label, taken, rule_id, text, citation, values, reason, note, None,
                                         level1, level2)))

    return deduction


def _execution_explainer(row: PlanRow) -> Explainer:
    """预算执行率: 全年预算数, 全年执行数 and 执行率 shown, no 偏差原因 (the interpreter's row 0)."""
    number, label, rule_id, citation, text_of = row.number, row.label, row.rule.id, row.citation, _case_text(row)
    only = row.losing_case
    level1, level2, weight, new, lost = row.level1, row.level2, row.form.weight, record, EXACT.subtract

    def execution_row(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        text = only if only is not None else text_of(x, actuals, points)
        out.append(new(Explanation, (number, label, lost(weight, points), rule_id, text, citation,
                                     _execution_values(x), "", "", None, level1, level2)))

    return execution_row


def _text_explainer(row: PlanRow) -> Explainer:
    """A row with no numeric target (达成 …): the actual as written, the matching case."""
    key, target_text, weight_text, text_of = row.key, row.form.target, row.weight_text, _case_text(row)
    only = row.losing_case
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    level1, level2, weight, new, lost = row.level1, row.level2, row.form.weight, record, EXACT.subtract
    numeric_target = row.target is not None

    def text_row(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        shown = actuals[key]
        if shown.__class__ is not str:
            shown = cell_text(shown)
            if numeric_target and isinstance(read_value(shown), Quantity):
                raise Careful()
        if reason.__class__ is not str:
            reason = reason_of(x, key)
        text = only if only is not None else text_of(x, actuals, points)
        out.append(new(Explanation, (number, label, lost(weight, points), rule_id, text, citation,
                                     {"年度指标值": target_text, "实际完成值": shown, "分值": weight_text},
                                     reason, "", None, level1, level2)))

    return text_row


def _matched(program: CompiledRule, x: Input) -> str:
    for case in program.cases:
        if case.test(x):
            return case.text
    return ""


def _row_values(row: PlanRow, x: Input) -> Mapping[str, str]:
    actual = x[row.key]
    cls = actual.__class__
    if cls is Decimal or cls is int:
        return record(ShownValues, ("row", row.form.target, actual, row.weight_text, row.target))
    if row.target is not None and isinstance(read_value(cell_text(actual)), Quantity):
        raise Careful()  # a number written as text: the interpreter reads its unit
    return {"年度指标值": row.form.target, "实际完成值": cell_text(actual), "分值": row.weight_text}


def _execution_values(x: Input) -> ShownValues:
    budget, executed = x["budget"], x["executed"]
    if executed.__class__ is not Decimal or budget.__class__ is not Decimal:
        raise Careful()
    if not budget:
        raise Careful()  # no 执行率: the interpreter says why
    return record(ShownValues, ("execution", budget, executed))
