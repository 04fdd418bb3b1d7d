"""A compiled rule's scorer: the cheapest closure that gives its score for one row's
inputs, picked by the rule's shape.

When the row's 分值 is known (a form row, see :class:`~perfrules.binding.RowBinding`),
a rule of a common form gets a closure of its own: a threshold then a formula, a ladder
of bands, a grade table, deductions alone; scoring a row is then one call over its
input mapping.  Every other rule is scored by :meth:`~perfrules.program.CompiledRule.score`,
the general loop, which is also what a rule compiled for any row runs.  Either way the
arithmetic is :mod:`perfrules.arithmetic`'s: the first case that holds, its points held
in [0, 分值], then the deductions under their cap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

import attrs

from perfrules import ast
from perfrules.arithmetic import Charge, NoClause, clamp, take_deductions
from perfrules.operators import COMPARE, always, exact_words, grade_reader, word_map
from perfrules.program import CompiledRule, Case
from perfrules.vocabulary import EXACT, ZERO, Test

LeafTests = Mapping[Test, tuple[str, str, Decimal]]  # x[key] op const: (op, key, const)


@attrs.frozen
class Threshold:
    """``实际值 ≥ 目标值 → 满分；否则 → 公式`` as a row binds it, the commonest rule: the
    comparison (实际值 op const), its points, and the formula of the 否则 case (before
    it is clamped to [0, 分值]).  A plan's explaining pass inlines it."""

    op: str
    key: str
    const: Decimal
    full: Decimal  # clamped
    formula: Callable[[Mapping[str, Any]], Decimal]


@attrs.frozen
class Ladder:
    """``完成率 ≥ 100% → 满分；≥ 90% → 80%；…；否则 → 0`` as a row binds it: thresholds on
    one input (实际值 op const), tried top-down, each with constant (clamped) points."""

    op: str
    key: str
    steps: tuple[tuple[Decimal, Decimal], ...]  # (threshold, points)
    other: Decimal  # the 否则 points


@attrs.frozen
class Grades:
    """``达成 → 满分；部分达成 → 80%；…`` with constant outcomes: grade word → points."""

    key: str
    table: dict[Any, Decimal]  # a _GradeTable: spellings not listed are looked up again


#: The shapes a row's rule is scored by without the general loop (what a plan may inline).
Shape = Threshold | Ladder | Grades


def specialise(rule: CompiledRule, weight: Decimal, key: str, leaf_tests: LeafTests) -> CompiledRule:
    """*rule*, compiled for a form row whose 分值 is *weight* and whose actual is read under
    *key*, with its scorer: a closure of its shape, else the general loop."""
    if rule.bands:
        return rule  # the unit's own score is checked against a band: evaluate() only
    if rule.deductions or rule.steps:
        driver = _deduction_driver(rule, weight)
        return attrs.evolve(rule, score_row=driver, charged=None if rule.cases else driver)
    shape = _shape(rule, weight, key, leaf_tests)
    return attrs.evolve(rule, score_row=_driver(rule, weight, shape), shape=shape)


def _threshold(rule: CompiledRule, w: Decimal, leaf_tests: LeafTests) -> Threshold | None:
    """The rule as a :class:`Threshold`, if it is one: two cases, the first a comparison
    of one input with a constant scoring constant points, the second 否则 a formula."""
    cases = rule.cases
    if rule.deductions or rule.steps or len(cases) != 2 or cases[1].test is not always:
        return None
    first, other = cases
    if first.test not in leaf_tests or first.points_const is None or other.points is None or other.points_const is not None:
        return None
    op, key, const = leaf_tests[first.test]
    return Threshold(op, key, const, clamp(first.points_const, w), other.points)


def _shape(rule: CompiledRule, w: Decimal, key: str, leaf_tests: LeafTests) -> Shape | None:
    """The common shape a rule without deductions has, if any: a grade table, a ladder, a threshold."""
    table = _grade_table(rule, w)
    if table is not None:
        return Grades(key, table)
    return _ladder_shape(rule.cases, w, leaf_tests) or _threshold(rule, w, leaf_tests)


