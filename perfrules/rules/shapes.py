"""A compiled rule's scorer: the cheapest closure that gives its score for one row's
inputs, picked by the rule's shape.

When the row's 分值 is known (a form row, see :class:`~perfrules.rules.binding.RowBinding`),
a rule of a common form gets a closure of its own: a threshold then a formula, a ladder
of bands, a grade table, deductions alone; scoring a row is then one call over its
input mapping.  Every other rule is scored by :meth:`~perfrules.rules.program.CompiledRule.score`,
the general loop, which is also what a rule compiled for any row runs.  Either way the
arithmetic is :mod:`perfrules.rules.arithmetic`'s: the first case that holds, its points held
in [0, 分值], then the deductions under their cap.

Every scorer is a :class:`~perfrules.rules.program.RowScorer`: given a list, it also lists
there what the row lost (points, the statement, a note: ``evaluate(x, 分值).charges``),
which is all a record needs (:mod:`perfrules.scoring.records`).  A constant case's charge is
made once, here.  tests/test_shapes.py holds every scorer to the general loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules.rules import ast
from perfrules.rules.arithmetic import Lost, NoClause, clamp, take_deductions
from perfrules.rules.operators import COMPARE, always, exact_words, grade_reader, word_map
from perfrules.rules.program import CompiledRule, Case, RowScorer
from perfrules.rules.vocabulary import EXACT, ZERO, Test

LeafTests = Mapping[Test, tuple[str, str, Decimal]]  # x[key] op const: (op, key, const)


@attrs.frozen
class Threshold:
    """``实际值 ≥ 目标值 → 满分；否则 → 公式`` as a row binds it, the commonest rule: the
    comparison (实际值 op const), its points, and the formula of the 否则 case (before
    it is clamped to [0, 分值])."""

    op: str
    key: str
    const: Decimal
    full: Decimal  # clamped
    formula: Callable[[Mapping[str, Any]], Decimal]


@attrs.frozen
class Ladder:
    """``完成率 ≥ 100% → 满分；≥ 90% → 80%；…；否则 → 0`` as a row binds it: thresholds on
    one input (实际值 op const), tried top-down, each with constant (clamped) points and
    what it loses (None: nothing)."""

    op: str
    key: str
    steps: tuple[tuple[Decimal, Decimal, Lost | None], ...]  # (threshold, points, charge)
    other: Decimal  # the 否则 points
    other_lost: Lost | None


@attrs.frozen
class Grades:
    """``达成 → 满分；部分达成 → 80%；…`` with constant outcomes: grade word → points."""

    key: str
    table: dict[Any, Decimal]  # a _GradeTable: spellings not listed are looked up again


#: The shapes a row's rule is scored by without the general loop.
Shape = Threshold | Ladder | Grades


def specialise(rule: CompiledRule, weight: Decimal, key: str, leaf_tests: LeafTests) -> CompiledRule:
    """*rule*, compiled for a form row whose 分值 is *weight* and whose actual is read under
    *key*, with its scorer: a closure of its shape, else the general loop."""
    if rule.bands:
        return rule  # the unit's own score is checked against a band: evaluate() only
    if rule.deductions or rule.steps:
        return attrs.evolve(rule, score_row=_deduction_driver(rule, weight))
    return attrs.evolve(rule, score_row=_driver(rule, weight, _shape(rule, weight, key, leaf_tests)))


def _lost(w: Decimal, points: Decimal, text: str) -> Lost | None:
    """The charge of a case of constant points, made once: None when it loses nothing."""
    return (EXACT.subtract(w, points), text, "") if points < w else None


def _threshold(rule: CompiledRule, w: Decimal, leaf_tests: LeafTests) -> Threshold | None:
    """The rule as a :class:`Threshold`, if it is one: two cases, the first a comparison
    of one input with a constant scoring constant points, the second 否则 a formula."""
    cases = rule.cases
    if rule.deductions or rule.steps or len(cases) != 2 or cases[1].test is not always:
        return None
    first, other = cases
    if first.test not in leaf_tests or first.points_const is None or other.points is None or other.points_const is not None:
        return None
    full = clamp(first.points_const, w)
    if full < w:
        return None  # its first case loses points too (rare): two cases
    op, key, const = leaf_tests[first.test]
    return Threshold(op, key, const, full, other.points)


def _shape(rule: CompiledRule, w: Decimal, key: str, leaf_tests: LeafTests) -> Shape | None:
    """The common shape a rule without deductions has, if any: a grade table, a ladder, a threshold."""
    table = _grade_table(rule, w)
    if table is not None:
        return Grades(key, table)
    return _ladder_shape(rule.cases, w, leaf_tests) or _threshold(rule, w, leaf_tests)


def _driver(rule: CompiledRule, w: Decimal, shape: Shape | None) -> RowScorer:
    """The cheapest closure that scores a rule without deductions (those take
    :func:`_deduction_driver`): a grade table, a ladder of thresholds, one test with an
    否则, a formula, else the general loop.  Same arithmetic as evaluate, op for op."""
    cases = rule.cases
    if isinstance(shape, Grades):
        return _grades(rule, w, shape)
    if isinstance(shape, Ladder):
        return _ladder(shape)
    if isinstance(shape, Threshold):
        return _threshold_or_formula(shape, w, cases[1].text)
    if len(cases) == 1 and cases[0].test is always:
        return _clamped(cases[0], w)
    if len(cases) == 2 and cases[1].test is always:
        return _two_cases(cases[0], cases[1], w)
    return _general(rule, w)


def _general(rule: CompiledRule, w: Decimal) -> RowScorer:
    """Any other rule: :meth:`~perfrules.rules.program.CompiledRule.score`, or, when its
    charges are asked for, :meth:`~perfrules.rules.program.CompiledRule.evaluate`."""

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        if charges is None:
            return rule.score(x, w)
        outcome = rule.evaluate(x, w)
        charges.extend(outcome.charges)
        return outcome.score

    return score


def _threshold_or_formula(t: Threshold, w: Decimal, other_text: str) -> RowScorer:
    """``实际值 ≥ 目标值 → 满分；否则 → 公式``, the commonest rule: ≥ and ≤ compared inline,
    full marks returned at once, and the formula's points held in [0, 分值] by
    :func:`~perfrules.rules.arithmetic.clamp`'s expression written out (no call: this runs for
    most rows of every submission of a batch)."""
    key, const, full, fn, lost = t.key, t.const, t.full, t.formula, EXACT.subtract
    compare = COMPARE[t.op]
    at_least, at_most = t.op == ">=", t.op == "<="

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        actual = x[key]
        if (actual >= const) if at_least else (actual <= const) if at_most else compare(actual, const):
            return full  # 满分
        v = fn(x)
        v = ZERO if v < ZERO else w if w < v else v
        if charges is not None and v < w:
            charges.append((lost(w, v), other_text, ""))
        return v

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
    steps = []
    for (_, _, const), c in zip(tests, heads):
        assert c.points_const is not None
        points = clamp(c.points_const, w)
        steps.append((const, points, _lost(w, points, c.text)))
    last = cases[-1].points_const
    assert last is not None
    other = clamp(last, w)
    return Ladder(tests[0][0], tests[0][1], tuple(steps), other, _lost(w, other, cases[-1].text))


def _ladder(ladder: Ladder) -> RowScorer:
    """``完成率 ≥ 100% → 满分；≥ 90% → 80%；…；否则 → 0``: tried top-down on the input read once."""
    key, steps, other, other_lost = ladder.key, ladder.steps, ladder.other, ladder.other_lost
    compare = COMPARE[ladder.op]
    at_least = ladder.op == ">="

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        a = x[key]
        for threshold, points, lost in steps:
            if (a >= threshold) if at_least else compare(a, threshold):
                if charges is not None and lost is not None:
                    charges.append(lost)
                return points
        if charges is not None and other_lost is not None:
            charges.append(other_lost)
        return other

    return score


def _case_points(v: Decimal, w: Decimal, text: str, charges: list[Lost] | None) -> Decimal:
    """A case's points held in [0, 分值], and what it lost listed when asked."""
    v = ZERO if v < ZERO else w if w < v else v  # clamp(), written out: the execution row of every submission
    if charges is not None and v < w:
        charges.append((EXACT.subtract(w, v), text, ""))
    return v


