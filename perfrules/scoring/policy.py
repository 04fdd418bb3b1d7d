"""Scoring policy: which rule a row takes, how filed points meet the ruleset's weights,
when a table counts as filled, and what a rule's citation reads.  Pure functions of the
model and the ruleset, shared by the interpreter, the table checks and the plan.
"""

from __future__ import annotations

import functools

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

from perfrules import model
from perfrules.rules.vocabulary import PLACES
from perfrules.errors import PerfrulesError, Position
from perfrules.explain import CitationRecord
from perfrules.rules.operators import word_map
from perfrules.rules.program import Outcome
from perfrules.ruleset.model import Rule, Ruleset
from perfrules.values import Period, Quantity, Value, read_value, squash

CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow],
                  Emax=999_999, Emin=-999_999)
ZERO = Decimal(0)
HUNDRED = Decimal(100)
EXECUTION = "预算执行率"
NO_CITATION = CitationRecord("", "无适用规则", "", "", "")


def select_rule(ruleset: Ruleset, kind: str, direction: str | None, level1: str, level2: str, name: str) -> Rule | None:
    """The first rule whose ``applies`` matches a row of this kind, direction and names."""
    for rule in ruleset.rules:
        sel = rule.applies
        if sel.kinds and kind not in sel.kinds:
            continue
        if sel.directions and direction not in sel.directions:
            continue
        if sel.level1 and squash(level1) not in map(squash, sel.level1):
            continue
        if sel.level2 and squash(level2) not in map(squash, sel.level2):
            continue
        if sel.names and squash(name) not in map(squash, sel.names):
            continue
        if kind != "execution" and not sel.kinds and rule.compiled.uses & {"rate", "executed", "budget"}:
            continue
        return rule
    return None


def classify(target_text: str) -> tuple[str, str | None]:
    """(kind, direction) of a row from its 年度指标值 cell, as rules' ``applies`` name them."""
    return classify_value(read_value(target_text))


