"""A ruleset compiled for one form: per-row scorers with each row's constants bound.

When the rows of a 自评表 are known before any submission is (a ruleset's ``[[form]]``,
or a form table a caller passes), each row's rule is compiled once more with the row's
分值, 目标值 and comparator as constants (:func:`perfrules.compiler.compile_row`):
``分值 × 80%`` is a number, ``完成率 ≥ 90%`` is ``实际值 ≥ 85.5``, a grade table is a dict.
Scoring a submission then only reads its actuals, with none of the interpreter's
per-row work (reading cells, classifying the target, choosing the rule, building an
Env and an Outcome).

What a plan gives is what the interpreter gives for the same table: the same row
scores and the same explanation records, which are built only for rows that lose
points.  An input the compiled rows cannot read (text where a number belongs, a
missing key, a budget of 0, a rule that needs the unit's own score) is not guessed
at: that submission is scored by the interpreter itself (``careful``), so its
fallbacks apply.  Findings are the interpreter's business: ``plan.to_submission(x)``
gives the table to score with it.

A submission's input is a mapping: each row key (I01 …) → the actual, a ``Decimal`` or
``int`` in the target's unit, or the grade text (达成 …); ``budget`` / ``executed``
(全年预算数 / 全年执行数) for the 预算执行率 row; ``reason`` (偏差原因), one text for every
row or a mapping row key → text.  Floats are not numbers here (they would be inexact).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any

import attrs

from perfrules import model
from perfrules.compiler import MissingInput, NoClause, NotSpecialisable, RowBinding, RowProgram, compile_row, fmt
from perfrules.errors import PerfrulesError
from perfrules.explain import CitationRecord, Explanation
from perfrules.interpreter import CONTEXT, EXECUTION, _citation, classify, score, select_rule
from perfrules.ruleset import FormRow, Rule, Ruleset
from perfrules.values import Quantity, read_value, squash, to_decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

Input = Mapping[str, Any]
Scorer = Callable[[Input], Decimal]

#: What a compiled row raises for an input it cannot read: the interpreter takes over.
_CAREFUL = (KeyError, TypeError, AttributeError, ValueError, ArithmeticError, NoClause, MissingInput)


class _Careful(Exception):
    """This submission goes to the interpreter (an input the fast path does not judge)."""


@attrs.frozen
class PlanRow:
    """One form row as the plan scores it, with what its explanation needs precomputed."""

    form: FormRow
    number: int  # the interpreter's row number: 0 for 预算执行率, then 1, 2 … in form order
    execution: bool
    rule: Rule
    program: RowProgram | None  # None: the rule needs what a form row cannot bind
    score: Scorer = attrs.field(eq=False, repr=False)
    target: Decimal | None
    label: str
    level1: str
    level2: str
    citation: CitationRecord
    weight_text: str
    cases_only: bool  # one charge at most: 分值 − score, the text of the matching case

    @property
    def key(self) -> str:
        return self.form.key

    @property
    def weight(self) -> Decimal:
        return self.form.weight


@attrs.frozen
class PlanResult:
    """One submission scored by a plan: the total as the ruleset rounds it, the exact
    total (the sum in form order), each row's exact score, and the explanations."""

    total: Decimal
    total_exact: Decimal
    scores: Mapping[str, Decimal]
    explanations: tuple[Explanation, ...] = ()
    careful: bool = False  # scored by the interpreter: an input the compiled rows could not read


