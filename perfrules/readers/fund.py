"""The fund block of a 自评表: 年度资金总额 and its 其中 rows, as filed.

Its header row names the columns (年初预算数, 全年预算数/调整后预算数, 全年执行数/预算执行数,
分值, 执行率, 得分, in any order); the 年度资金总额 row follows, then the 其中 rows
(当年财政拨款, 上年结转资金, 其他资金 …).  Amounts are read in 元 or 万元 as the header
says (``9,999.81万元`` too); an amount or score that is no number is kept as printed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from collections.abc import Mapping, Sequence

import attrs

from perfrules import model
from perfrules.readers.grid import Cell, cell_at, clean, columns_of, header_key, read_number
from perfrules.readers.hanzi import simplified
from perfrules.values import normalize, squash


_BUDGET_HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (model.INITIAL_BUDGET, ("年初预算", "年初部门预算")),
    # 福建 资金结构: 年初部门预算安排金额① … 小计③=①+② | 年度拨付金额④ | 支出实现率(%)⑤=④/③
    (model.BUDGET, ("全年预算", "调整后预算", "调整预算", "预算数", "小计")),
    (model.EXECUTED, ("全年执行", "实际执行", "执行数", "实际支出", "预算执行数", "全年支出", "年度拨付")),
    (model.RATE, ("执行率", "预算执行率", "支出实现率")),
    (model.WEIGHT, ("分值", "权重")),
    (model.SCORE, ("得分", "自评得分")),
)


def budget_field(text: str) -> str | None:
    key = header_key(text)
    if key.startswith("执行率") and key.endswith(("权重", "分值")):  # 重庆: 执行率权重 | 执行率得分(分)
        return model.WEIGHT
    if key.startswith("执行率") and key.endswith("得分"):
        return model.SCORE
    for field, prefixes in _BUDGET_HEADERS:
        if key.startswith(prefixes):
            return field
    return None


_PART_LABEL = re.compile(r"拨款|资金|结转|财政|其他|其它|单位|专户|自筹|支出|收入|补助|配套")


def read_budget(rows: Sequence[Sequence[Cell]], ragged: bool) -> model.BudgetBlock | None:
    """年度资金总额: the header row, the total row (or the next one), then its 其中 rows."""
    for index, row in enumerate(rows):
        cols = columns_of(row, budget_field)
        if model.EXECUTED in cols and (model.BUDGET in cols or model.INITIAL_BUDGET in cols):
            width = len(row) if ragged else None
            found = _budget_values(rows[index + 1 :])
            if found is None:
                return None
            at, values = found
            block = _budget_block(values, cols, width)
            if block.weight is None and model.SCORE in cols:  # 湖北: 得分（20分*执行率）
                block = attrs.evolve(block, weight=_points_in(row[cols[model.SCORE]].text))
            unit = _money_unit([*row, *rows[index + 1 + at]])
            parts = _parts(rows[index + 2 + at :], cols, width)
            return attrs.evolve(block, parts=parts, money_unit=unit)
    return None


def _points_in(header: str) -> Decimal | None:
    """The execution's points printed in its 得分 header (``得分 (20分*执行率)``), or None."""
    found = re.search(r"(\d+(?:\.\d+)?)\s*分", normalize(header))
    return Decimal(found.group(1)) if found else None


def _money_unit(cells: Sequence[Cell]) -> str:
    """万元 unless the block's header says 元 (``金额单位：元``, ``（元）``)."""
    texts = [simplified(normalize(c.text)) for c in cells]
    if any("万元" in t for t in texts):
        return "万元"
    if any(re.search(r"\(元\)|单位[:：]?元", t) for t in texts):
        return "元"
    return "万元"


def _budget_values(rows: Sequence[Sequence[Cell]]) -> tuple[int, Sequence[Cell]] | None:
    for at, row in enumerate(rows[:6]):
        if any("资金总额" in simplified(squash(c.text)) or squash(c.text) == "合计" for c in row):
            return at, row
    return (0, rows[0]) if rows else None


def _budget_cells(row: Sequence[Cell], cols: Mapping[str, int], width: int | None) -> dict[str, Cell]:
    return {f: c for f, i in cols.items() if (c := cell_at(row, i, width)) is not None and (clean(c.text) or c.formula)}


def _budget_block(row: Sequence[Cell], cols: Mapping[str, int], width: int | None) -> model.BudgetBlock:
    cells = _budget_cells(row, cols, width)
    rate = cells.get(model.RATE)
    unreadable: dict[str, str] = {}
    numbers = {f: read_number(cells.get(f), f, unreadable)
               for f in (model.INITIAL_BUDGET, model.BUDGET, model.EXECUTED, model.WEIGHT, model.SCORE)}
    return model.BudgetBlock(
        initial_budget=numbers[model.INITIAL_BUDGET],
        budget=numbers[model.BUDGET],
        executed=numbers[model.EXECUTED],
        weight=numbers[model.WEIGHT],
        self_rate=clean(rate.text) if rate is not None else "",
        self_score=numbers[model.SCORE],
        locations={f: c.position for f, c in cells.items()},
        unreadable=unreadable,
    )


def _part_label(row: Sequence[Cell], first: int) -> Cell | None:
    """The row's label: the last text left of the first money column."""
    return next((c for c in reversed(row[:first]) if clean(c.text)), None)


def _parts(rows: Sequence[Sequence[Cell]], cols: Mapping[str, int], width: int | None) -> tuple[model.FundPart, ...]:
    """The 其中 rows under 年度资金总额 (当年财政拨款, 上年结转资金, 其他资金 …), as filed."""
    parts: list[model.FundPart] = []
    for row in rows:
        shift = max(0, len(row) - width) if width is not None else 0
        label = _part_label(row, min(cols.values()) + shift)
        name = re.sub(r"^其中\s*[:：]?\s*", "", clean(label.text)) if label is not None else ""
        if not name or not _PART_LABEL.search(simplified(squash(name))) or ":" in normalize(name):
            break
        cells = _budget_cells(row, cols, width)
        unreadable: dict[str, str] = {}
        numbers = {f: read_number(cells.get(f), f, unreadable)
                   for f in (model.INITIAL_BUDGET, model.BUDGET, model.EXECUTED, model.SCORE)}
        rate = cells.get(model.RATE)
        assert label is not None
        parts.append(model.FundPart(
            name=name,
            initial_budget=numbers[model.INITIAL_BUDGET],
            budget=numbers[model.BUDGET],
            executed=numbers[model.EXECUTED],
            self_rate=clean(rate.text) if rate is not None else "",
            self_score=numbers[model.SCORE],
            unreadable=unreadable,
            locations={"名称": label.position, **{f: c.position for f, c in cells.items()}},
        ))
    return tuple(parts)
