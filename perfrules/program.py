"""A compiled rule and what running it gives: the row it reads (:class:`Env`), its cases
and deductions, the charges and outcome it returns, and the one arithmetic of points
taken under a cap (clamp, exact sums).  The compiler builds these; the interpreter runs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from perfrules import ast
from perfrules.errors import PerfrulesError
from perfrules.vocabulary import EXACT, ONE, ZERO, Fn, Test, floor
from perfrules.words import fmt

_fmt = fmt  # the name the messages use


class Env:
    """What a rule sees of one row.  Slots, filled by the interpreter."""

    __slots__ = ("actual", "target", "weight", "executed", "budget", "initial_budget", "self_score",
                 "met", "reason_missing", "grade")

    def __init__(self, weight: Decimal, **values: Any) -> None:
        self.weight = weight
        self.actual: Decimal | None = None
        self.target: Decimal | None = None
        self.executed: Decimal | None = None
        self.budget: Decimal | None = None
        self.initial_budget: Decimal | None = None
        self.self_score: Decimal | None = None
        self.met: bool | None = None
        self.reason_missing = False
        self.grade: str | None = None
        for key, value in values.items():
            setattr(self, key, value)


class MissingInput(Exception):
    """A rule needs a value the row does not have (a text actual for 实际值 …)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@attrs.frozen
class Band:
    low: Decimal  # points
    high: Decimal
    high_closed: bool
    grade: str | None

    def contains(self, points: Decimal) -> bool:
        return self.low <= points and (points <= self.high if self.high_closed else points < self.high)

    def __str__(self) -> str:
        return f"[{_fmt(self.low)}, {_fmt(self.high)}{']' if self.high_closed else ')'}"


class Charge(NamedTuple):
    """Points one statement of the rule took: the seed of one explanation entry.

    A named tuple, built with ``tuple.__new__`` where rows are explained in bulk."""

    points: Decimal
    text: str  # the statement as written in the rule
    detail: str = ""  # 低于目标值 9个百分点，计 1 档 …


@attrs.frozen
class Outcome:
    """What a rule gave one row (before the interpreter clamps and explains)."""

    score: Decimal
    charges: tuple[Charge, ...]  # add up to weight - score
    band: Band | None = None  # set when the score is the unit's own, checked against a band
    grade: str | None = None
    grade_inferred: bool = False
    flags: tuple[str, ...] = ()
    matched: str | None = None  # text of the case that set the base score


@attrs.frozen
class _Case:
    test: Test
    points: Fn | None
    low: Fn | None
    high: Fn | None
    high_closed: bool
    grade: str | None  # the grade this case tests, when it is a grade case
    text: str
    points_const: Decimal | None = None  # the points when known at load time (bound rows)


@attrs.frozen
class _Deduction:
    test: Test | None
    amount: Decimal
    text: str


@attrs.frozen
class _Step:
    below: bool
    step: Decimal
    amount: Decimal
    text: str
    step_text: str = attrs.field(init=False, default=attrs.Factory(lambda s: _fmt(s.step), takes_self=True))