class Plan:
    """A ruleset compiled for a form.  Build it with :func:`compile_plan`."""

    def __init__(self, ruleset: Ruleset, rows: Sequence[PlanRow]) -> None:
        self.ruleset = ruleset
        self.rows = tuple(rows)
        self._scorers = tuple(r.score for r in self.rows)
        # Explanations in the interpreter's order: the budget row first, then the rows.
        self._explain_order = tuple(sorted(range(len(self.rows)), key=lambda i: (not self.rows[i].execution, i)))
        self._quantum = ruleset.rounding.quantum
        self._mode = ruleset.rounding.decimal_mode
        self._rule_of = {(EXECUTION if r.execution else r.key): r.rule.id for r in self.rows}
        self._all_compiled = all(r.program is not None for r in self.rows)

    # ------------------------------------------------------------------ scoring
    def totals(self, inputs: Iterable[Input]) -> list[Decimal]:
        """Rounded totals, one per input, in order: the fast path (no records built)."""
        scorers, quantum, mode = self._scorers, self._quantum, self._mode
        out: list[Decimal] = []
        append = out.append
        with localcontext(CONTEXT):
            for x in inputs:
                total = ZERO
                try:
                    for scorer in scorers:
                        total += scorer(x)
                except _CAREFUL + (_Careful,):
                    total = self._careful(x).total_exact
                append(total.quantize(quantum, rounding=mode))
        return out

    def explained_totals(self, inputs: Iterable[Input]) -> list[tuple[Decimal, tuple[Explanation, ...]]]:
        """(rounded total, explanations) per input: every point lost explained."""
        quantum, mode = self._quantum, self._mode
        out: list[tuple[Decimal, tuple[Explanation, ...]]] = []
        with localcontext(CONTEXT):
            for x in inputs:
                try:
                    scores = [scorer(x) for scorer in self._scorers]
                    explanations = self._explain(x, scores)
                    total = ZERO
                    for s in scores:
                        total += s
                except _CAREFUL + (_Careful,):
                    result = self._careful(x)
                    total, explanations = result.total_exact, result.explanations
                out.append((total.quantize(quantum, rounding=mode), explanations))
        return out

    def score(self, x: Input, explain: bool = True) -> PlanResult:
        """One submission, with its row scores and (unless told not to) its explanations."""
        with localcontext(CONTEXT):
            try:
                scores = [scorer(x) for scorer in self._scorers]
                explanations = self._explain(x, scores) if explain else ()
            except _CAREFUL + (_Careful,):
                return self._careful(x)
            total = ZERO
            for s in scores:
                total += s
            return PlanResult(total.quantize(self._quantum, rounding=self._mode), total,
                              {r.key: s for r, s in zip(self.rows, scores)}, explanations)

    def explain(self, x: Input) -> tuple[Explanation, ...]:
        """The explanation records the interpreter would give for this submission."""
        return self.score(x).explanations

    # ------------------------------------------------------------- explanations
    def _explain(self, x: Input, scores: Sequence[Decimal]) -> tuple[Explanation, ...]:
        if not self._all_compiled:
            raise _Careful()
        rows = self.rows
        out: list[Explanation] = []
        for i in self._explain_order:
            row = rows[i]
            points = scores[i]
            if points < row.form.weight:
                out.extend(_row_explanations(row, x, points))
        return tuple(out)

    # ----------------------------------------------------------- the interpreter
    def _careful(self, x: Input) -> PlanResult:
        """Score *x* with the interpreter itself; the total is the sum in form order."""
        result = score(self.to_submission(x), self.ruleset, self._rule_of)
        by_number = {r.row: r.score for r in result.rows}
        scores: dict[str, Decimal] = {}
        total = ZERO
        with localcontext(CONTEXT):
            for row in self.rows:
                s = by_number.get(row.number)
                if s is not None:
                    scores[row.key] = s
                    total += s
            rounded = total.quantize(self._quantum, rounding=self._mode)
        return PlanResult(rounded, total, scores, result.explanations, careful=True)

    def to_submission(self, x: Input, unit: str = "") -> model.Submission:
        """The 自评表 this input fills in: what the interpreter scores (and finds problems in)."""
        indicators = []
        budget = None
        for row in self.rows:
            form = row.form
            if row.execution:
                budget = model.BudgetBlock(_number(x.get("initial_budget")), _number(x.get("budget")),
                                           _number(x.get("executed")), form.weight)
                continue
            indicators.append(model.IndicatorRow(form.level1, form.level2, form.name, form.target,
                                                 cell_text(x.get(form.key)), form.weight, None,
                                                 reason_of(x, form.key), key=form.key))
        return model.Submission(unit=unit or str(x.get("unit", "")), year=None, kind=model.KIND_PROJECT,
                                indicators=tuple(indicators), budget=budget, reader="plan")


# --------------------------------------------------------------------- compiling
def compile_plan(ruleset: Ruleset, form_rows: Sequence[FormRow] | None = None) -> Plan:
    """Compile *ruleset* for a form (by default the ruleset's own ``[[form]]``).

    Each row gets the rule the form names, else the one the interpreter would choose;
    a row no rule applies to is an error here, not a surprise at scoring time."""
    rows = tuple(form_rows if form_rows is not None else ruleset.form)
    if not rows:
        raise PerfrulesError(f"规则集「{ruleset.id}」没有表式 [[form]]，无法编译计分方案",
                             suggestion="在规则集中加入 [[form]] 行（key、level1、level2、name、target、weight），"
                                        "或调用 compile_plan(ruleset, form_rows)。", code="plan")
    keys = [r.key for r in rows]
    if len(set(keys)) != len(keys):
        raise PerfrulesError("表式中的 key 有重复", code="plan")
    out: list[PlanRow] = []
    number = 0
    for form in rows:
        rule, execution = _rule_for(ruleset, form)
        if not execution:
            number += 1
        out.append(_plan_row(form, rule, execution, 0 if execution else number))
    return Plan(ruleset, out)


