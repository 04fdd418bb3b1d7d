"""A ruleset compiled for one form: per-row scorers with each row's constants bound.

When the rows of a 自评表 are known before any submission is (a ruleset's ``[[form]]``,
or a form table a caller passes), each row's rule is compiled once more with the row's
分值, 目标值 and comparator as constants (:func:`perfrules.rowplan.compile_row`):
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

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from itertools import islice
from typing import Any, NamedTuple

import attrs

from perfrules import model
from perfrules.binding import NotSpecialisable, RowBinding
from perfrules.arithmetic import Charge, MissingInput, NoClause, clamp, take_deductions
from perfrules.vocabulary import EXACT
from perfrules.words import fmt
from perfrules.rowplan import Charged, Grades, Ladder, RowProgram, Threshold, compile_row
from perfrules.errors import PerfrulesError
from perfrules.explain import CitationRecord, Explanation, Finding, ShownValues
from perfrules.interpreter import score
from perfrules.policy import CONTEXT, EXECUTION, citation, classify, level_scales, rescaled, select_rule
from perfrules.ruleset import FormRow, Rule, Ruleset
from perfrules.values import Quantity, read_value, squash, to_decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)

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
    losing_case: str | None  # when only one case can score below 分值: its text
    filed_weight: Decimal | None = None  # the form's own 分值 when the ruleset's level weight rescaled it

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
    findings: tuple[Finding, ...] = ()  # the interpreter's, when it scored the input (careful)


class Plan:
    """A ruleset compiled for a form.  Build it with :func:`compile_plan`."""

    def __init__(self, ruleset: Ruleset, rows: Sequence[PlanRow], actuals_key: str | None = None) -> None:
        self.ruleset = ruleset
        self.rows = tuple(rows)
        self.actuals_key = actuals_key
        self._scorers = tuple(r.score for r in self.rows)
        self._segments = _segments(self.rows)
        # Explanations in the interpreter's order: the budget row first, then the rows.
        self._explain_order = tuple(sorted(range(len(self.rows)), key=lambda i: (not self.rows[i].execution, i)))
        self._quantum = ruleset.rounding.quantum
        self._mode = ruleset.rounding.decimal_mode
        rounding = CONTEXT.copy()
        rounding.rounding = self._mode
        self._round = rounding.quantize  # total → the ruleset's places, as total.quantize(quantum, rounding=mode)
        self._rule_of = {(EXECUTION if r.execution else r.key): r.rule.id for r in self.rows}
        self._all_compiled = all(r.program is not None for r in self.rows)
        explainers = [_explainer(row) for row in self.rows]
        self._explainers = tuple((i, self.rows[i].form.weight, explainers[i]) for i in self._explain_order)
        self._steps = _steps(self.rows, explainers)

    # ------------------------------------------------------------------ scoring
    def totals(self, inputs: Iterable[Input]) -> list[Decimal]:
        """Rounded totals, one per input, in order: the fast path (no records built)."""
        if self.actuals_key is not None:
            return self._nested_totals(inputs, self.actuals_key)
        scorers, quantum, round_ = self._scorers, self._quantum, self._round
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
                append(round_(total, quantum))
        return out

    def _nested_totals(self, inputs: Iterable[Input], actuals_key: str) -> list[Decimal]:
        """Totals for inputs whose row actuals are under *actuals_key*, read where they are:
        runs of rows that read only their actual get the actuals mapping, rows that read
        submission fields (预算执行率) the input itself, rows that read both a small view.
        The rows are still added in form order."""
        segments, quantum, round_ = self._segments, self._quantum, self._round
        out: list[Decimal] = []
        append = out.append
        with localcontext(CONTEXT):
            for x in inputs:
                total = ZERO
                try:
                    actuals = x[actuals_key]
                    for scorers, scorer, key in segments:
                        if scorers:
                            for own in scorers:
                                total += own(actuals)
                        elif key is None:
                            total += scorer(x)
                        else:
                            view = dict(x)
                            view[key] = actuals[key]
                            total += scorer(view)
                except _CAREFUL + (_Careful,):
                    total = self._careful(x).total_exact
                append(round_(total, quantum))
        return out

    def flat(self, x: Input) -> Input:
        """The input as one mapping (row keys and submission fields side by side)."""
        key = self.actuals_key
        if key is None:
            return x
        actuals = x.get(key)
        merged = {**actuals, **x} if isinstance(actuals, Mapping) else dict(x)
        merged.pop(key, None)
        return merged

    def explained_totals(self, inputs: Iterable[Input]) -> list[tuple[Decimal, tuple[Explanation, ...]]]:
        """(rounded total, explanations) per input: every point lost explained.  All of
        them are kept, and so walked again by the cyclic collector as the list grows
        (20,000 workload submissions: 2.5× the time of :meth:`explained`); for many
        inputs, consume :meth:`explained` instead."""
        with localcontext(CONTEXT):
            return [self._explained(x) for x in inputs]

    def explained(self, inputs: Iterable[Input]) -> Iterator[tuple[Decimal, tuple[Explanation, ...]]]:
        """Like :meth:`explained_totals`, 8 at a time: a consumer that writes each result
        out and drops it keeps memory flat (the context is set per chunk, never held
        across a yield).  Small chunks, because results kept alive across the cyclic
        collector's young generation get promoted and walked again: 64 at a time was a
        fifth slower than 8 (bench/run.py, "with explanations")."""
        it = iter(inputs)
        one_pass, careful = self._one_pass, self._careful
        while True:
            chunk: list[tuple[Decimal, tuple[Explanation, ...]]] = []
            with localcontext(CONTEXT):
                for x in islice(it, 8):
                    try:
                        chunk.append(one_pass(x))
                    except _CAREFUL + (_Careful,):
                        result = careful(x)
                        chunk.append((result.total, result.explanations))
            if not chunk:
                return
            yield from chunk

    def _explained(self, x: Input) -> tuple[Decimal, tuple[Explanation, ...]]:
        try:
            return self._one_pass(x)
        except _CAREFUL + (_Careful,):
            result = self._careful(x)
            return result.total, result.explanations

    def _one_pass(self, x: Input) -> tuple[Decimal, tuple[Explanation, ...]]:
        """The rounded total and the explanations, in one pass over the rows: each row is
        scored where its inputs are (as :meth:`totals` does) and, when it lost points,
        explained at once.  The records come in the interpreter's order (the 预算执行率
        row first); the total is the sum in form order, rounded once."""
        if not self._all_compiled:
            raise _Careful()
        actuals = x if self.actuals_key is None else x[self.actuals_key]
        reason = x.get("reason", "")
        total = ZERO
        out: list[Explanation] = []
        first: list[Explanation] | None = None  # the 预算执行率 row's records, when it lost points
        for fused, run, scorer, key, weight, explain, lead in self._steps:
            if fused:
                for step in fused:
                    total += step(actuals, x, out, reason)
                continue
            if run:
                for own, w, explain_own in run:
                    s = own(actuals)
                    total += s
                    if s is not w and s < w:  # full marks are mostly 分值 itself: no comparison
                        explain_own(x, actuals, s, out, reason)
                continue
            if key is None:
                s = scorer(x)
                seen, own_actuals = x, actuals
            else:  # the submission's fields and this row's actual, one mapping to score and explain from
                seen = dict(x)
                seen[key] = actuals[key]
                s = scorer(seen)
                own_actuals = seen
            total += s
            if s is not weight and s < weight:
                if lead:
                    first = first if first is not None else []
                    explain(seen, own_actuals, s, first, reason)
                else:
                    explain(seen, own_actuals, s, out, reason)
        return self._round(total, self._quantum), tuple(first + out if first else out)

    def score(self, x: Input, explain: bool = True) -> PlanResult:
        """One submission, with its row scores and (unless told not to) its explanations."""
        x = self.flat(x)
        with localcontext(CONTEXT):
            try:
                scores = [scorer(x) for scorer in self._scorers]
                explanations = self._explain(x, scores) if explain else ()
            except _CAREFUL + (_Careful,):
                return self._careful(x)
            total = ZERO
            for s in scores:
                total += s
            return PlanResult(self._round(total, self._quantum), total,
                              {r.key: s for r, s in zip(self.rows, scores)}, explanations)

    def explain(self, x: Input) -> tuple[Explanation, ...]:
        """The explanation records the interpreter would give for this submission."""
        return self.score(x).explanations

    # ------------------------------------------------------------- explanations
    def _explain(self, x: Input, scores: Sequence[Decimal]) -> tuple[Explanation, ...]:
        if not self._all_compiled:
            raise _Careful()
        out: list[Explanation] = []
        reason = x.get("reason", "")
        for i, weight, explainer in self._explainers:
            points = scores[i]
            if points < weight:
                explainer(x, x, points, out, reason)
        return tuple(out)

    # ----------------------------------------------------------- the interpreter
    def _careful(self, x: Input) -> PlanResult:
        """Score *x* with the interpreter itself; the total is the sum in form order."""
        x = self.flat(x)
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
            rounded = self._round(total, self._quantum)
        return PlanResult(rounded, total, scores, result.explanations, careful=True, findings=result.findings)

    def to_submission(self, x: Input, unit: str = "") -> model.Submission:
        """The 自评表 this input fills in: what the interpreter scores (and finds problems in)."""
        x = self.flat(x)
        indicators = []
        budget = None
        for row in self.rows:
            form = row.form
            if row.execution:
                budget = model.BudgetBlock(_number(x.get("initial_budget")), _number(x.get("budget")),
                                           _number(x.get("executed")), row.filed_weight or form.weight)
                continue
            indicators.append(model.IndicatorRow(form.level1, form.level2, form.name, form.target,
                                                 cell_text(x.get(form.key)), row.filed_weight or form.weight, None,
                                                 reason_of(x, form.key), key=form.key))
        return model.Submission(unit=unit or str(x.get("unit", "")), year=None, kind=model.KIND_PROJECT,
                                indicators=tuple(indicators), budget=budget, reader="plan")


# --------------------------------------------------------------------- compiling
def compile_plan(ruleset: Ruleset, form_rows: Sequence[FormRow] | None = None,
                 actuals_key: str | None = None) -> Plan:
    """Compile *ruleset* for a form (by default the ruleset's own ``[[form]]``).

    Each row gets the rule the form names, else the one the interpreter would choose;
    a row no rule applies to is an error here, not a surprise at scoring time.  With
    *actuals_key*, an input keeps its row actuals in a mapping under that key
    (``{"actuals": {"I01": …}, "budget": …, "reason": …}``) and is read in place."""
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
    sums: dict[str, Decimal] = {}
    for form in rows:
        sums[squash(form.level1)] = sums.get(squash(form.level1), Decimal(0)) + form.weight
    scales = level_scales(ruleset, sums)  # as the interpreter rescales a table's levels
    for form in rows:
        rule, execution = _rule_for(ruleset, form)
        if not execution:
            number += 1
        factor = scales.get(squash(form.level1))
        bound = attrs.evolve(form, weight=rescaled(form.weight, factor)) if factor is not None else form
        row = _plan_row(bound, rule, execution, 0 if execution else number)
        out.append(attrs.evolve(row, filed_weight=form.weight) if factor is not None else row)
    return Plan(ruleset, out, actuals_key)


_OUTER = frozenset({"rate", "executed", "budget", "initial_budget", "reason"})
_OWN = frozenset({"actual", "target", "ratio", "met"})


def _reads(row: PlanRow) -> tuple[bool, bool]:
    """(reads its own actual, reads submission fields): where a row's inputs are."""
    if row.program is None:
        return not row.execution, True
    bound = row.program.bound
    outer = bool(bound.uses & _OUTER)
    own = not row.execution or bool(bound.uses & _OWN) or bool(bound.steps)
    return own, outer


def _segments(rows: Sequence[PlanRow]) -> tuple[tuple[tuple[Scorer, ...], Scorer, str | None], ...]:
    """Rows grouped for nested inputs: (scorers reading only their actual, …) runs, or one
    scorer reading submission fields (key None), or one reading both (its key)."""
    out: list[tuple[tuple[Scorer, ...], Scorer, str | None]] = []
    run: list[Scorer] = []
    for row in rows:
        own, outer = _reads(row)
        if own and not outer:
            run.append(row.score)
            continue
        if run:
            out.append((tuple(run), _needs_interpreter, None))
            run = []
        out.append(((), row.score, row.key if own else None))
    if run:
        out.append((tuple(run), _needs_interpreter, None))
    return tuple(out)


class Step(NamedTuple):
    """One stretch of rows as :meth:`Plan._one_pass` walks them, in form order: rows that
    score and explain themselves (``fused``), or a run of (scorer, 分值, explainer) for
    rows reading only their actual, or one row at a time (``scorer``) with where it reads
    (``key`` None: submission fields only; its key: both) and whether its records lead
    (预算执行率)."""

    fused: tuple[Fused, ...]
    run: tuple[tuple[Scorer, Decimal, Explainer], ...]
    scorer: Scorer
    key: str | None
    weight: Decimal
    explain: Explainer
    lead: bool


def _steps(rows: Sequence[PlanRow], explainers: Sequence[Explainer]) -> tuple[Step, ...]:
    out: list[Step] = []
    fused: list[Fused] = []
    run: list[tuple[Scorer, Decimal, Explainer]] = []

    def close() -> None:
        if fused:
            out.append(Step(tuple(fused), (), _needs_interpreter, None, ZERO, _no_explainer, False))
            fused.clear()
        if run:
            out.append(Step((), tuple(run), _needs_interpreter, None, ZERO, _no_explainer, False))
            run.clear()

    for row, explainer in zip(rows, explainers):
        step = _fused(row, explainer)
        if step is not None:  # it reads what it needs itself
            if run:
                close()
            fused.append(step)
            continue
        own, outer = _reads(row)
        if own and not outer and not row.execution:
            if fused:
                close()
            run.append((row.score, row.form.weight, explainer))
            continue
        close()
        out.append(Step((), (), row.score, row.key if own else None, row.form.weight, explainer, row.execution))
    close()
    return tuple(out)


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
        # interned: a submission's dict built from literals then matches the key by identity
        program = compile_row(rule.compiled, RowBinding(sys.intern(form.key), form.weight, target, comparator))
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
    return PlanRow(form, number, execution, rule, program, scorer, target, label, level1, level2, citation(rule),
                   fmt(form.weight), cases_only, _losing_case(program, form.weight) if cases_only else None)


def _losing_case(program: RowProgram | None, weight: Decimal) -> str | None:
    """The text of the only case that can score below 分值 (满分 cases cannot), if one."""
    if program is None:
        return None
    can_lose = [c for c in program.bound.cases if c.points_const is None or c.points_const < weight]
    return can_lose[0].text if len(can_lose) == 1 else None


def _needs_interpreter(x: Input) -> Decimal:
    raise _Careful()


# ------------------------------------------------------------------ the records
#: Appends the records of a row that lost points: (input, its actuals mapping, score, out,
#: the input's 偏差原因 as given: one text, or a mapping row key → text).
Explainer = Callable[[Input, Input, Decimal, list[Explanation], Any], None]

_record = tuple.__new__  # Explanation(...) without its keyword-checking __new__: one per point lost


def _no_explainer(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
    raise AssertionError("a run of rows is explained row by row")


def _with_own(x: Input, actuals: Input, key: str) -> Input:
    """The submission's fields and one row's actual, as one mapping (what a row that
    reads both sees), without merging every row's actuals in."""
    if actuals is x:
        return x
    view = dict(x)
    view[key] = actuals[key]
    return view


def _row_explanations(row: PlanRow, x: Input, points: Decimal) -> list[Explanation]:
    """What the interpreter's _explain builds for a row that lost points (*x* flat)."""
    values = _execution_values(x) if row.execution else _row_values(row, x)
    reason = "" if row.execution else reason_of(x, row.key)
    if row.cases_only:
        text = row.losing_case
        if text is None:
            assert row.program is not None
            text = _matched(row.program, x)
        return [_record(Explanation, (row.number, row.label, EXACT.subtract(row.form.weight, points), row.rule.id, text,
                                      row.citation, values, reason, "", None, row.level1, row.level2))]
    assert row.program is not None
    return [_record(Explanation, (row.number, row.label, c.points, row.rule.id, c.text, row.citation,
                                  values if values.__class__ is ShownValues else dict(values), reason, c.detail, None,
                                  row.level1, row.level2)) for c in row.program.charges(x)]


def _explainer(row: PlanRow) -> Explainer:
    """Appends a row's explanation records: for rows scored by their cases alone (a number,
    a grade, 预算执行率) everything is inlined over constants; others (deductions) take
    _row_explanations."""
    if row.execution and row.cases_only and row.program is not None:
        return _execution_explainer(row)
    if not row.execution and row.program is not None and not row.program.bound.cases and row.target:
        return _deduction_explainer(row)
    if row.execution or not row.cases_only or row.program is None:
        key = row.key

        def general(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
            out.extend(_row_explanations(row, _with_own(x, actuals, key), points))

        return general
    if not row.target:
        return _text_explainer(row)
    return _numeric_explainer(row)


def _texts_by_points(program: RowProgram, weight: Decimal) -> dict[Decimal, str] | None:
    """Points → the text of the case that gives them, when every case gives constant
    points, no two the same (then a row's score says which case it met)."""
    texts: dict[Decimal, str] = {}
    for case in program.bound.cases:
        if case.points_const is None:
            return None
        texts.setdefault(clamp(case.points_const, weight), case.text)
    return texts if texts and len(texts) == len(program.bound.cases) else None


def _case_text(row: PlanRow) -> Callable[[Input, Input, Decimal], str]:
    """The text of the case that set a row's score, for the record: the one case that
    can lose points, or the case whose (distinct) constant points the row scored, or
    else the first case whose test holds, tried again."""
    program = row.program
    assert program is not None
    only = row.losing_case
    if only is not None:
        return lambda x, actuals, points: only
    own, outer = _reads(row)
    key = row.key

    def retried(x: Input, actuals: Input) -> str:
        return _matched(program, _with_own(x, actuals, key) if own and outer else actuals if own else x)

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
    level1, level2, weight, new, lost = row.level1, row.level2, row.form.weight, _record, EXACT.subtract
    only = row.losing_case
    assert target

    def numeric(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        actual = actuals[key]
        if actual.__class__ is not Decimal:  # an int, a text: as the interpreter shows them
            return out.extend(_row_explanations(row, _with_own(x, actuals, key), points))
        if reason.__class__ is not str:
            reason = reason_of(x, key)
        text = only if only is not None else text_of(x, actuals, points)
        out.append(new(Explanation, (number, label, lost(weight, points), rule_id, text, citation,
                                     new(ShownValues, ("row", target_text, actual, weight_text, target)),
                                     reason, "", None, level1, level2)))

    return numeric


#: A row that scores and explains itself: (its actuals, the input, out, 偏差原因) → score.
Fused = Callable[[Input, Input, list[Explanation], Any], Decimal]


def _fused(row: PlanRow, explainer: Explainer) -> Fused | None:
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
    if program is None or row.execution or not row.cases_only or _reads(row) != (True, False):
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
                                                          _record, EXACT.subtract)
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
    key, target, outer = row.key, row.target, _reads(row)[1]
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    target_text, weight_text, level1, level2, new = row.form.target, row.weight_text, row.level1, row.level2, _record

    def deduction(actuals: Input, x: Input, out: list[Explanation], reason: Any) -> Decimal:
        seen = _with_own(x, actuals, key) if outer else actuals
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
                                                          _record, EXACT.subtract)

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
                                                          _record, EXACT.subtract)

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
    record per charge the rule makes (:func:`~perfrules.arithmetic.take_deductions`), the row's
    values shared by them (they are immutable)."""
    program = row.program
    assert program is not None
    rule, key, target, target_text, weight_text = program.bound, row.key, row.target, row.form.target, row.weight_text
    number, label, rule_id, citation = row.number, row.label, row.rule.id, row.citation
    level1, level2, weight, new = row.level1, row.level2, row.form.weight, _record
    outer = _reads(row)[1]

    def deduction(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        actual = actuals[key]
        view = _with_own(x, actuals, key) if outer else actuals
        if actual.__class__ is not Decimal:  # an int, a text: as the interpreter shows them
            return out.extend(_row_explanations(row, _with_own(x, actuals, key), points))
        if reason.__class__ is not str:
            reason = reason_of(x, key)
        values = new(ShownValues, ("row", target_text, actual, weight_text, target))
        charges: list[Charge] = []
        take_deductions(rule.deductions, rule.steps, rule.cap, view, weight, rule.gap, charges)
        for taken, text, note in charges:
            out.append(new(Explanation, (number, label, taken, rule_id, text, citation, values, reason, note, None,
                                         level1, level2)))

    return deduction


def _execution_explainer(row: PlanRow) -> Explainer:
    """预算执行率: 全年预算数, 全年执行数 and 执行率 shown, no 偏差原因 (the interpreter's row 0)."""
    number, label, rule_id, citation, text_of = row.number, row.label, row.rule.id, row.citation, _case_text(row)
    only = row.losing_case
    level1, level2, weight, new, lost = row.level1, row.level2, row.form.weight, _record, EXACT.subtract

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
    level1, level2, weight, new, lost = row.level1, row.level2, row.form.weight, _record, EXACT.subtract
    numeric_target = row.target is not None

    def text_row(x: Input, actuals: Input, points: Decimal, out: list[Explanation], reason: Any) -> None:
        shown = actuals[key]
        if shown.__class__ is not str:
            shown = cell_text(shown)
            if numeric_target and isinstance(read_value(shown), Quantity):
                raise _Careful()
        if reason.__class__ is not str:
            reason = reason_of(x, key)
        text = only if only is not None else text_of(x, actuals, points)
        out.append(new(Explanation, (number, label, lost(weight, points), rule_id, text, citation,
                                     {"年度指标值": target_text, "实际完成值": shown, "分值": weight_text},
                                     reason, "", None, level1, level2)))

    return text_row


def _matched(program: RowProgram, x: Input) -> str:
    for case in program.bound.cases:
        if case.test(x):
            return case.text
    return ""


def _row_values(row: PlanRow, x: Input) -> Mapping[str, str]:
    actual = x[row.key]
    cls = actual.__class__
    if cls is Decimal or cls is int:
        return _record(ShownValues, ("row", row.form.target, actual, row.weight_text, row.target))
    if row.target is not None and isinstance(read_value(cell_text(actual)), Quantity):
        raise _Careful()  # a number written as text: the interpreter reads its unit
    return {"年度指标值": row.form.target, "实际完成值": cell_text(actual), "分值": row.weight_text}


def _execution_values(x: Input) -> ShownValues:
    budget, executed = x["budget"], x["executed"]
    if executed.__class__ is not Decimal or budget.__class__ is not Decimal:
        raise _Careful()
    if not budget:
        raise _Careful()  # no 执行率: the interpreter says why
    return _record(ShownValues, ("execution", budget, executed))


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
    if reason.__class__ is str:
        return reason
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


__all__ = ["Plan", "PlanResult", "PlanRow", "compile_plan", "cell_text", "reason_of"]
