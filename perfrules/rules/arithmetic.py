"""The row arithmetic, written once: the first case that holds, its points held inside
[0, 分值], then the deductions in order, each cut back by 最多扣 and by the points left,
and the charges (points taken, the statement, a note) that explain them.

Every way of scoring a row runs this: :meth:`~perfrules.rules.program.CompiledRule.evaluate`
(the interpreter, with explanation records), :meth:`~perfrules.rules.program.CompiledRule.score`
(a total alone) and the closures a form row's rule is specialised into
(:mod:`perfrules.rules.shapes`).  Points lost and points left are added and taken away
exactly (:data:`~perfrules.rules.vocabulary.EXACT`): no sum of scores is ever rounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import attrs

from perfrules.rules.vocabulary import EXACT, ONE, ZERO, floor
from perfrules.words import fmt


class MissingInput(Exception):
    """A rule needs a value the row does not have (a text actual for 实际值 …)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class NoClause(Exception):
    """No case of the rule applied to the row and nothing else gives a score."""


class Charge(NamedTuple):
    """Points one statement of the rule took: the seed of one explanation entry."""

    points: Decimal
    text: str  # the statement as written in the rule
    detail: str = ""  # 低于目标值 9个百分点，计 1 档 …


#: Points lost to one statement, as a :class:`Charge` or a plain tuple (a form row's
#: charges, built where no keyword checks are needed): (points, text, note).
Lost = tuple[Decimal, str, str]


class Charges(Protocol):
    """Where charges are listed: a list of :class:`Charge` (evaluate's) or of any
    (points, text, note) tuples (a form row's scorer's)."""

    def append(self, charge: Charge, /) -> None: ...


_charge = tuple.__new__  # Charge(...) without its keyword-checking __new__


@attrs.frozen
class Deduction:
    """扣 N分 when the test holds (always, when there is no test)."""

    test: Callable[[Any], bool] | None
    amount: Decimal
    text: str  # the statement as written


@attrs.frozen
class Step:
    """每低于（高于）目标值 N 扣 M分: M for each whole step N of the gap."""

    below: bool
    step: Decimal
    amount: Decimal
    text: str
    step_text: str = attrs.field(init=False, default=attrs.Factory(lambda s: fmt(s.step), takes_self=True))


def clamp(points: Decimal, weight: Decimal) -> Decimal:
    """A case's points inside [0, 分值], as min(max(points, 0), 分值): a negative growth
    rate scores 0 and loses exactly 分值, never more."""
    if points < ZERO:
        return ZERO
    if weight < points:
        return weight
    return points


def held(raw: Decimal, weight: Decimal) -> Decimal:
    """A formula's points, bounded: far outside [0, 分值] only the sign matters."""
    if raw > weight:
        return weight
    if raw < -weight:
        return -weight - ONE  # still negative: the caller notes it and counts 0
    return raw


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = EXACT.add(total, value)
    return total


def take_deductions(deductions: Sequence[Deduction], steps: Sequence[Step], cap: Decimal | None, x: Any,
                    available: Decimal, gap_of: Callable[[Any, bool], Decimal] | None,
                    charges: Charges | None = None) -> Decimal:
    """The points the deductions take from *available*: each that applies, in order, then
    each step of the gap, cut back by 最多扣 (*cap*) and by the points left.  With a list
    in *charges*, one :class:`Charge` per take (none for a take of 0) is appended to it.

    *gap_of(x, below)* is how far the row's actual is below (or above) its target; it
    raises :class:`MissingInput` when the row has no numbers."""
    left = available if cap is None or available < cap else cap  # min(cap, available)
    taken = ZERO
    for d in deductions:
        test = d.test
        if test is None or test(x):
            amount = d.amount
            take = amount if amount <= left else left
            if take > 0:
                if charges is not None:
                    note = capped_note("", amount, take, cap, left, available) if take < amount else ""
                    charges.append(_charge(Charge, (take, d.text, note)))
                taken = EXACT.add(taken, take)
                left = EXACT.subtract(left, take)
    if steps:
        assert gap_of is not None
        for s in steps:
            gap = gap_of(x, s.below)
            if gap > 0:
                count = floor(gap / s.step)
                if count > 0:
                    amount = count * s.amount
                    take = amount if amount <= left else left
                    if take > 0:
                        if charges is not None:
                            note = step_note(gap, s.step_text, count)
                            if take < amount:
                                note = capped_note(note, amount, take, cap, left, available)
                            charges.append(_charge(Charge, (take, s.text, note)))
                        taken = EXACT.add(taken, take)
                        left = EXACT.subtract(left, take)
    return taken


def step_note(gap: Decimal, step_text: str, count: Decimal) -> str:
    """How many steps a gap makes: 15.3 ÷ 5 = 3 档."""
    return f"{fmt(gap)} ÷ {step_text} = {count} 档"


def capped_note(note: str, points: Decimal, take: Decimal, cap: Decimal | None, left: Decimal,
                available: Decimal) -> str:
    """A charge cut back: what was due, what stopped it (最多扣, or the points left), what was taken."""
    why = f"最多扣 {fmt(cap)} 分" if cap is not None and left < available else "扣至 0 分为止"
    return f"{note}；应扣 {fmt(points)} 分，受「{why}」限制实扣 {fmt(take)} 分".lstrip("；")
