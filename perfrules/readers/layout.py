"""From a grid of cells to a :class:`~perfrules.model.Submission`: the 自评表's layout.

The format readers (Word, Excel, CSV, the Word text export) only turn a file into
tables of :class:`Cell` (text as written plus where it is); everything about the
form lives here, once, so every layout reads alike in every format:

* which table is the 自评表 (附件2 基础数据表 and others are skipped),
* the 部门整体支出 form (单位名称, 年度预算申请 block, 年度总体目标, indicators, 总分),
  the 项目支出 form of 财预〔2020〕10号 (项目名称/主管部门/实施单位 header), and the
  variants filed across China: any column order (分值 before 年度指标值), a target over
  指标性质 | 指标值 | 度量单位, 年初目标值(A) | 实际完成值(B) | 得分 with no 分值 column,
  Chongqing's 年初指标值 | 调整指标值 | 全年完成值 | 得分系数 | 指标权重 | 指标得分, Hunan
  scorecards (一级 | 分值 | 二级 | 分值 | 三级 | 分值 | 评价标准 | 得分), traditional headers,
* merged cells and blank level cells meaning "same as above", level names broken
  over lines (``经济效\n益指标``) and points inside them (``产出指标\n\n(40分)``), named
  (and inferred when unprinted) by readers/levels.py exactly as the TOML reader does,
* the fund block: 年度资金总额, its 其中 rows, amounts in 元 or with a 万元 suffix.

Nothing here refuses a table for one cell: a 分值/得分/amount that is no number (``IO``,
``/``, an Excel formula with no cached value) is None, its text kept in ``unreadable``.
The filed total is the 总分 row's 得分 cell, never its 分值 cell.

Rows of one table may differ in length (the text export has no grid): a row longer
than the header is aligned on the right, its extra leading cells being labels such as
绩效指标.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from perfrules import model
from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS
from perfrules.readers import facts
from perfrules.readers.fund import read_budget
from perfrules.readers.grid import UNCACHED, Cell, CellPositions, Document, Table, cell_at, clean, header_key, read_number
from perfrules.readers.hanzi import simplified
from perfrules.readers.levels import block_weights, level_names, split_points, strays
from perfrules.values import short_text_cache, squash, to_decimal

LEVEL1_WEIGHT = "一级指标分值"  # a column some forms add beside 一级指标
LEVEL2_WEIGHT = "二级指标分值"  # and beside 二级指标 (Hunan scorecards)
RUBRIC = "评分标准"  # a 评(扣)分标准 / 评价标准 / 得分计算方法 column, kept in ``more``
# A target printed over three columns (指标性质 | 指标值 | 度量单位), as the TOML keys name them.
SPLIT_TARGET = ("指标性质", "指标值", "度量单位")
MORE = ("调整指标值", "得分系数", RUBRIC)
# A form without 分值 (weights only in the block headers) or without 实际完成值 (a
# scorecard whose rows carry a 评分标准) is still a 自评表.
# Chongqing's form has no 一级 column at all (指标名称 | 计量单位 | 指标性质 | 年初指标值 …).
REQUIRED = (model.NAME, model.SCORE)
_SPACES = re.compile(r"\s+")
_TOTAL_LABELS = {"总分", "总计", "合计", "自评总分", "综合得分", "总得分", "分值合计"}


# ------------------------------------------------------------------------- headers
_INDICATOR_HEADERS: dict[str, str] = {
    **dict.fromkeys(["一级指标分值", "一级指标权重", "一级分值", "一级权重"], LEVEL1_WEIGHT),
    **dict.fromkeys(["二级指标分值", "二级指标权重", "二级分值"], LEVEL2_WEIGHT),
    **dict.fromkeys(["一级指标"], model.LEVEL1),
    **dict.fromkeys(["二级指标"], model.LEVEL2),
    **dict.fromkeys(["三级指标", "三级指标名称", "指标名称", "绩效指标名称"], model.NAME),
    **dict.fromkeys(["年度指标值", "指标值", "年度目标值", "目标值", "预期指标值", "年度绩效指标值",
                     "年初目标值", "年初指标值", "绩效指标值", "绩效目标值", "年度绩效目标值"], model.TARGET),
    **dict.fromkeys(["实际完成值", "实际值", "完成值", "全年实际值", "实际完成指标值",
                     "全年完成值", "全年实际完成值"], model.ACTUAL),
    **dict.fromkeys(["分值", "权重", "指标分值", "指标权重", "权重分", "标准分值", "分数"], model.WEIGHT),
    **dict.fromkeys(["得分", "自评得分", "评分", "实际得分", "自评分", "评价得分", "指标得分"], model.SCORE),
    **dict.fromkeys(["指标性质"], "指标性质"),
    **dict.fromkeys(["度量单位", "计量单位"], "度量单位"),
    **dict.fromkeys(["调整指标值", "调整后指标值"], "调整指标值"),
    **dict.fromkeys(["得分系数"], "得分系数"),
    **dict.fromkeys(["评分标准", "评价标准", "评分办法", "得分计算方法", "计分方法", "评分规则"], RUBRIC),
}
_REASON_PREFIXES = ("偏差原因", "未完成原因", "原因分析")


@functools.partial(short_text_cache, maxsize=4096)
def indicator_field(text: str) -> str | None:
    """Which 自评表 column a header cell names, or None.

    Kept per text: every row of every table is asked whether it is the header."""
    key = header_key(text)
    if key.startswith(_REASON_PREFIXES):
        return model.REASON
    return _INDICATOR_HEADERS.get(key)


def _columns(row: Sequence[Cell], fields: Sequence[str | None]) -> dict[str, int]:
    """Field → column for the indicator header, given what each of its cells names.

    Several 分值 columns (一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值): the last is the
    row's; one right after 一级指标 or 二级指标 holds that level's points.  With 指标性质,
    the 指标值 column is the middle of a target printed over three columns.
    """
    found: dict[str, int] = {}
    weights: list[tuple[int, str | None]] = []
    before: str | None = None
    for index, field in enumerate(fields):
        if field == model.WEIGHT:
            weights.append((index, before))
        elif field is not None:
            found.setdefault(field, index)
        before = field if field is not None else before
    for index, level in weights[:-1]:
        if level in (model.LEVEL1, model.LEVEL2):
            found.setdefault(LEVEL1_WEIGHT if level == model.LEVEL1 else LEVEL2_WEIGHT, index)
    if weights:
        found[model.WEIGHT] = weights[-1][0]
    if "指标性质" in found and model.TARGET in found and header_key(row[found[model.TARGET]].text) == "指标值":
        found["指标值"] = found.pop(model.TARGET)
    return found


def _header_columns(row: Sequence[Cell]) -> dict[str, int] | None:
    """The columns of *row* when it is an indicator header, else None (most rows name
    fewer than three columns: told before the columns are worked out)."""
    fields = [indicator_field(cell.text) for cell in row]
    if len(fields) - fields.count(None) < 3:
        return None
    cols = _columns(row, fields)
    return cols if len(cols) >= 3 and (model.NAME in cols or model.LEVEL1 in cols) else None


def _complete(cols: Mapping[str, int]) -> bool:
    """The columns a 自评表 cannot do without (a target and actual, or a 评分标准)."""
    return all(f in cols for f in REQUIRED) and (model.ACTUAL in cols or RUBRIC in cols)


# ---------------------------------------------------------------------- the table
@attrs.frozen
class _Found:
    table: Table
    header: int  # row index of the indicator header
    columns: Mapping[str, int]

    @property
    def width(self) -> int | None:
        return len(self.table.rows[self.header]) if self.table.ragged and self.header < len(self.table.rows) else None


def find_form(doc: Document) -> _Found:
    """The 自评表 among the document's tables; a clear error when there is none."""
    incomplete: _Found | None = None
    for table in doc.tables:
        for index, row in enumerate(table.rows):
            if (cols := _header_columns(row)) is not None:
                found = _Found(table, index, cols)
                if _complete(found.columns):
                    return found
                incomplete = incomplete or found
    if incomplete is not None and all(f in incomplete.columns for f in REQUIRED) and model.TARGET not in incomplete.columns:
        return incomplete  # a 得分表: 一级/二级/三级/得分 with the points in the names (达州), no actual
    if incomplete is not None and all(f in incomplete.columns for f in (model.NAME, model.TARGET, model.ACTUAL)):
        return incomplete  # a 目标自评表 with no 分值 or 得分 at all (忠县 2021): read, its rows then unscored
    if incomplete is not None:
        _missing_column(incomplete)
    for table in doc.tables:  # cut before its indicators (衡山 as published): the fund block is still read
        if read_budget(table.rows, table.ragged) is not None:
            return _Found(table, len(table.rows), {})
    count = len(doc.tables)
    raise PerfrulesError(
        f"未找到自评表（文件中有 {count} 个表格，都没有「一级指标」「三级指标」「年度指标值」这样的表头）",
        position=Position(file=doc.file),
        expected="含有 一级指标、二级指标、三级指标、年度指标值、实际完成值、分值、得分 列的自评表",
        code="layout",
    )


