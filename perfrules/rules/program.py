"""A compiled rule and what running it gives: its cases and deductions, the charges and
outcome it returns.  The compiler builds these; :mod:`perfrules.rules.arithmetic` is the
arithmetic they run; the interpreter and the form plans run them.

A rule reads one row's inputs: a mapping from the names of :data:`~perfrules.rules.binding.ANY_ROW`
(``actual``, ``target``, ``weight``, ``met`` …, see :func:`row_inputs`), or, when it was
compiled for one form row, the submission's own input mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

import attrs

from perfrules.rules import ast
from perfrules.rules.arithmetic import (Charge, Deduction, Lost, MissingInput, NoClause, Step, capped_note, clamp, exact_sum, held,
                                  step_note, take_deductions)
from perfrules.errors import PerfrulesError
from perfrules.rules.vocabulary import EXACT, ZERO, Fn, Test
from perfrules.words import fmt

__all__ = ["Band", "Charge", "CompiledRule", "MissingInput", "NoClause", "Outcome", "RowInputs", "capped_note",
           "clamp", "exact_sum", "row_inputs", "step_note"]


class RowInputs(dict[str, Any]):
    """One row's inputs; a name the row lacks raises :class:`MissingInput` when a rule reads it."""

    __slots__ = ()

    def __missing__(self, name: str) -> Any:
        raise MissingInput(name)


def row_inputs(weight: Decimal, *, actual: Decimal | None = None, target: Decimal | None = None,
               executed: Decimal | None = None, budget: Decimal | None = None,
               initial_budget: Decimal | None = None, self_score: Decimal | None = None, met: bool | None = None,
               reason: str = "", grade: str | None = None) -> RowInputs:
    """What a rule compiled for any row reads of one row: its 分值, the numbers it has
    (a number it lacks is left out: a rule that needs it raises :class:`MissingInput`),
    达标 as the interpreter judged it, 偏差原因 and the grade word of the actual."""
    x = RowInputs(weight=weight, reason=reason, grade=grade)
    for name, value in (("actual", actual), ("target", target), ("executed", executed), ("budget", budget),
                        ("initial_budget", initial_budget), ("self_score", self_score), ("met", met)):
        if value is not None:
            x[name] = value
    return x


class RowScorer(Protocol):
    """A form row's score for its input (:mod:`perfrules.rules.shapes`); given a list, it also
    appends there one charge per statement that took points (none when the row kept
    its 分值): what ``evaluate(x, 分值)`` gives, without building the outcome."""

    def __call__(self, x: Any, charges: list[Lost] | None = None, /) -> Decimal: ...


@attrs.frozen
class Band:
    low: Decimal  # points
    high: Decimal
    high_closed: bool
    grade: str | None

    def contains(self, points: Decimal) -> bool:
        return self.low <= points and (points <= self.high if self.high_closed else points < self.high)

    def __str__(self) -> str:
        return f"[{fmt(self.low)}, {fmt(self.high)}{']' if self.high_closed else ')'}"


@attrs.frozen
class Outcome:
    """What a rule gave one row (before the interpreter clamps and explains)."""

    score: Decimal
    charges: tuple[Charge, ...]  # add up to weight - score
    band: Band | None = None  # set when the score is the unit's own, checked against a band
    grade: str | None = None  # the grade of the case that matched, when it is a grade case
    grade_inferred: bool = False
    flags: tuple[str, ...] = ()
    matched: str | None = None  # text of the case that set the base score


@attrs.frozen
class Case:
    test: Test
    points: Fn | None
    low: Fn | None
    high: Fn | None
    high_closed: bool
    grade: str | None  # the grade this case tests, when it is a grade case
    text: str
    points_const: Decimal | None = None  # the points when known at load time (bound rows)


