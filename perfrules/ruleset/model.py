"""The ruleset model: what a loaded, checked, compiled ruleset is.

A ruleset says which documents it encodes, how scores are rounded, the 一级指标
weights, the grade bands for the total and the rules, each with the rows it applies
to and the clause it comes from.  Every setting remembers where it was written
(``origin``) and by which layer of a jurisdiction chain (``layer``), so an
explanation can name both.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

import attrs

from perfrules.rules.program import CompiledRule
from perfrules.errors import PerfrulesError, Position

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP, "四舍五入": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN, "银行家舍入": ROUND_HALF_EVEN, "四舍六入五成双": ROUND_HALF_EVEN,
    "down": ROUND_DOWN, "截尾": ROUND_DOWN, "舍去": ROUND_DOWN,
    "up": ROUND_UP, "进一": ROUND_UP,
    "floor": ROUND_FLOOR, "ceiling": ROUND_CEILING,
}

EVIDENCE = {
    "text": "原文", "原文": "原文",
    "secondary": "二手资料", "二手资料": "二手资料",
    "recalled": "据记忆，待核实", "据记忆": "据记忆，待核实",
    "practice": "本地做法（见种子自评表）", "本地做法": "本地做法（见种子自评表）",
    # The rule as printed in the notes (注) of self-evaluation forms that units filed and
    # published (STANDARDS.md §6b, [T-form]): stronger than recalled, weaker than the act.
    "form": "表式附注原文", "表式附注": "表式附注原文",
}

KINDS = {"quantitative": "quantitative", "定量": "quantitative", "qualitative": "qualitative", "定性": "qualitative",
         "period": "period", "时间": "period", "execution": "execution", "预算执行": "execution"}
DIRECTIONS = {"positive": "positive", "正向": "positive", "negative": "negative", "反向": "negative",
              "exact": "exact", "等于": "exact"}


@attrs.frozen
class Document:
    """A policy document a ruleset encodes: 文号, title, who issued it, when."""

    key: str
    number: str  # 文号: 财预〔2020〕10号
    title: str
    issuer: str = ""
    issued: str = ""
    effective: str = ""
    note: str = ""

    def __str__(self) -> str:
        return f"{self.number}《{self.title}》" if self.number else f"《{self.title}》"


@attrs.frozen
class Citation:
    """Where a rule comes from: the document, the article or item, how sure we are."""

    document: Document
    article: str = ""  # 第十四条, 附件1 …
    evidence: str = ""  # 原文 / 二手资料 / 据记忆，待核实 / 本地做法
    note: str = ""
    layer: str = ""  # the ruleset id that wrote this citation

    @property
    def clause(self) -> str:
        return self.article or "（未注明条款）"

    def __str__(self) -> str:
        return f"{self.document}{self.article}"


@attrs.frozen
class Selector:
    """Which rows a rule applies to; empty fields match everything."""

    kinds: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    level1: tuple[str, ...] = ()
    level2: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        words = {"quantitative": "定量", "qualitative": "定性", "period": "时间", "execution": "预算执行",
                 "positive": "正向", "negative": "反向", "exact": "等于"}
        parts = []
        for label, values in (("类型", self.kinds), ("方向", self.directions), ("一级指标", self.level1),
                              ("二级指标", self.level2), ("三级指标", self.names)):
            if values:
                parts.append(f"{label}={'/'.join(words.get(v, v) for v in values)}")
        return "，".join(parts) or "全部指标"


@attrs.frozen
class Rule:
    id: str
    name: str
    text: str
    applies: Selector
    citation: Citation
    compiled: CompiledRule = attrs.field(eq=False, repr=False)
    origin: Position | None = attrs.field(default=None, eq=False)
    layer: str = ""


@attrs.frozen
class FormRow:
    """One row of a 自评表 known before any submission: a form the ruleset carries
    (``[[form]]``), so :func:`perfrules.scoring.plan.compile_plan` can bind its constants."""

    key: str  # stable id of the row (I01 …): where a submission's actual is found
    level1: str
    level2: str
    name: str  # 三级指标
    target: str  # 年度指标值 as the form prints it: ≥8.5%, ≤386万元, 达成
    weight: Decimal  # 分值
    rule: str | None = None  # the rule id, when the form names it; else chosen as the interpreter does
    origin: Position | None = attrs.field(default=None, eq=False)


@attrs.frozen
class GradeBand:
    """One grade of the total: 优 [90, 100]."""

    name: str
    low: Decimal
    high: Decimal
    high_closed: bool

    def contains(self, total: Decimal) -> bool:
        return self.low <= total and (total <= self.high if self.high_closed else total < self.high)

    @property
    def range_text(self) -> str:
        return f"[{self.low}, {self.high}{']' if self.high_closed else ')'}"

    def __str__(self) -> str:
        return f"{self.name} {self.range_text}"


@attrs.frozen
class Rounding:
    places: int
    mode: str  # as written: half_up / 四舍五入 …
    # What apply() passes to quantize, worked out once (every row's score is rounded).
    quantum: Decimal = attrs.field(init=False, eq=False, repr=False)
    decimal_mode: str = attrs.field(init=False, eq=False, repr=False)

    @quantum.default
    def _quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    @decimal_mode.default
    def _decimal_mode(self) -> str:
        return ROUNDING_MODES[self.mode]

    def apply(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.decimal_mode)

    def show(self, value: Decimal) -> str:
        """*value* rounded for display, with the ruleset's decimal places (9.40, not 9.4)."""
        return format(self.apply(value), "f")


@attrs.frozen
class AuditSetting:
    """A threshold an audit check reads (over-completion at 130%, a reason below 90%
    execution …), with where it comes from: checks cite their source like rules do."""

    name: str
    threshold: Decimal  # a share: 1.3 for 130%
    citation: Citation


@attrs.frozen
class Ruleset:
    id: str
    name: str
    jurisdiction: str
    year: int | None
    version: str
    documents: Mapping[str, Document]
    rounding: Rounding
    weights: Mapping[str, Decimal]  # 一级指标 → points (预算执行率 included)
    grades: tuple[GradeBand, ...]
    rules: tuple[Rule, ...]
    grade_words: Mapping[str, tuple[str, ...]]
    source: str | None = None
    chain: tuple[str, ...] = ()  # ids from the most general layer to this one
    # setting name → (layer id, position) for `ruleset show --resolved`
    origins: Mapping[str, tuple[str, Position | None]] = attrs.field(factory=dict, eq=False)
    # Problems that do not stop loading (a deduction with no cap …), positioned, for `check`.
    warnings: tuple[PerfrulesError, ...] = attrs.field(default=(), eq=False)
    form: tuple[FormRow, ...] = ()  # the most local layer's [[form]], if any
    kinds: tuple[str, ...] = ()  # the 类型 it serves (部门整体支出, 项目支出); () = every kind
    audit: Mapping[str, AuditSetting] = attrs.field(factory=dict)  # check name → its threshold

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def grade_of(self, total: Decimal) -> str | None:
        return next((g.name for g in self.grades if g.contains(total)), None)

    @property
    def full_marks(self) -> Decimal:
        return sum(self.weights.values(), Decimal(0))
