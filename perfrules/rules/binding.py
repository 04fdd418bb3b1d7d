"""Where a compiled rule reads each name of a row, and what it knows in advance.

One compiler builds every rule; a :class:`RowBinding` tells it what is known when it
runs.  Compiled once for a whole ruleset (:data:`ANY_ROW`), a rule reads 分值, 目标值,
达标 and the rest from the row's input mapping at scoring time.  Compiled again for one
form row (:func:`perfrules.rules.compiler.compile_row`), 分值 and 目标值 are constants folded
into the closures, 达标 is the comparison with the row's target, and the row's actual
is read under its key (I01 …) in the submission's input mapping.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules.rules.operators import COMPARE, exact_words, grade_reader, word_map
from perfrules.rules.program import MissingInput
from perfrules.rules.vocabulary import Fn, Test


class NotSpecialisable(Exception):
    """The rule needs something a form row cannot bind (the unit's own score, a band …):
    the row is then scored through the interpreter like any other."""


#: Where a form row's rule reads the submission-level inputs in the submission's input mapping.
DEFAULT_INPUTS: Mapping[str, str] = {"executed": "executed", "budget": "budget",
                                     "initial_budget": "initial_budget", "reason": "reason"}


@attrs.frozen
class RowBinding:
    """What is known of a row before it is scored, and where the rest is read.

    *form* rows (a ruleset's ``[[form]]``) know their 分值 and 目标值: the row's actual
    is read as ``x[key]`` from the submission's input mapping *x*, 全年执行数 / 全年预算数
    and 偏差原因 under the names in *inputs*; 偏差原因 may be one text for every row or
    a mapping row key → text.  A rule compiled for any row (:data:`ANY_ROW`) reads
    everything, 分值 and 目标值 included, from the row's own input mapping."""

    key: str
    weight: Decimal | None = None
    target: Decimal | None = None
    comparator: str | None = None  # the target's sign: how 达标 is judged (None: ≥)
    inputs: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_INPUTS))
    form: bool = True  # 分值 and 目标值 are the row's constants (None: the row has none)


#: A rule compiled once for every row of every table: each name read from the row's
#: input mapping, which the interpreter fills (:func:`perfrules.rules.program.row_inputs`).
ANY_ROW = RowBinding("actual", inputs={name: name for name in (
    "executed", "budget", "initial_budget", "reason", "weight", "target", "met", "grade", "self_score")}, form=False)


def rate_reader(executed: str, budget: str) -> Fn:
    """执行率 = 全年执行数 ÷ 全年预算数; a budget of 0 or less (or not a Decimal) gives no
    rate: the interpreter's problem, so the input goes to it."""
    def rate(x: Mapping[str, Any]) -> Decimal:
        b = x[budget]
        if b.__class__ is not Decimal or b <= 0:
            raise MissingInput("rate")
        return x[executed] / b  # type: ignore[no-any-return]

    return rate


def met_test(b: RowBinding, met: bool) -> Test:
    """达标 / 未达标: against the row's target and its sign when the row is a form's;
    otherwise as the interpreter judged it (a period covered, a number against its target)."""
    if not b.form:
        key = b.inputs["met"]

        def read(x: Mapping[str, Any]) -> bool:
            value = x.get(key)
            if value is None:
                raise MissingInput("met")
            return bool(value) if met else not value

        return read
    if b.target is None:
        raise NotSpecialisable("达标 needs a numeric target")
    compare: Callable[[Any, Any], bool] = COMPARE.get(b.comparator or ">=", operator.ge)
    key, target = b.key, b.target
    if met:
        return lambda x: bool(compare(x[key], target))
    return lambda x: not compare(x[key], target)


def reason_missing_test(b: RowBinding) -> Test:
    reason_key, key = b.inputs["reason"], b.key

    def test(x: Mapping[str, Any]) -> bool:
        reason = x.get(reason_key, "")
        if reason.__class__ is not str:
            reason = reason.get(key, "") if isinstance(reason, Mapping) else ""
        return not (reason or "").strip()

    return test


def grade_test(canon: str, key: str, grade_words: Mapping[str, str]) -> Test:
    """The row's grade word (its actual, or the grade the interpreter read from it) is *canon*."""
    by_word: dict[str, tuple[str, ...]] = {}
    for word, c in grade_words.items():
        by_word[c] = (*by_word.get(c, ()), word)
    squashed = word_map(by_word)
    exact = exact_words(by_word)
    reader = grade_reader(squashed)

    def test(x: Mapping[str, Any]) -> bool:
        word = x[key]
        grade = exact.get(word) if word.__class__ is str else None
        return (grade or reader(word)) == canon

    return test


def gap_reader(b: RowBinding) -> Callable[[Any, bool], Decimal]:
    """How far the row's actual is below (*below*) or above its target: what 每低于目标值
    counts.  A form row's target is its constant; any other row's is read with its actual."""
    key = b.key
    if b.form:
        target = b.target
        if target is None:
            raise NotSpecialisable("每低于目标值 needs a numeric target")

        def gap(x: Any, below: bool) -> Decimal:
            actual = x[key]
            return target - actual if below else actual - target  # type: ignore[no-any-return]

        return gap
    target_key = b.inputs["target"]

    def read_gap(x: Any, below: bool) -> Decimal:
        actual, target = x.get(key), x.get(target_key)
        if actual is None or target is None:
            raise MissingInput("actual")
        return target - actual if below else actual - target  # type: ignore[no-any-return]

    return read_gap