@attrs.frozen
class CompiledRule:
    """A rule ready to score rows: cases first-match, then deductions, cap, flags."""

    text: str
    cases: tuple[Case, ...]
    deductions: tuple[Deduction, ...]
    steps: tuple[Step, ...]
    cap: Decimal | None
    flags: tuple[tuple[Test, str], ...]
    uses: frozenset[str]
    graded: bool  # the cases are grade bands: a narrative actual is graded by the unit's score
    warnings: tuple[PerfrulesError, ...] = attrs.field(default=(), eq=False)
    # What compiler.compile_row needs to compile the rule again for one row, without parsing it again.
    source: ast.Rule | None = attrs.field(default=None, eq=False, repr=False)
    grades: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, eq=False, repr=False)
    # How far the row's actual is from its target (x, below) → gap: what 每低于目标值 reads.
    gap: Callable[[Any, bool], Decimal] | None = attrs.field(default=None, eq=False, repr=False)
    self_score_key: str = attrs.field(default="self_score", eq=False, repr=False)
    # Compiled for a form row (shapes.specialise): (x, a list or None) → what evaluate(x).score
    # is, with evaluate(x).charges appended to the list when one is given (None for a rule
    # with bands: evaluate() only).
    score_row: RowScorer | None = attrs.field(default=None, eq=False, repr=False)
    # A case scores a band: the unit's own score is checked against it (evaluate() only).
    bands: bool = attrs.field(init=False, eq=False, repr=False)

    @bands.default
    def _has_bands(self) -> bool:
        return any(c.low is not None for c in self.cases)

    @property
    def needs_numbers(self) -> bool:
        return bool(self.uses & {"actual", "target", "ratio"}) or bool(self.steps)

    def score(self, x: Any, weight: Decimal) -> Decimal:
        """What ``evaluate(x, weight).score`` is, with no records built (rules without bands)."""
        base = weight
        case = self._first(x)
        if case is not None:
            assert case.points is not None
            base = clamp(case.points(x), weight)
        elif self.cases and not self.deductions and not self.steps:
            raise NoClause()
        if not (self.deductions or self.steps):
            return base
        taken = take_deductions(self.deductions, self.steps, self.cap, x, base, self.gap)
        return EXACT.subtract(base, taken) if taken else base

    def evaluate(self, x: Any, weight: Decimal | None = None) -> Outcome:
        """The row's score and a charge for every point it lost.  *weight* is the row's 分值
        (read from *x* when not given)."""
        if weight is None:
            weight = x["weight"]
        assert weight is not None
        base, matched, band, grade, inferred = weight, None, None, None, False
        charges: list[Charge] = []
        case = self._first(x)
        self_score = x.get(self.self_score_key) if self.graded or self.bands else None
        if case is None and self.graded and self_score is not None:
            case, inferred = self._band_of(x, self_score), True
        if case is not None:
            matched = case.text
            grade = case.grade
            if case.points is not None:
                base = held(case.points(x), weight)
            else:
                assert case.low is not None and case.high is not None
                band = Band(held(case.low(x), weight), held(case.high(x), weight), case.high_closed, case.grade)
                # The unit's own score stands when it lies in the band; otherwise only the
                # band's lower bound is certainly earned (the reviewer re-grades the row).
                inside = self_score is not None and band.contains(self_score)
                base = self_score if inside and self_score is not None else band.low
        elif self.cases and not self.deductions and not self.steps:
            raise NoClause()
        if base < weight:
            charges.append(Charge(EXACT.subtract(weight, max(base, ZERO)), matched or ""))
        base = clamp(base, weight)
        taken = take_deductions(self.deductions, self.steps, self.cap, x, base, self.gap, charges) \
            if self.deductions or self.steps else None
        score = EXACT.subtract(base, taken) if taken else base
        flags = tuple(text for test, text in self.flags if test(x)) if self.flags else ()
        return Outcome(score, tuple(charges), band, grade, inferred, flags, matched)

    def _first(self, x: Any) -> Case | None:
        """The first case whose test holds for *x*."""
        for case in self.cases:
            if case.test(x):
                return case
        return None

    def _band_of(self, x: Any, self_score: Decimal) -> Case | None:
        for case in self.cases:
            if case.low is not None and case.high is not None:
                band = Band(case.low(x), case.high(x), case.high_closed, case.grade)
                if band.contains(self_score):
                    return case
        return None