def _rule_for(ruleset: Ruleset, form: FormRow) -> tuple[Rule, bool]:
    """(rule, is the 预算执行率 row): the form's choice, else the interpreter's."""
    if form.rule is not None:
        rule = ruleset.rule(form.rule)
        if rule is None:
            raise PerfrulesError(f"表式「{form.name}」指定的规则「{form.rule}」不存在", code="plan")
        return rule, bool(rule.compiled.uses & {"rate", "executed", "budget"})
    if EXECUTION in (squash(form.name), squash(form.level2)):
        kind, direction = "execution", None
    else:
        kind, direction = classify(form.target)
    found = select_rule(ruleset, kind, direction, form.level1, form.level2, form.name)
    if found is None:
        raise PerfrulesError(f"规则集中没有适用于「{form.name}」的规则", code="plan")
    return found, kind == "execution"


def _plan_row(form: FormRow, rule: Rule, execution: bool, number: int) -> PlanRow:
    target_value = read_value(form.target)
    target = target_value.number if isinstance(target_value, Quantity) else None
    comparator = target_value.comparator if isinstance(target_value, Quantity) else None
    program: RowProgram | None
    try:
        program = compile_row(rule.compiled, RowBinding(form.key, form.weight, target, comparator))
        scorer = program.score
    except NotSpecialisable:
        program, scorer = None, _needs_interpreter
    compiled = rule.compiled
    cases_only = not compiled.deductions and not compiled.steps
    if execution:
        label = level1 = level2 = EXECUTION
    else:
        label = " ".join(form.name.split()) or form.level2 or form.level1
        level1, level2 = form.level1, form.level2
    return PlanRow(form, number, execution, rule, program, scorer, target, label, level1, level2, _citation(rule),
                   fmt(form.weight), cases_only)


def _needs_interpreter(x: Input) -> Decimal:
    raise _Careful()


# ------------------------------------------------------------------ the records
def _row_explanations(row: PlanRow, x: Input, points: Decimal) -> list[Explanation]:
    """What the interpreter's _explain builds for a row that lost points."""
    program = row.program
    assert program is not None
    if row.cases_only:
        text = _matched(program, x)
        charges: Iterable[tuple[Decimal, str, str]] = ((row.form.weight - points, text, ""),)
    else:
        charges = [(c.points, c.text, c.detail) for c in program.charges(x)]
    values = _execution_values(x) if row.execution else _row_values(row, x)
    reason = "" if row.execution else reason_of(x, row.key)
    return [Explanation(row.number, row.label, lost, row.rule.id, text, row.citation, dict(values), reason,
                        detail, None, row.level1, row.level2) for lost, text, detail in charges]


def _matched(program: RowProgram, x: Input) -> str:
    for case in program.bound.cases:
        if case.test(x):
            return case.text
    return ""


def _row_values(row: PlanRow, x: Input) -> dict[str, str]:
    actual = x[row.key]
    values = {"年度指标值": row.form.target, "实际完成值": cell_text(actual), "分值": row.weight_text}
    cls = actual.__class__
    if cls is Decimal or cls is int:
        if row.target:
            values["完成率"] = percent(actual / row.target)
    elif row.target is not None and isinstance(read_value(cell_text(actual)), Quantity):
        raise _Careful()  # a number written as text: the interpreter reads its unit
    return values


def _execution_values(x: Input) -> dict[str, str]:
    budget, executed = x["budget"], x["executed"]
    if executed.__class__ is not Decimal:
        raise _Careful()
    return {"全年预算数": fmt(budget), "全年执行数": fmt(executed), "执行率": percent(executed / budget)}


def percent(ratio: Decimal) -> str:
    """``ratio`` as the interpreter shows a 完成率 (87.53%, 100%, -3.5%), without
    normalize(): the quantized text with its trailing zeros cut."""
    text = str((ratio * HUNDRED).quantize(CENT))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


# ------------------------------------------------------------------ the inputs
def cell_text(value: Any) -> str:
    """An input value as a 自评表 cell would hold it (the text explanations show)."""
    if value is None:
        return ""
    if value.__class__ is Decimal:
        return format(value, "f")
    if isinstance(value, float):
        raise PerfrulesError(f"实际完成值 {value!r} 是浮点数，无法精确计分", expected="Decimal、整数或文字", code="plan")
    return str(value)


def reason_of(x: Input, key: str) -> str:
    """The 偏差原因 of a row: one text for all rows, or a mapping row key → text."""
    reason = x.get("reason", "")
    if isinstance(reason, Mapping):
        reason = reason.get(key, "")
    return reason if isinstance(reason, str) else ""


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return to_decimal(value, "金额")
    except PerfrulesError:
        return None


__all__ = ["Plan", "PlanResult", "PlanRow", "compile_plan", "percent", "cell_text", "reason_of"]
