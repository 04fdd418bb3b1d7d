"""A ruleset compiled for one form: per-row scorers with each row's constants bound.

When the rows of a 自评表 are known before any submission is (a ruleset's ``[[form]]``,
or a form table a caller passes), each row's rule is compiled once more with the row's
分值, 目标值 and comparator as constants (:func:`perfrules.rules.compiler.compile_row`):
``分值 × 80%`` is a number, ``完成率 ≥ 90%`` is ``实际值 ≥ 85.5``, a grade table is a dict.
Scoring a submission then only reads its actuals, with none of the interpreter's
per-row work (reading cells, classifying the target, choosing the rule, filling the
row's inputs, building an Outcome).

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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from itertools import islice
from typing import NamedTuple

import attrs

from perfrules import model
from perfrules.errors import PerfrulesError
from perfrules.rules.arithmetic import Lost
from perfrules.explain import Explanation, Finding
from perfrules.scoring.interpreter import score
from perfrules.scoring.planrecords import explainer_for, no_records
from perfrules.scoring.records import Explainer
from perfrules.scoring.planrow import (CAREFUL, ZERO, Careful, Input, PlanRow, Scorer, cell_text, needs_interpreter,
                               number_of, plan_row, reads, reason_of, rule_for)
from perfrules.scoring.policy import CONTEXT, EXECUTION, level_scales, rescaled
from perfrules.ruleset.model import FormRow, Ruleset
from perfrules.values import squash


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
        # Explanations in the interpreter's order: the budget row first, then the rows.
        self._explain_order = tuple(sorted(range(len(self.rows)), key=lambda i: (not self.rows[i].execution, i)))
        self._quantum = ruleset.rounding.quantum
        self._mode = ruleset.rounding.decimal_mode
        rounding = CONTEXT.copy()
        rounding.rounding = self._mode
        self._round = rounding.quantize  # total → the ruleset's places, as total.quantize(quantum, rounding=mode)
        self._rule_of = {(EXECUTION if r.execution else r.key): r.rule.id for r in self.rows}
        self._all_compiled = all(r.program is not None for r in self.rows)
        explainers = [explainer_for(row) for row in self.rows]
        self._explainers = tuple((i, explainers[i]) for i in self._explain_order)
        self._steps = _steps(self.rows, explainers)
        self._segments = tuple((tuple(scorer for scorer, _ in s.run), s.scorer, s.key) for s in self._steps)

    # ------------------------------------------------------------------ scoring
    def totals(self, inputs: Iterable[Input]) -> list[Decimal]:
        """Rounded totals, one per input, in order: the fast path (no records built).

        An input whose row actuals are under ``actuals_key`` is read where they are: runs of
        rows that read only their actual get the actuals mapping, rows that read submission
        fields (预算执行率) the input itself, rows that read both a small view.  The rows are
        added in form order either way."""
        key_of_actuals, scorers, segments = self.actuals_key, self._scorers, self._segments
        quantum, round_ = self._quantum, self._round
        out: list[Decimal] = []
        append = out.append
        with localcontext(CONTEXT):
            for x in inputs:
                total = ZERO
                try:
                    if key_of_actuals is None:  # row keys and submission fields in one mapping
                        for scorer in scorers:
                            total += scorer(x)
                    else:
                        actuals = x[key_of_actuals]
                        for run, scorer, key in segments:
                            if run:
                                for own in run:
                                    total += own(actuals)
                            elif key is None:
                                total += scorer(x)
                            else:
                                view = dict(x)
                                view[key] = actuals[key]
                                total += scorer(view)
                except CAREFUL + (Careful,):
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
                    except CAREFUL + (Careful,):
                        result = careful(x)
                        chunk.append((result.total, result.explanations))
            if not chunk:
                return
            yield from chunk

    def _explained(self, x: Input) -> tuple[Decimal, tuple[Explanation, ...]]:
        try:
            return self._one_pass(x)
        except CAREFUL + (Careful,):
            result = self._careful(x)
            return result.total, result.explanations

    def _one_pass(self, x: Input) -> tuple[Decimal, tuple[Explanation, ...]]:
        """The rounded total and the explanations, in one pass over the rows: each row is
        scored where its inputs are (as :meth:`totals` does), listing what it lost, and
        a row that lost points is explained at once from that list.  The records come in
        the interpreter's order (the 预算执行率 row first); the total is the sum in form
        order, rounded once."""
        if not self._all_compiled:
            raise Careful()
        actuals = x if self.actuals_key is None else x[self.actuals_key]
        reason = x.get("reason", "")
        total = ZERO
        out: list[Explanation] = []
        lost: list[Lost] = []  # what the row just scored lost, emptied once it is explained
        first: list[Explanation] | None = None  # the 预算执行率 row's records, when it lost points
        for run, scorer, key, explain, lead in self._steps:
            if run:
                for own, explain_own in run:
                    total += own(actuals, lost)
                    if lost:
                        explain_own(actuals, lost, reason, out)
                        del lost[:]
                continue
            if key is None:
                seen = x
            else:  # the submission's fields and this row's actual, one mapping to score and explain from
                seen = dict(x)
                seen[key] = actuals[key]
            total += scorer(seen, lost)
            if lost:
                if lead:
                    first = first if first is not None else []
                    explain(seen, lost, reason, first)
                else:
                    explain(seen, lost, reason, out)
                del lost[:]
        return self._round(total, self._quantum), tuple(first + out if first else out)

    def score(self, x: Input, explain: bool = True) -> PlanResult:
        """One submission, with its row scores and (unless told not to) its explanations."""
        x = self.flat(x)
        with localcontext(CONTEXT):
            try:
                if explain:  # each row lists what it lost as it scores
                    lost: list[list[Lost]] = [[] for _ in self.rows]
                    scores = [scorer(x, charges) for scorer, charges in zip(self._scorers, lost)]
                    explanations = self._explain(x, lost)
                else:
                    scores, explanations = [scorer(x) for scorer in self._scorers], ()
            except CAREFUL + (Careful,):
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
    def _explain(self, x: Input, lost: Sequence[list[Lost]]) -> tuple[Explanation, ...]:
        """The records of the rows that lost points (*lost*: each row's charges, in form
        order), in the interpreter's order."""
        if not self._all_compiled:
            raise Careful()
        out: list[Explanation] = []
        reason = x.get("reason", "")
        for i, explainer in self._explainers:
            if lost[i]:
                explainer(x, lost[i], reason, out)
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
                budget = model.BudgetBlock(number_of(x.get("initial_budget")), number_of(x.get("budget")),
                                           number_of(x.get("executed")), row.filed_weight or form.weight)
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
        rule, execution = rule_for(ruleset, form)
        if not execution:
            number += 1
        factor = scales.get(squash(form.level1))
        bound = attrs.evolve(form, weight=rescaled(form.weight, factor)) if factor is not None else form
        row = plan_row(bound, rule, execution, 0 if execution else number)
        out.append(attrs.evolve(row, filed_weight=form.weight) if factor is not None else row)
    return Plan(ruleset, out, actuals_key)


class Step(NamedTuple):
    """One stretch of rows as :meth:`Plan._one_pass` walks them, in form order: a run of
    (scorer, explainer) for rows reading only their actual, or one row at a time
    (``scorer``) with where it reads (``key`` None: submission fields only; its key:
    both) and whether its records lead (预算执行率)."""

    run: tuple[tuple[Scorer, Explainer], ...]
    scorer: Scorer
    key: str | None
    explain: Explainer
    lead: bool


def _steps(rows: Sequence[PlanRow], explainers: Sequence[Explainer]) -> tuple[Step, ...]:
    out: list[Step] = []
    run: list[tuple[Scorer, Explainer]] = []
    for row, explainer in zip(rows, explainers):
        own, outer = reads(row)
        if own and not outer and not row.execution:
            run.append((row.score, explainer))
            continue
        if run:
            out.append(Step(tuple(run), needs_interpreter, None, no_records, False))
            run = []
        out.append(Step((), row.score, row.key if own else None, explainer, row.execution))
    if run:
        out.append(Step(tuple(run), needs_interpreter, None, no_records, False))
    return tuple(out)


__all__ = ["Plan", "PlanResult", "PlanRow", "compile_plan", "cell_text", "reason_of"]