def _missing_column(found: _Found) -> None:
    row = found.table.rows[found.header]
    missing = [f for f in (*REQUIRED, model.ACTUAL) if f not in found.columns]
    headers = "、".join(squash(c.text) for c in row if squash(c.text))
    first = next((c.position for c in row if clean(c.text)), row[0].position)
    raise PerfrulesError(
        f"自评表缺少「{'」「'.join(missing)}」列（找到的表头：{headers}）",
        position=first,
        expected="、".join(REQUIRED) + "，以及 实际完成值（或 评分标准）",
        code="layout",
    )


# ------------------------------------------------------------------ the submission
def build_submission(doc: Document) -> model.Submission:
    """The whole 自评表: header facts, budget block, indicator rows and the total.

    A cell that should hold a number and does not (``IO``, ``/``, a formula Excel never
    computed) never refuses the table: its number is None and its text goes into the
    row's ``unreadable``, for the interpreter to report where it is.
    """
    check_size(doc)
    found = find_form(doc)
    top = found.table.rows[: found.header]
    labels = facts.labels(top)
    kind = facts.kind_of(found.table, labels)
    locations: dict[str, Position] = {}
    unit = facts.unit_of(kind, labels, found.table, found.header, doc, locations)
    goals = facts.goals(top, found.table.ragged)
    year = facts.year_of(found.table.before, top, doc, goals.values())
    rows, level_weights, total_row = _indicators(found, locations)
    header: dict[str, str] = {k: clean(v.text) for k, v in labels.items() if k in ("项目名称", "主管部门", "实施单位")}
    title = facts.title_of(found.table, top)
    if title:
        header["标题"] = title
    extra: dict[str, str] = {k: v for k, v in header.items() if k != "标题"}
    for name, cell in [*goals.items(), *facts.fund_parts(top).items()]:
        extra[name] = clean(cell.text)
        locations[name] = cell.position
    if doc.paragraphs:  # kept (not scored) so the jurisdiction can be read from the report
        extra["报告正文"] = "\n".join(doc.paragraphs)
    self_total = None
    unreadable: dict[str, str] = {}
    if total_row is not None:
        self_total = _total(total_row, found, locations, header, unreadable)
    elif (printed := facts.header_total(top)) is not None:  # 自评得分 | 98 printed above the form
        locations["自评总分"] = printed.position
        header["自评得分"] = clean(printed.text)  # a header total says nothing of where the table ends
        self_total = read_number(printed, "自评总分", unreadable)
    return model.Submission(
        unit=unit,
        year=year,
        kind=kind,
        indicators=tuple(rows),
        budget=read_budget(top, found.table.ragged),
        jurisdiction=clean(labels["辖区"].text) if "辖区" in labels else "",
        level_weights=level_weights,
        self_total=self_total,
        source=doc.file,
        reader=doc.reader,
        extra=extra,
        locations=locations,
        header=header,
        unreadable=unreadable,
    )


