"""The rule AST: frozen nodes built from the parse tree, each carrying its source span.

Spans are 0-based character offsets into the rule text, so an error or an
explanation can point at the exact clause (``span.text(rule_text)``).  Nothing
here evaluates; :mod:`perfrules.rules.compiler` turns these nodes into a scoring plan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

import attrs


@attrs.frozen
class Span:
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


# ------------------------------------------------------------------- expressions
@attrs.frozen
class Num:
    value: Decimal  # as written: 80% is 80 here, the unit says how to read it
    unit: str | None
    text: str
    span: Span


@attrs.frozen
class Name:
    word: str  # as written (实际值, actual, 满份 …); resolved by the compiler
    span: Span


@attrs.frozen
class BinOp:
    op: str  # + - * /
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Neg:
    operand: Expr
    span: Span


@attrs.frozen
class Call:
    func: str  # as written: min, 较小值 …
    args: tuple[Expr, ...]
    span: Span


Expr = Union[Num, Name, BinOp, Neg, Call]


# -------------------------------------------------------------------- conditions
@attrs.frozen
class Compare:
    op: str  # >= > <= < = !=
    left: Expr | None  # None: "≥ 90%", the left side of the case above
    right: Expr
    span: Span


@attrs.frozen
class Keyword:
    """达标 / 未达标 / 未填写偏差原因: a condition the interpreter knows by name."""

    kind: str  # met, missed, no_reason
    span: Span


@attrs.frozen
class Grade:
    """A grade word used as a condition: 达成, 「部分达成」, achieved."""

    word: str
    span: Span


@attrs.frozen
class AllOf:
    items: tuple[Condition, ...]
    span: Span


@attrs.frozen
class AnyOf:
    items: tuple[Condition, ...]
    span: Span


Condition = Union[Compare, Keyword, Grade, AllOf, AnyOf]


# ---------------------------------------------------------------------- outcomes
@attrs.frozen
class Range:
    """A self-assessment band: ``[80%, 100%]``, ``[60%, 80%)``."""

    low: Expr
    high: Expr
    high_closed: bool
    span: Span


@attrs.frozen
class Flag:
    message: str | None
    span: Span


Outcome = Union[Expr, Range]


# -------------------------------------------------------------------- statements
@attrs.frozen
class Case:
    condition: Condition
    outcome: Outcome
    span: Span


@attrs.frozen
class Otherwise:
    outcome: Outcome
    span: Span


@attrs.frozen
class Formula:
    """An unconditional outcome: ``分值 × min(执行率, 100%)``."""

    outcome: Expr
    span: Span


@attrs.frozen
class Deduction:
    condition: Condition | None  # None: always
    amount: Num
    span: Span


@attrs.frozen
class StepDeduction:
    """每低于目标值 5个百分点 扣 1分: one amount per full step past the target."""

    direction: str  # below, above
    step: Num
    amount: Num
    span: Span


@attrs.frozen
class DeductionCap:
    amount: Num
    span: Span


@attrs.frozen
class FlagStatement:
    condition: Condition
    flag: Flag
    span: Span


Statement = Union[Case, Otherwise, Formula, Deduction, StepDeduction, DeductionCap, FlagStatement]


@attrs.frozen
class Rule:
    statements: tuple[Statement, ...]
    text: str
