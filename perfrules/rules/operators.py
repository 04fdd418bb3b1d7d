"""The closures a rule is compiled into: arithmetic specialised on constants, names read
from a row, the tests (met, missed, reason missing, a grade), and the words of
grades.  Plain functions over a row's input mapping, no parse trees.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any


from perfrules.rules import ast
from perfrules.values import squash
from perfrules.rules.vocabulary import HUNDRED, POINTS, QUANTITY, SCALAR, Fn, Test, Type


OPS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


OP_WORDS = {"+": "加", "-": "减", "*": "乘", "/": "除"}


COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "=": operator.eq, "!=": operator.ne}


def specialised(op: str, lf: Fn, rf: Fn) -> Fn:
    """``lf op rf``, neither side constant (those are chained: see the compiler's _chain)."""
    if op == "*":
        return lambda e: lf(e) * rf(e)
    if op == "/":
        return lambda e: lf(e) / rf(e)
    if op == "+":
        return lambda e: lf(e) + rf(e)
    return lambda e: lf(e) - rf(e)


def result_type(op: str, left: Type, right: Type) -> Type | None:
    if op in "+-":
        return left if left == right else None
    return left * right if op == "*" else left / right


def compare_hint(left: Type, right: Type) -> str | None:
    if {left, right} == {QUANTITY, SCALAR}:
        return "实际值、目标值带单位；比例请用 完成率（= 实际值 ÷ 目标值），例如：完成率 ≥ 90%"
    if POINTS in (left, right):
        return "分值、满分 是分数；要按比例给分请写 分值 × 比例，例如 分值 × 实际值 ÷ 目标值"
    return None


def literal(node: ast.Num) -> tuple[Decimal, Type]:
    unit = node.unit
    if unit == "%":
        return node.value / HUNDRED, SCALAR
    if unit == "分":
        return node.value, POINTS
    if unit is None:
        return node.value, SCALAR
    return node.value, QUANTITY  # 个百分点, 天, 万元 …: in the row's own unit


def ratio_test(op: Callable[[Any, Any], bool], actual: Fn, target: Fn, share: Decimal) -> Test:
    """完成率 op share, as 实际值 op share × 目标值 (exact, no division) when 目标值 > 0."""
    def test(x: Any) -> bool:
        a, t = actual(x), target(x)
        if t > 0:
            return op(a, share * t)
        return op(a / t, share)

    return test


def always(x: Any) -> bool:
    return True


def word_map(grades: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Squashed spelling → canonical grade, as the interpreter reads a grade cell."""
    return {squash(w): canon for canon, words in grades.items() for w in words}


def exact_words(grades: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Spellings as written → the grade their squashed form reads as (so the two agree)."""
    squashed = word_map(grades)
    return {w: squashed[squash(w)] for words in grades.values() for w in words}


def grade_reader(squashed: Mapping[str, str]) -> Callable[[Any], str | None]:
    def canon(word: Any) -> str | None:
        return squashed.get(squash(word)) if isinstance(word, str) else None

    return canon


_FN_OPS: dict[str, Callable[[Fn, Decimal], Fn]] = {
    "+": lambda f, c: lambda x: f(x) + c, "-": lambda f, c: lambda x: f(x) - c,
    "*": lambda f, c: lambda x: f(x) * c, "/": lambda f, c: lambda x: f(x) / c}


_FN_OPS_LEFT: dict[str, Callable[[Fn, Decimal], Fn]] = {
    "+": lambda f, c: lambda x: c + f(x), "-": lambda f, c: lambda x: c - f(x),
    "*": lambda f, c: lambda x: c * f(x), "/": lambda f, c: lambda x: c / f(x)}


LEAF_COMPARE: dict[str, Callable[[str, Decimal], Test]] = {
    ">=": lambda k, c: lambda x: x[k] >= c, ">": lambda k, c: lambda x: x[k] > c,
    "<=": lambda k, c: lambda x: x[k] <= c, "<": lambda k, c: lambda x: x[k] < c,
    "=": lambda k, c: lambda x: x[k] == c, "!=": lambda k, c: lambda x: x[k] != c}


DUNDERS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}  # const op v


RDUNDERS = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__"}  # v op const


def chain_fn(key: str, steps: tuple[Callable[[Any], Any], ...]) -> Fn:
    """x[key] through the bound methods, in order.  A method given what Decimal cannot
    take (a text) answers NotImplemented, which the next comparison or sum rejects with
    TypeError: the input then goes to the interpreter, like any unreadable input."""
    if len(steps) == 1:
        (m1,) = steps
        return lambda x: m1(x[key])
    if len(steps) == 2:
        m1, m2 = steps
        return lambda x: m2(m1(x[key]))
    if len(steps) == 3:
        m1, m2, m3 = steps
        return lambda x: m3(m2(m1(x[key])))
    if len(steps) == 4:
        m1, m2, m3, m4 = steps
        return lambda x: m4(m3(m2(m1(x[key]))))
    head, last = chain_fn(key, steps[:-1]), steps[-1]
    return lambda x: last(head(x))


def const_op(op: str, const: Decimal, fn: Fn, left: bool) -> Fn:
    """``fn op const`` (or ``const op fn`` when *left*), one closure."""
    return (_FN_OPS_LEFT if left else _FN_OPS)[op](fn, const)


def min_max_const(is_min: bool, fn: Fn, const: Decimal) -> Fn:
    """min(v, c) / max(v, c) as the builtins answer them (the first of equals), inline."""
    if is_min:
        return lambda e: const if const < (v := fn(e)) else v
    return lambda e: const if const > (v := fn(e)) else v