def check_size(doc: Document) -> None:
    """Refuse tables and cells far beyond any real 自评表 (limits.py), whatever the reader."""
    for table in doc.tables:
        if len(table.rows) > MAX_ROWS:
            raise _cell_error(f"{table.name} 行数过多（{len(table.rows)} 行，上限 {MAX_ROWS} 行），不像是一份自评表",
                              table.rows[MAX_ROWS][0] if table.rows[MAX_ROWS] else None, doc.file)
        for row in table.rows:
            if len(row) > MAX_COLUMNS:
                raise _cell_error(f"{table.name} 列数过多（{len(row)} 列，上限 {MAX_COLUMNS} 列），不像是一份自评表",
                                  row[MAX_COLUMNS], doc.file)
            for cell in row:
                if len(cell.text) > MAX_CELL_CHARS:
                    raise _cell_error(f"单元格过长（{len(cell.text)} 个字符，上限 {MAX_CELL_CHARS}）", cell, doc.file)


def _cell_error(message: str, cell: Cell | None, file: str | None) -> PerfrulesError:
    return PerfrulesError(message, position=cell.position if cell is not None else Position(file=file), code="layout")


# -- indicator rows -----------------------------------------------------------------
@functools.partial(short_text_cache, maxsize=4096)
def _total_label(text: str) -> bool:
    """Whether a cell reads 总分 (合计, 自评总分 …): asked of every cell of every indicator row."""
    return simplified(squash(text)).rstrip(":") in _TOTAL_LABELS


