"""One form row as a plan scores it: the rule the form (or the interpreter's choice)
gives it, compiled again with the row's 分值 and 目标值 (:func:`~perfrules.rules.compiler.compile_row`),
and what its explanation records need, computed once; and what a plan reads of an
input (its cells as text, its 偏差原因).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules.rules.arithmetic import Lost, MissingInput, NoClause
from perfrules.rules.binding import NotSpecialisable, RowBinding
from perfrules.errors import PerfrulesError
from perfrules.explain import CitationRecord
from perfrules.scoring.records import reason_for
from perfrules.scoring.policy import EXECUTION, citation, classify, select_rule
from perfrules.rules.compiler import compile_row
from perfrules.rules.program import CompiledRule, RowScorer
from perfrules.ruleset.model import FormRow, Rule, Ruleset
from perfrules.values import Quantity, read_value, squash, to_decimal
from perfrules.words import fmt

ZERO = Decimal(0)
HUNDRED = Decimal(100)

Input = Mapping[str, Any]
Scorer = RowScorer

#: What a compiled row raises for an input it cannot read: the interpreter takes over.
CAREFUL = (KeyError, TypeError, AttributeError, ValueError, ArithmeticError, NoClause, MissingInput)


class Careful(Exception):
    """This submission goes to the interpreter (an input the fast path does not judge)."""



@attrs.frozen
class PlanRow:
    """One form row as the plan scores it, with what its explanation needs precomputed."""

    form: FormRow
    number: int  # the interpreter's row number: 0 for 预算执行率, then 1, 2 … in form order
    execution: bool
    rule: Rule
    program: CompiledRule | None  # None: the rule needs what a form row cannot bind
    score: Scorer = attrs.field(eq=False, repr=False)
    target: Decimal | None
    label: str
    level1: str
    level2: str
    citation: CitationRecord
    weight_text: str
    filed_weight: Decimal | None = None  # the form's own 分值 when the ruleset's level weight rescaled it

    @property
    def key(self) -> str:
        return self.form.key

    @property
    def weight(self) -> Decimal:
        return self.form.weight



_OUTER = frozenset({"rate", "executed", "budget", "initial_budget", "reason"})
_OWN = frozenset({"actual", "target", "ratio", "met"})


def reads(row: PlanRow) -> tuple[bool, bool]:
    """(reads its own actual, reads submission fields): where a row's inputs are."""
    if row.program is None:
        return not row.execution, True
    bound = row.program
    outer = bool(bound.uses & _OUTER)
    own = not row.execution or bool(bound.uses & _OWN) or bool(bound.steps)
    return own, outer



def rule_for(ruleset: Ruleset, form: FormRow) -> tuple[Rule, bool]:
    """(rule, is the 预算执行率 row): the form's choice, else the interpreter's."""
    if form.rule is not None:
        rule = ruleset.rule(form.rule)
        if rule is None:
            raise PerfrulesError(f"表式「{form.name}」指定的规则「{form.rule}」不存在", code="plan")
        return rule, bool(rule.compiled.uses & {"rate", "executed", "budget"})
    if EXECUTION in (squash(form.name), squash(form.level2)):
        kind, direction = "execution", None
    else:
        kind, direction = classify(form.target)
    found = select_rule(ruleset, kind, direction, form.level1, form.level2, form.name)
    if found is None:
        raise PerfrulesError(f"规则集中没有适用于「{form.name}」的规则", code="plan")
    return found, kind == "execution"


def plan_row(form: FormRow, rule: Rule, execution: bool, number: int) -> PlanRow:
    target_value = read_value(form.target)
    target = target_value.number if isinstance(target_value, Quantity) else None
    comparator = target_value.comparator if isinstance(target_value, Quantity) else None
    program: CompiledRule | None
    try:
        # interned: a submission's dict built from literals then matches the key by identity
        program = compile_row(rule.compiled, RowBinding(sys.intern(form.key), form.weight, target, comparator))
        assert program.score_row is not None  # compile_row refuses rules with bands
        scorer = program.score_row
    except NotSpecialisable:
        program, scorer = None, needs_interpreter
    if execution:
        label = level1 = level2 = EXECUTION
    else:
        label = " ".join(form.name.split()) or form.level2 or form.level1
        level1, level2 = form.level1, form.level2
    return PlanRow(form, number, execution, rule, program, scorer, target, label, level1, level2, citation(rule),
                   fmt(form.weight))


def needs_interpreter(x: Input, charges: list[Lost] | None = None, /) -> Decimal:
    raise Careful()



# ------------------------------------------------------------------ the inputs
def cell_text(value: Any) -> str:
    """An input value as a 自评表 cell would hold it (the text explanations show)."""
    if value is None:
        return ""
    if value.__class__ is Decimal:
        return format(value, "f")
    if isinstance(value, float):
        raise PerfrulesError(f"实际完成值 {value!r} 是浮点数，无法精确计分", expected="Decimal、整数或文字", code="plan")
    return str(value)


def reason_of(x: Input, key: str) -> str:
    """The 偏差原因 of a row: one text for all rows, or a mapping row key → text."""
    return reason_for(x.get("reason", ""), key)


def number_of(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return to_decimal(value, "金额")
    except PerfrulesError:
        return None