@attrs.frozen
class CompiledRule:
    """A rule ready to score rows: cases first-match, then deductions, cap, flags."""

    text: str
    cases: tuple[_Case, ...]
    deductions: tuple[_Deduction, ...]
    steps: tuple[_Step, ...]
    cap: Decimal | None
    flags: tuple[tuple[Test, str], ...]
    uses: frozenset[str]
    graded: bool  # the cases are grade bands: a narrative actual is graded by the unit's score
    warnings: tuple[PerfrulesError, ...] = attrs.field(default=(), eq=False)
    # What compile_row needs to compile the rule again for one row, without parsing it again.
    source: ast.Rule | None = attrs.field(default=None, eq=False, repr=False)
    grades: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def needs_numbers(self) -> bool:
        return bool(self.uses & {"actual", "target", "ratio"}) or bool(self.steps)

    def evaluate(self, env: Env) -> Outcome:
        weight = env.weight
        base, matched, band, grade, inferred = weight, None, None, env.grade, False
        charges: list[Charge] = []
        case = next((c for c in self.cases if c.test(env)), None)
        if case is None and self.graded and env.self_score is not None:
            case, inferred = self._band_of(env), True
        if case is not None:
            matched = case.text
            grade = case.grade or grade
            if case.points is not None:
                base = _held(case.points(env), weight)
            else:
                assert case.low is not None and case.high is not None
                band = Band(_held(case.low(env), weight), _held(case.high(env), weight), case.high_closed, case.grade)
                # The unit's own score stands when it lies in the band; otherwise only the
                # band's lower bound is certainly earned (the reviewer re-grades the row).
                inside = env.self_score is not None and band.contains(env.self_score)
                base = env.self_score if inside and env.self_score is not None else band.low
        elif self.cases and not self.deductions and not self.steps:
            raise NoClause()
        if base < weight:
            charges.append(Charge(EXACT.subtract(weight, max(base, ZERO)), matched or ""))
        base = clamp(base, weight)
        taken = self._deductions(env, base)
        charges.extend(taken)
        score = EXACT.subtract(base, _exact_sum(c.points for c in taken)) if taken else base
        flags = tuple(text for test, text in self.flags if test(env))
        return Outcome(score, tuple(charges), band, grade, inferred, flags, matched)

    def _band_of(self, env: Env) -> _Case | None:
        assert env.self_score is not None
        for case in self.cases:
            if case.low is not None and case.high is not None:
                band = Band(case.low(env), case.high(env), case.high_closed, case.grade)
                if band.contains(env.self_score):
                    return case
        return None

    def _deductions(self, env: Any, available: Decimal, actual: Decimal | None = None,
                    target: Decimal | None = None) -> list[Charge]:
        """Each deduction that applies, cut back by 最多扣 and by the points left.

        *env* is what the tests read: an :class:`Env`, or a row's input mapping when the
        rule was compiled for one row (then *actual* and *target* are passed in)."""
        if env.__class__ is Env:
            actual, target = env.actual, env.target
        found: list[tuple[Decimal, str, str]] = []  # (points, statement, detail) before the cap
        for d in self.deductions:
            test = d.test
            if test is None or test(env):
                found.append((d.amount, d.text, ""))
        if self.steps:
            if actual is None or target is None:
                raise MissingInput("actual")
            for s in self.steps:
                gap = target - actual if s.below else actual - target
                if gap > 0:
                    count = floor(gap / s.step)
                    if count > 0:
                        found.append((count * s.amount, s.text, step_note(gap, s.step_text, count)))
        if not found:
            return []
        cap = self.cap
        left = available if cap is None or available < cap else cap  # min(cap, available)
        out: list[Charge] = []
        for points, text, note in found:
            take = points if points <= left else left
            if take <= 0:
                continue  # nothing left to take (or 扣 0分): no entry
            if take < points:
                note = capped_note(note, points, take, cap, left, available)
            out.append(_charge(Charge, (take, text, note)))
            left = EXACT.subtract(left, take)
        return out


_charge = tuple.__new__  # Charge(...) without its keyword-checking __new__


def step_note(gap: Decimal, step_text: str, count: Decimal) -> str:
    """How many steps a gap makes: 15.3 ÷ 5 = 3 档."""
    return f"{_fmt(gap)} ÷ {step_text} = {count} 档"


def capped_note(note: str, points: Decimal, take: Decimal, cap: Decimal | None, left: Decimal,
                available: Decimal) -> str:
    """A charge cut back: what was due, what stopped it (最多扣, or the points left), what was taken."""
    why = f"最多扣 {_fmt(cap)} 分" if cap is not None and left < available else "扣至 0 分为止"
    return f"{note}；应扣 {_fmt(points)} 分，受「{why}」限制实扣 {_fmt(take)} 分".lstrip("；")


class NoClause(Exception):
    """No case of the rule applied to the row and nothing else gives a score."""


def _exact_sum(values: Iterable[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = EXACT.add(total, value)
    return total


exact_sum = _exact_sum


def clamp(points: Decimal, weight: Decimal) -> Decimal:
    """A case's points inside [0, 分值], as min(max(points, 0), 分值): a negative growth
    rate scores 0 and loses exactly 分值, never more."""
    if points < ZERO:
        return ZERO
    if weight < points:
        return weight
    return points

def _held(raw: Decimal, weight: Decimal) -> Decimal:
    """A formula's points, bounded: far outside [0, 分值] only the sign matters."""
    if raw > weight:
        return weight
    if raw < -weight:
        return -weight - ONE  # still negative: the caller notes it and counts 0
    return raw