def _is_total(row: Sequence[Cell]) -> bool:
    return any(_total_label(c.text) for c in row)


def _level_text(level: Cell | None, points_cell: Cell | None) -> str:
    """A level cell's text as the TOML writes it: ``投入(13分)`` when its points are
    printed in a column of their own."""
    text = _SPACES.sub("", clean(level.text)) if level is not None else ""  # 经济效\n益指标
    if points_cell is None or split_points(text)[1] is not None:
        return text
    try:
        figure = to_decimal(clean(points_cell.text), "分值")
    except PerfrulesError:
        return text  # not a figure: the level's points stay unknown
    return f"{squash(text)}({format(figure, 'f')}分)"


def _indicators(found: _Found, locations: dict[str, Position],
                ) -> tuple[list[model.IndicatorRow], dict[str, Decimal], Sequence[Cell] | None]:
    """The rows under the header up to 总分, levels carried down where left blank."""
    width = found.width
    cols = found.columns
    read: list[tuple[Mapping[str, Cell], str, str, Cell | None, Cell | None]] = []  # each row's cells and levels
    starts: list[bool] = []
    level1: Cell | None = None
    level2: Cell | None = None
    points1: Cell | None = None
    points2: Cell | None = None
    total: Sequence[Cell] | None = None
    carried = False  # the last row's 一级 cell was blank or merged (carried down)
    for row in found.table.rows[found.header + 1 :]:
        if _is_total(row):
            total = row
            break
        if _header_columns(row) is not None:  # a header repeated on a new page
            continue
        own = {f: c for f, i in cols.items()
               if (c := cell_at(row, i, width)) is not None and (clean(c.text) or c.formula)}
        if not own:
            continue
        new_block = model.LEVEL1 in own and (level1 is None or carried
                                             or clean(own[model.LEVEL1].text) != clean(level1.text))
        if model.LEVEL1 not in own and model.LEVEL2 in own and level1 is not None and strays(
                _level_text(level1, points1), clean(own[model.LEVEL2].text)):
            level1, points1, new_block = None, None, True  # a blank 一级 cell that starts a block of its own
        if model.LEVEL1 in own:
            level1, level2, points1, points2 = own[model.LEVEL1], None, None, None
        carried = model.LEVEL1 not in own
        if model.LEVEL2 in own:
            level2, points2 = own[model.LEVEL2], None
        points1 = own.get(LEVEL1_WEIGHT, points1)
        points2 = own.get(LEVEL2_WEIGHT, points2)
        starts.append(new_block or not read)
        read.append((own, _level_text(level1, points1), _level_text(level2, points2), level1, level2))
    names, weights = level_names([(text1, text2) for _own, text1, text2, _cell1, _cell2 in read], starts)
    named = tuple(_row(own, name1, name2, bool(inferred), level1, level2)
                  for (own, _text1, _text2, level1, level2), (name1, inferred, name2) in zip(read, names))
    if model.WEIGHT not in cols:  # weights only in the block headers
        named = block_weights(named, weights)
    for item in named:  # where each block's printed points are: its first row's 一级 cell
        key = f"{LEVEL1_WEIGHT}.{item.level1}"
        if item.level1 in weights and key not in locations:
            where = item.locations.get(model.LEVEL1) or item.where()
            if where is not None:
                locations[key] = where
    return list(named), weights, total


