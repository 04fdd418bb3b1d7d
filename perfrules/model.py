"""The submission: a 自评表 as a unit filed it, cell for cell, with where each cell was.

Every reader (TOML, JSON, Word, Excel, the Word text export) produces these frozen
records; the interpreter reads nothing else.  Cell texts are kept as written
(``≥10%``, ``9,999.81``): the values module reads them, and the original text is
what an auditor is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

import attrs

from perfrules.errors import Position

# Field names as the 自评表 prints them; readers map header variants onto these.
LEVEL1, LEVEL2, NAME = "一级指标", "二级指标", "三级指标"
TARGET, ACTUAL, WEIGHT, SCORE, REASON = "年度指标值", "实际完成值", "分值", "得分", "偏差原因"
INDICATOR_FIELDS = (LEVEL1, LEVEL2, NAME, TARGET, ACTUAL, WEIGHT, SCORE, REASON)

EXECUTION_LABEL = "预算执行率"  # the execution row's label in results and findings
UNNAMED = "未写指标名称"  # the label of a row whose 三级、二级 and 一级指标 are all blank
INITIAL_BUDGET, BUDGET, EXECUTED, RATE = "年初预算数", "全年预算数", "全年执行数", "执行率"
BUDGET_FIELDS = (INITIAL_BUDGET, BUDGET, EXECUTED, WEIGHT, RATE, SCORE)

# How a form marks a row "not applicable" (财预〔2020〕10号 form note F4: 不考核该指标).
NOT_APPLICABLE = frozenset({"/", "／", "不适用", "无", "—", "——", "-", "--"})
NOT_APPLICABLE_ACTUAL = frozenset({"/", "／", "不适用", "不适用。"})

# A 三级指标 cell the template printed and nobody filled: 指标1, 指标2:, ……
TEMPLATE_STUB = re.compile(r"^(?:指标\s*\d*\s*[:：]?|…+|\.{3,}|……)$")

KIND_DEPARTMENT = "部门整体支出"
KIND_PROJECT = "项目支出"


@attrs.frozen
class IndicatorRow:
    """One 三级指标 row of the 自评表 (or a level row left blank, as filed)."""

    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal | None
    self_score: Decimal | None
    reason: str = ""
    # Field name (年度指标值 …) → where that cell is in the file the unit filed.
    locations: Mapping[str, Position] = attrs.field(factory=dict, eq=False, repr=False)
    key: str | None = None  # a stable id when the form has one (I01 …)
    # A number cell (分值, 得分) whose text is not a number ("IO", "8分?"): field → text as
    # printed.  The field's number is None; the interpreter reports it as a finding on the
    # row, never refuses the table.
    unreadable: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    # Columns some forms add (调整指标值, 得分系数, 评分标准 …): printed header → text.
    more: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    # 一级指标 was not printed (only "（50分）"): the name was inferred from the 二级 names.
    level1_inferred: bool = False

    # Worked out once, when the row is made (and again by attrs.evolve): the scorer and
    # the table checks ask each row these many times.
    is_blank: bool = attrs.field(init=False, eq=False, repr=False)
    not_applicable: bool = attrs.field(init=False, eq=False, repr=False)

    @is_blank.default
    def _blank(self) -> bool:
        """A level row with nothing filed (生态效益指标 with empty cells), or a row the
        template left in (``指标2:``, ``……``) with nothing filed."""
        named = bool(self.name) and not TEMPLATE_STUB.match(self.name.strip())
        return (not (named or self.target or self.actual) and self.weight is None and self.self_score is None
                and not self.unreadable)

    @not_applicable.default
    def _marked_not_applicable(self) -> bool:
        """Marked not applicable (form note F4: 不考核该指标): its 分值 cell, or its actual
        (``/``, 不适用), says so and no score was given.  ``无`` as an actual is a value
        (no incidents), not a mark."""
        marked = (self.unreadable.get(WEIGHT, "").strip() in NOT_APPLICABLE
                  or self.actual.strip() in NOT_APPLICABLE_ACTUAL)
        unscored = self.self_score is None
        return marked and unscored and bool(self.name or self.target or self.actual or self.unreadable)

    # What the auditor calls the row: the 三级指标 on one line, else the 二级指标, else
    # what says that none was printed (稷山 2021: two rows with no name at all).
    label: str = attrs.field(init=False, eq=False, repr=False)

    @label.default
    def _label(self) -> str:
        name = " ".join(self.name.split())
        return name or self.level2 or self.level1 or UNNAMED

    def where(self, field: str = NAME) -> Position | None:
        return self.locations.get(field) or next(iter(self.locations.values()), None)


@attrs.frozen
class FundPart:
    """A 其中 row under 年度资金总额 (当年财政拨款, 上年结转资金, 其他资金)."""

    name: str
    initial_budget: Decimal | None
    budget: Decimal | None
    executed: Decimal | None
    self_rate: str = ""
    self_score: Decimal | None = None
    unreadable: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    locations: Mapping[str, Position] = attrs.field(factory=dict, eq=False, repr=False)

    def where(self, field: str = BUDGET) -> Position | None:
        return self.locations.get(field) or next(iter(self.locations.values()), None)


@attrs.frozen
class BudgetBlock:
    """年度预算 / 年度资金总额: the figures the execution rate is scored from (万元)."""

    initial_budget: Decimal | None  # 年初预算数 (not the denominator)
    budget: Decimal | None  # 全年预算数 (A)
    executed: Decimal | None  # 全年执行数 (B)
    weight: Decimal | None  # 分值
    self_rate: str = ""  # 执行率 as filed ("100%")
    self_score: Decimal | None = None  # 得分 as filed
    locations: Mapping[str, Position] = attrs.field(factory=dict, eq=False, repr=False)
    parts: tuple[FundPart, ...] = ()  # its 其中 rows, as filed
    unreadable: Mapping[str, str] = attrs.field(factory=dict, hash=False)  # field → text that is no number
    money_unit: str = "万元"  # the header's unit (万元 or 元); ratios do not depend on it
    reason: str = ""  # a 偏差原因 written against the fund block, where the form has one

    def where(self, field: str = RATE) -> Position | None:
        return self.locations.get(field) or next(iter(self.locations.values()), None)


@attrs.frozen
class Submission:
    """A unit's 自评表: who, which year, the budget block, the rows, the filed total."""

    unit: str
    year: int | None
    kind: str  # 部门整体支出 / 项目支出
    indicators: tuple[IndicatorRow, ...]
    budget: BudgetBlock | None = None
    jurisdiction: str = ""
    level_weights: Mapping[str, Decimal] = attrs.field(factory=dict)  # 产出指标 (40分) → 40
    self_total: Decimal | None = None  # 总分 / 自评得分 as filed
    source: str | None = None  # the file it was read from
    reader: str = "toml"  # which reader read it
    extra: Mapping[str, str] = attrs.field(factory=dict, eq=False)  # 年度总体目标 etc., kept, not scored
    # Header texts the jurisdiction and kind can be read from: 项目名称, 主管部门, 实施单位,
    # 标题 (the printed title), 等级 (a printed grade).
    header: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    unreadable: Mapping[str, str] = attrs.field(factory=dict, hash=False)  # 自评总分 … that is no number
    locations: Mapping[str, Position] = attrs.field(factory=dict, eq=False, repr=False)

    def where(self, field: str) -> Position | None:
        return self.locations.get(field)
