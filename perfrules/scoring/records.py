"""The one place explanation records are made: a row's charges (what each statement of
its rule took, :class:`~perfrules.rules.arithmetic.Charge`) become one
:class:`~perfrules.explain.Explanation` each, with the row's values and 偏差原因.

The interpreter makes a :func:`row_records` for each row it scores and hands it the
charges of :meth:`~perfrules.rules.program.CompiledRule.evaluate` and the row's values.  A
compiled plan makes a :func:`form_row_records` per form row once, which reads a
submission's input and takes the charges the row's scorer listed
(:attr:`~perfrules.rules.program.CompiledRule.score_row`).  Either way the record is this
module's, and its values are the words of :mod:`perfrules.words` (made at once, or
kept as numbers until read: :class:`~perfrules.explain.ShownValues`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from perfrules.rules.arithmetic import Lost
from perfrules.errors import Position
from perfrules.explain import CitationRecord, Explanation, ShownValues

_new = tuple.__new__  # Explanation(...) without its keyword-checking __new__: one per point lost


#: Appends one record per charge of a row: (charges, values, 偏差原因, out).
AddRecords = Callable[[Iterable[Lost], Mapping[str, str], str, list[Explanation]], None]


def row_records(number: int, label: str, rule_id: str, citation: CitationRecord, level1: str = "", level2: str = "",
                location: Position | None = None) -> AddRecords:
    """What adds one row's records: everything they share (its number, 0 for 预算执行率;
    label; levels; rule; citation; where the row was filed) is bound once, and each
    charge given becomes one :class:`~perfrules.explain.Explanation` appended to *out*.
    The records of one call share *values* (immutable to them: a dict the caller made
    for this row, or :class:`~perfrules.explain.ShownValues`)."""

    def add(charges: Iterable[Lost], values: Mapping[str, str], reason: str, out: list[Explanation]) -> None:
        for points, text, note in charges:
            out.append(_new(Explanation, (number, label, points, rule_id, text, citation, values, reason, note, location,
                                          level1, level2)))

    return add


#: Appends the records of a form row that lost points, from the charges its scorer
#: listed: (what its scorer read, the charges, the submission's 偏差原因 as given (one
#: text, or row key → text), out).
Explainer = Callable[[Mapping[str, Any], list[Lost], Any, list[Explanation]], None]


def form_row_records(number: int, label: str, rule_id: str, citation: CitationRecord, level1: str, level2: str,
                     key: str, target_text: str, weight_text: str, target: Decimal | None,
                     values_of: Callable[[Any], Mapping[str, str]]) -> Explainer:
    """What adds the records of a form row (a compiled plan's) from its input: one
    record per charge its scorer listed (:class:`~perfrules.rules.program.RowScorer`), made by
    the row's :func:`row_records`, with the row's values kept as the numbers they come
    from (a number actual, read under *key*, with its 年度指标值, 分值 and target; any
    other actual as *values_of* shows it) and the row's 偏差原因."""

    add = row_records(number, label, rule_id, citation, level1, level2)

    def explain(seen: Mapping[str, Any], charges: list[Lost], reason: Any, out: list[Explanation]) -> None:
        actual = seen[key]
        cls = actual.__class__
        values: Mapping[str, str]
        if cls is Decimal or cls is int:
            values = _new(ShownValues, ("row", target_text, actual, weight_text, target))
        elif cls is str and target is None:  # a grade word (达成 …) where a grade is the target
            values = _new(ShownValues, ("row", target_text, actual, weight_text, None))
        else:
            values = values_of(actual)
        add(charges, values, reason if reason.__class__ is str else reason_for(reason, key), out)

    return explain


def reason_for(reason: Any, key: str) -> str:
    """A row's 偏差原因 from a submission's: one text for every row, or row key → text."""
    if reason.__class__ is str:
        return str(reason)
    if isinstance(reason, Mapping):
        reason = reason.get(key, "")
    return reason if isinstance(reason, str) else ""


__all__ = ["AddRecords", "Explainer", "form_row_records", "reason_for", "row_records"]