def _row(own: Mapping[str, Cell], text1: str, text2: str, inferred: bool, level1: Cell | None,
         level2: Cell | None) -> model.IndicatorRow:
    unreadable: dict[str, str] = {}

    def text(field: str) -> str:
        cell = own.get(field)
        if cell is not None and cell.formula and not clean(cell.text):
            unreadable[field] = UNCACHED + cell.formula
        return clean(cell.text) if cell is not None else ""

    cells = {f: c for f, c in own.items() if f not in (LEVEL1_WEIGHT, LEVEL2_WEIGHT)}
    if level1 is not None:
        cells[model.LEVEL1] = level1
    if level2 is not None:
        cells[model.LEVEL2] = level2
    more = {k: text(k) for k in (*MORE, *SPLIT_TARGET) if k in own}
    target = text(model.TARGET) or "".join(more.get(k, "").strip() for k in SPLIT_TARGET)
    return model.IndicatorRow(
        level1=text1,
        level2=text2,
        level1_inferred=inferred,
        name=text(model.NAME),
        target=target,
        actual=text(model.ACTUAL),
        weight=read_number(own.get(model.WEIGHT), model.WEIGHT, unreadable),
        self_score=read_number(own.get(model.SCORE), model.SCORE, unreadable),
        reason=text(model.REASON),
        locations=CellPositions(cells),
        unreadable=unreadable,
        more=more,
    )


def _total(row: Sequence[Cell], found: _Found, locations: dict[str, Position], header: dict[str, str],
           unreadable: dict[str, str]) -> Decimal | None:
    """总分 | 100 | 98: the filed total is the 得分 cell only (never the 分值 cell).

    On a grid, the cell under 得分; a blank one means no total was filed.  In the text
    export (no grid) a short row ``总分 | 100 | 98`` has its 得分 last."""
    width = found.width
    start = next(i for i, c in enumerate(row) if _total_label(c.text))
    numbers = [c for c in row[start + 1 :] if clean(c.text)]
    short = width is not None and len(row) < width
    weight_col = found.columns.get(model.WEIGHT)
    weight_cell = numbers[0] if short and len(numbers) >= 2 else cell_at(row, weight_col, None if short else width)
    if weight_cell is not None and clean(weight_cell.text):
        header["总分"] = clean(weight_cell.text)
        locations["总分"] = weight_cell.position
    chosen = (numbers[-1] if numbers else None) if short else cell_at(row, found.columns.get(model.SCORE), width)
    if chosen is None or not (clean(chosen.text) or chosen.formula) or chosen is weight_cell:
        return None
    locations["自评总分"] = chosen.position
    return read_number(chosen, "自评总分", unreadable)