def _clamped(case: Case, w: Decimal) -> RowScorer:
    """One case, always (``分值 × min(执行率, 100%)``, the execution row of every
    submission): its points in [0, 分值]."""
    fn, text = case.points, case.text
    assert fn is not None

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        return _case_points(fn(x), w, text, charges)

    return score


def _two_cases(first: Case, other: Case, w: Decimal) -> RowScorer:
    """``condition → A；否则 → B``: the case that holds, its points in [0, 分值]."""
    test, f0, f1, t0, t1 = first.test, first.points, other.points, first.text, other.text
    assert f0 is not None and f1 is not None

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        if test(x):
            return _case_points(f0(x), w, t0, charges)
        return _case_points(f1(x), w, t1, charges)

    return score


def _grades(rule: CompiledRule, w: Decimal, grades: Grades) -> RowScorer:
    """One dict lookup per row; the charge of the grade's points, made once (when no two
    cases give the same points; else the first case that holds is found again)."""
    key, table = grades.key, grades.table
    points = [clamp(c.points_const, w) for c in rule.cases if c.points_const is not None]
    distinct = len(set(points)) == len(rule.cases)
    by_points = {p: _lost(w, p, c.text) for p, c in zip(points, rule.cases)}

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        if charges is None:  # a total alone: one lookup
            return table[x[key]]
        s = table[x[key]]
        if s < w:
            lost = by_points[s] if distinct else None
            charges.append(lost if lost is not None else (EXACT.subtract(w, s), _matched(rule, x), ""))
        return s

    return score


def _matched(rule: CompiledRule, x: Mapping[str, Any]) -> str:
    for case in rule.cases:
        if case.test(x):
            return case.text
    return ""


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


def _deduction_driver(rule: CompiledRule, w: Decimal) -> RowScorer:
    """Rules with 扣分, scored by the one arithmetic (:func:`~perfrules.rules.arithmetic.take_deductions`),
    which lists the charges as it takes them; with cases too, the general loop."""
    if rule.cases:
        return _general(rule, w)
    deductions, steps, cap, gap = rule.deductions, rule.steps, rule.cap, rule.gap

    def score(x: Mapping[str, Any], charges: list[Lost] | None = None) -> Decimal:
        taken = take_deductions(deductions, steps, cap, x, w, gap, charges)
        return EXACT.subtract(w, taken) if taken else w

    return score