def _driver(rule: CompiledRule, w: Decimal, shape: Shape | None) -> Callable[[Mapping[str, Any]], Decimal]:
    """The cheapest closure that scores a rule without deductions (those take
    :func:`_deduction_driver`): a grade table, a ladder of thresholds, one test with an
    否则, a formula, else the general loop.  Same arithmetic as evaluate, op for op."""
    cases = rule.cases
    if isinstance(shape, Grades):
        key, table = shape.key, shape.table
        return lambda x: table[x[key]]
    if isinstance(shape, Ladder):
        return _ladder(shape)
    if isinstance(shape, Threshold):
        return _threshold_or_formula(shape, w)
    if len(cases) == 1 and cases[0].test is always:
        return _clamped(cases[0], w)
    if len(cases) == 2 and cases[1].test is always:
        return _two_cases(cases[0], cases[1], w)
    return lambda x: rule.score(x, w)


def _threshold_or_formula(t: Threshold, w: Decimal) -> Callable[[Mapping[str, Any]], Decimal]:
    """``实际值 ≥ 目标值 → 满分；否则 → 公式``, the commonest rule: ≥ and ≤ compared inline,
    full marks returned at once, and the formula's points held in [0, 分值] by
    :func:`~perfrules.arithmetic.clamp`'s expression written out (no call: this runs for
    most rows of every submission of a batch)."""
    key, const, full, fn = t.key, t.const, t.full, t.formula
    if t.op not in (">=", "<="):
        compare = COMPARE[t.op]
        return lambda x: full if compare(x[key], const) else clamp(fn(x), w)
    at_least = t.op == ">="

    def score(x: Mapping[str, Any]) -> Decimal:
        actual = x[key]
        if (actual >= const) if at_least else (actual <= const):
            return full
        v = fn(x)
        return ZERO if v < ZERO else w if w < v else v

    return score


def _ladder_shape(cases: tuple[Case, ...], w: Decimal,
                  leaf_tests: LeafTests) -> Ladder | None:
    """Three cases or more, all constant points, each but the 否则 a comparison of the
    same input with a constant, by the same operator."""
    if len(cases) < 3 or cases[-1].test is not always or any(c.points_const is None for c in cases):
        return None
    heads = cases[:-1]
    if any(c.test not in leaf_tests for c in heads):
        return None
    tests = [leaf_tests[c.test] for c in heads]
    if len({(op, key) for op, key, _ in tests}) != 1:
        return None
    steps = tuple((const, clamp(c.points_const, w)) for (_, _, const), c in zip(tests, heads)
                  if c.points_const is not None)
    last = cases[-1].points_const
    assert last is not None
    return Ladder(tests[0][0], tests[0][1], steps, clamp(last, w))


def _ladder(ladder: Ladder) -> Callable[[Mapping[str, Any]], Decimal]:
    """``完成率 ≥ 100% → 满分；≥ 90% → 80%；…；否则 → 0``: tried top-down on the input read once."""
    op, key, steps, other = ladder.op, ladder.key, ladder.steps, ladder.other
    if op == ">=":
        def at_least(x: Mapping[str, Any]) -> Decimal:
            a = x[key]
            for threshold, points in steps:
                if a >= threshold:
                    return points
            return other

        return at_least
    compare = COMPARE[op]

    def score(x: Mapping[str, Any]) -> Decimal:
        a = x[key]
        for threshold, points in steps:
            if compare(a, threshold):
                return points
        return other

    return score


def _clamped(case: Case, w: Decimal) -> Callable[[Mapping[str, Any]], Decimal]:
    if case.points_const is not None:
        value = clamp(case.points_const, w)
        return lambda x: value
    fn = case.points
    assert fn is not None
    return lambda x: ZERO if (v := fn(x)) < ZERO else w if w < v else v  # clamp(), written out


