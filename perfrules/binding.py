"""A rule bound to one form row (its 分值 and 目标值 known in advance): the names a plan
reads from a submission's input mapping, and the tests specialised on them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules.operators import _COMPARE, _exact_words, _grade_reader, _word_map
from perfrules.program import MissingInput
from perfrules.vocabulary import Fn, Test


class NotSpecialisable(Exception):
    """The rule needs something a form row cannot bind (the unit's own score, a band …):
    the row is then scored through :meth:`CompiledRule.evaluate` like any other."""


#: Where a bound rule reads the submission-level inputs in the row's input mapping.
DEFAULT_INPUTS: Mapping[str, str] = {"executed": "executed", "budget": "budget",
                                     "initial_budget": "initial_budget", "reason": "reason"}


@attrs.frozen
class RowBinding:
    """What is known of a form row before any submission: its key, 分值 and 目标值.

    The row's actual is read as ``x[key]`` from the submission's input mapping *x*;
    全年执行数 / 全年预算数 and 偏差原因 under the names in *inputs*.  偏差原因 may be one
    text for every row or a mapping row key → text."""

    key: str
    weight: Decimal
    target: Decimal | None = None
    comparator: str | None = None  # the target's sign: how 达标 is judged (None: ≥)
    inputs: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_INPUTS))


def _bound_rate(executed: str, budget: str) -> Fn:
    """执行率 = 全年执行数 ÷ 全年预算数; a budget of 0 or less (or not a Decimal) gives no
    rate: the interpreter's problem, so the input goes to it."""
    def rate(x: Mapping[str, Any]) -> Decimal:
        b = x[budget]
        if b.__class__ is not Decimal or b <= 0:
            raise MissingInput("rate")
        return x[executed] / b  # type: ignore[no-any-return]

    return rate


def _bound_met(b: RowBinding, met: bool) -> Test:
    """达标 / 未达标 against the row's target and its sign, as the interpreter judges it."""
    if b.target is None:
        raise NotSpecialisable("达标 needs a numeric target")
    compare: Callable[[Any, Any], bool] = _COMPARE.get(b.comparator or ">=", operator.ge)
    key, target = b.key, b.target
    if met:
        return lambda x: bool(compare(x[key], target))
    return lambda x: not compare(x[key], target)


def _bound_reason_missing(b: RowBinding) -> Test:
    reason_key, key = b.inputs["reason"], b.key

    def test(x: Mapping[str, Any]) -> bool:
        reason = x.get(reason_key, "")
        if reason.__class__ is not str:
            reason = reason.get(key, "") if isinstance(reason, Mapping) else ""
        return not (reason or "").strip()

    return test


def _bound_grade_test(canon: str, key: str, grade_words: Mapping[str, str]) -> Test:
    by_word: dict[str, tuple[str, ...]] = {}
    for word, c in grade_words.items():
        by_word[c] = (*by_word.get(c, ()), word)
    squashed = _word_map(by_word)
    exact = _exact_words(by_word)
    reader = _grade_reader(squashed)

    def test(x: Mapping[str, Any]) -> bool:
        word = x[key]
        grade = exact.get(word) if word.__class__ is str else None
        return (grade or reader(word)) == canon

    return test