def level_scales(ruleset: Ruleset, filed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """一级指标 (squashed) → the factor that brings the filed rows to the ruleset's weight.
    A weight shared by several levels (``效益指标+满意度指标``) scales them together."""
    scales: dict[str, Decimal] = {}
    with localcontext(CONTEXT):
        for key, weight in ruleset.weights.items():
            members = [squash(m) for m in group(key)]
            total = sum((filed[m] for m in members if m in filed), ZERO)
            if total > 0 and weight != total:
                factor = (weight / total).quantize(PLACES)
                scales.update((m, factor) for m in members if m in filed)
    return scales


@functools.lru_cache(maxsize=256)
def group(key: str) -> tuple[str, ...]:
    """The levels a ruleset weight key names: 产出指标, or 决策+过程 (a group of levels)."""
    return tuple(part for part in _PLUS.split(key) if part.strip())


_PLUS = re.compile(r"[+＋]")


def ruleset_levels(ruleset: Ruleset) -> frozenset[str]:
    """The 一级指标 (squashed) the ruleset's weights name, groups taken apart."""
    return frozenset(squash(m) for key in ruleset.weights for m in group(key))


def own_form(ruleset: Ruleset, filed: Mapping[str, Decimal]) -> bool:
    """The table is of the ruleset's form: it has rows with points (*filed*: 一级指标 →
    points as filed), each under a 一级指标 the ruleset weighs."""
    known = ruleset_levels(ruleset)
    return bool(filed) and all(level in known for level in filed)


def execution_weight(block: model.BudgetBlock, ruleset: Ruleset, filed: Mapping[str, Decimal]) -> Decimal | None:
    """预算执行率's 分值: as filed; where the fund block has none, the ruleset's, but only on
    the ruleset's own form.  A form of other levels (决策/管理/绩效 …), or one whose rows
    carry no points, gives no sign that budget execution has points of its own, and none
    are made up for it."""
    if block.weight is not None or model.WEIGHT in block.unreadable or not own_form(ruleset, filed):
        return block.weight
    return ruleset.weights.get(EXECUTION)


def filed_for(filed: Mapping[str, Decimal], key: str) -> Decimal | None:
    """The filed points of a ruleset weight key (a level, or a group of levels)."""
    found = [filed[squash(m)] for m in group(key) if squash(m) in filed]
    return sum(found, ZERO) if found else None


def rescaled(value: Decimal, factor: Decimal) -> Decimal:
    """A filed 分值 or 自评得分 brought to the ruleset's level weight (held to PLACES)."""
    with localcontext(CONTEXT):
        return (value * factor).quantize(PLACES)


def refuse_unfilled(sub: model.Submission) -> None:
    """A table whose every actual and score (the execution score too) is blank was never
    filled in: no total, no grade.  Amounts alone do not count: the finance system prints
    them.  Nor does a header with no indicator rows: there is nothing to grade."""
    rows = [r for r in sub.indicators if not r.is_blank]
    filled = any(r.actual.strip() or r.self_score is not None or model.SCORE in r.unreadable for r in rows)
    filled = filled or (sub.budget is not None and (sub.budget.self_score is not None or model.SCORE in sub.budget.unreadable))
    if filled:
        return
    if rows:
        raise PerfrulesError(f"自评表未填写：{len(rows)} 行指标的实际完成值和得分全部为空，不计总分、不评等级",
                             position=Position(file=sub.source), code="unfilled",
                             suggestion="请先填写实际完成值和自评得分（空白不按 0 分计）。")
    fund = "，资金表也没有得分" if sub.budget is not None else ""
    raise PerfrulesError(f"自评表没有可复核的内容：没有读到指标行{fund}，不计总分、不评等级",
                         position=Position(file=sub.source), code="unfilled",
                         suggestion="请检查文件是否完整（表可能被截短），或先填写指标行的实际完成值和自评得分。")


def applicable_factor(sub: model.Submission) -> Decimal | None:
    """Form note F4: with rows not applicable, the applicable rows are scored out of 100.
    The factor that brings their points (and the execution row's) to 100, or None."""
    if not any(r.not_applicable for r in sub.indicators):
        return None
    weights = [r.weight for r in sub.indicators if not r.not_applicable and not r.is_blank]
    if any(w is None for w in weights):
        return None
    applicable = sum((w for w in weights if w is not None), ZERO)
    if sub.budget is not None and sub.budget.weight is not None and execution_row(sub) is None:
        applicable += sub.budget.weight
    if applicable <= 0 or applicable == HUNDRED:
        return None
    with localcontext(CONTEXT):
        return (HUNDRED / applicable).quantize(PLACES)


_EXECUTION_NAME = re.compile(r"(预算|资金)?执行率|预算执行")


def execution_row(sub: model.Submission) -> int | None:
    """The indicator row (1-based) that scores execution inside a level (宁夏 决策/管理/产出/效益
    forms score it under 管理), or None."""
    for number, row in enumerate(sub.indicators, start=1):
        if row.weight is not None and _EXECUTION_NAME.search(squash(row.name or row.level2)):
            return number
    return None


def filed_sums(sub: model.Submission) -> dict[str, Decimal]:
    """Points per 一级指标 as the unit filed them (the budget block as 预算执行率)."""
    sums: dict[str, Decimal] = {}
    for row in sub.indicators:
        if row.weight is not None and not row.is_blank:
            sums[squash(row.level1)] = sums.get(squash(row.level1), ZERO) + row.weight
    if sub.budget is not None and sub.budget.weight is not None:
        sums[squash(EXECUTION)] = sub.budget.weight
    return sums


def classify_value(target: Value) -> tuple[str, str | None]:
    if isinstance(target, Period):
        return "period", None
    if isinstance(target, Quantity):
        return "quantitative", {">=": "positive", ">": "positive", "<=": "negative", "<": "negative",
                                "=": "exact", None: "positive"}[target.comparator]
    return "qualitative", None


def meets(actual: Decimal, target: Quantity) -> bool:
    t = target.number
    return {">=": actual >= t, ">": actual > t, "<=": actual <= t, "<": actual < t, "=": actual == t,
            None: actual >= t}[target.comparator]


def citation(rule: Rule | None) -> CitationRecord:
    if rule is None:
        return NO_CITATION
    c = rule.citation
    return CitationRecord(c.document.number, c.document.title, c.article, c.evidence, rule.layer, c.document.issued)



def band_grade(outcome: Outcome, actual: str, ruleset: Ruleset) -> str | None:
    """The grade of a banded row: its case's, else the grade its actual is written as."""
    return outcome.grade or word_map(ruleset.grade_words).get(squash(actual))