def _two_cases(first: Case, other: Case, w: Decimal) -> Callable[[Mapping[str, Any]], Decimal]:
    """``condition → A；否则 → B``, the commonest rule, as one closure per constness."""
    test = first.test
    v0 = None if first.points_const is None else clamp(first.points_const, w)
    v1 = None if other.points_const is None else clamp(other.points_const, w)
    f0, f1 = first.points, other.points
    assert f0 is not None and f1 is not None
    if v0 is not None and v1 is not None:
        c0, c1 = v0, v1
        return lambda x: c0 if test(x) else c1
    if v0 is not None:  # 条件 → 满分；否则 → 公式: clamp()'s expression written out, as for a threshold
        c0 = v0
        return lambda x: c0 if test(x) else ZERO if (v := f1(x)) < ZERO else w if w < v else v
    if v1 is not None:
        c1 = v1
        return lambda x: clamp(f0(x), w) if test(x) else c1
    return lambda x: clamp(f0(x) if test(x) else f1(x), w)


class _GradeTable(dict[Any, Decimal]):
    """Grade word → points; spellings not listed are squashed and looked up again."""

    def __init__(self, values: dict[Any, Decimal], canon: Callable[[Any], str | None],
                 by_canon: Mapping[str, Decimal], fallback: Decimal | None) -> None:
        super().__init__(values)
        self.canon, self.by_canon, self.fallback = canon, by_canon, fallback

    def __missing__(self, word: Any) -> Decimal:
        grade = self.canon(word)
        if grade is not None and grade in self.by_canon:
            return self.by_canon[grade]
        if self.fallback is not None:
            return self.fallback
        raise NoClause()


def _grade_table(rule: CompiledRule, w: Decimal) -> _GradeTable | None:
    """达成 → 满分；部分达成 → 80%；… with constant outcomes: one dict lookup per row."""
    cases = list(rule.cases)
    fallback = None
    if cases and cases[-1].test is always:
        last = cases.pop()
        if last.points_const is None:
            return None
        fallback = clamp(last.points_const, w)
    if not cases or any(c.grade is None or c.points_const is None or c.test is always for c in cases):
        return None
    source = rule.source
    if source is None or any(not isinstance(getattr(st, "condition", None), ast.Grade)
                             for st in source.statements if isinstance(st, ast.Case)):
        return None
    by_canon: dict[str, Decimal] = {}
    for c in cases:
        assert c.grade is not None and c.points_const is not None
        by_canon.setdefault(c.grade, clamp(c.points_const, w))
    canon_of = grade_reader(word_map(rule.grades))
    words = {w: by_canon[canon] for w, canon in exact_words(rule.grades).items() if canon in by_canon}
    return _GradeTable(words, canon_of, by_canon, fallback)


class Charged(Protocol):
    """A deduction rule's score that also lists its charges when given a list: the
    arithmetic scoring does, the records explaining needs."""

    def __call__(self, x: Mapping[str, Any], charges: list[Charge] | None = None) -> Decimal: ...


def _deduction_driver(rule: CompiledRule, w: Decimal) -> Charged:
    """Rules with 扣分, scored by the one arithmetic (:func:`~perfrules.arithmetic.take_deductions`):
    rules of deductions alone list their charges into *charges* when it is given."""
    if rule.cases:
        def with_cases(x: Mapping[str, Any], charges: list[Charge] | None = None) -> Decimal:
            return rule.score(x, w)  # never asked for charges: a plan explains it with charges()

        return with_cases
    deductions, steps, cap, gap = rule.deductions, rule.steps, rule.cap, rule.gap

    def score(x: Mapping[str, Any], charges: list[Charge] | None = None) -> Decimal:
        taken = take_deductions(deductions, steps, cap, x, w, gap, charges)
        return EXACT.subtract(w, taken) if taken else w

    return score
