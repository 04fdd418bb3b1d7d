"""From a grid of cells to a :class:`~perfrules.model.Submission`: the 自评表's layout.

The format readers (Word, Excel, CSV, the Word text export) only turn a file into
tables of :class:`Cell` (text as written plus where it is); everything about the
form lives here, once:

* which table is the 自评表 (附件2 基础数据表 and others are skipped),
* the 部门整体支出 form (单位名称, 年度预算申请 block, 年度总体目标, indicators, 总分)
  and the 项目支出 form of 财预〔2020〕10号 (项目名称/主管部门/实施单位 header),
* header variants (分值/权重, 得分/自评得分, 偏差原因…), any column order, extra
  columns, a separate 一级指标分值 column,
* merged cells and blank level cells meaning "same as above", level names broken
  over lines (``经济效\\n益指标``) and weights inside them (``产出指标\\n\\n(40分)``).

Rows of one table may differ in length (the text export has no grid): a row longer
than the header is aligned on the right, its extra leading cells being labels such as
绩效指标.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from perfrules import model
from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS
from perfrules.values import checked, normalize, points, squash, to_decimal

LEVEL1_WEIGHT = "一级指标分值"  # a column some forms add beside 一级指标
REQUIRED = (model.LEVEL1, model.NAME, model.TARGET, model.ACTUAL, model.WEIGHT, model.SCORE)
_STRIP = " \t\r\n\u3000\u00a0\u200b\ufeff"
_NO_VALUE = {"", "—", "——", "-", "--", "/", "无", "不适用"}
_TOTAL_LABELS = {"总分", "总计", "合计", "自评总分", "综合得分", "总得分", "分值合计"}


@attrs.frozen
class Cell:
    """One grid position: its own text (``""`` for a merge continuation) and where it is."""

    text: str
    position: Position
    merged: bool = False  # covered by a merged cell that starts elsewhere


@attrs.frozen
class Table:
    rows: tuple[tuple[Cell, ...], ...]
    name: str  # "表2", "Sheet1", for messages
    before: tuple[str, ...] = ()  # the paragraphs just before it (its caption)
    ragged: bool = False  # rows differ in length (text export): align on the right


@attrs.frozen
class Document:
    """What a format reader hands over: the tables in order and the narrative text."""

    file: str | None
    reader: str
    tables: tuple[Table, ...]
    paragraphs: tuple[str, ...] = ()


def clean(text: str) -> str:
    """A cell's text without the blank space around it (inner line breaks kept)."""
    return text.strip(_STRIP)


def _key(text: str) -> str:
    """A header cell reduced for matching: half-width, no spaces, no (…) or colon."""
    flat = squash(text)
    flat = re.sub(r"\([^)]*\)", "", flat)
    return flat.rstrip(":")


# ------------------------------------------------------------------------- headers
_INDICATOR_HEADERS: dict[str, str] = {
    **dict.fromkeys(["一级指标分值", "一级指标权重", "一级分值", "一级权重"], LEVEL1_WEIGHT),
    **dict.fromkeys(["一级指标"], model.LEVEL1),
    **dict.fromkeys(["二级指标"], model.LEVEL2),
    **dict.fromkeys(["三级指标", "三级指标名称", "指标名称", "绩效指标名称"], model.NAME),
    **dict.fromkeys(["年度指标值", "指标值", "年度目标值", "目标值", "预期指标值", "年度绩效指标值"], model.TARGET),
    **dict.fromkeys(["实际完成值", "实际值", "完成值", "全年实际值", "实际完成指标值"], model.ACTUAL),
    **dict.fromkeys(["分值", "权重", "指标分值", "指标权重", "权重分", "标准分值", "分数"], model.WEIGHT),
    **dict.fromkeys(["得分", "自评得分", "评分", "实际得分", "自评分", "评价得分"], model.SCORE),
}
_REASON_PREFIXES = ("偏差原因", "未完成原因", "原因分析")

_BUDGET_HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (model.INITIAL_BUDGET, ("年初预算",)),
    (model.BUDGET, ("全年预算", "调整后预算", "预算数")),
    (model.EXECUTED, ("全年执行", "实际执行", "执行数", "实际支出")),
    (model.RATE, ("执行率", "预算执行率")),
    (model.WEIGHT, ("分值", "权重")),
    (model.SCORE, ("得分", "自评得分")),
)


def indicator_field(text: str) -> str | None:
    """Which 自评表 column a header cell names, or None."""
    key = _key(text)
    if key.startswith(_REASON_PREFIXES):
        return model.REASON
    return _INDICATOR_HEADERS.get(key)


def budget_field(text: str) -> str | None:
    key = _key(text)
    for field, prefixes in _BUDGET_HEADERS:
        if key.startswith(prefixes):
            return field
    return None


def _columns(row: Sequence[Cell], name_of: Callable[[str], str | None]) -> dict[str, int]:
    """Field → column index for a header row (the first column naming a field wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = name_of(cell.text)
        if field is not None and field not in found:
            found[field] = index
    return found


def _is_indicator_header(row: Sequence[Cell]) -> bool:
    cols = _columns(row, indicator_field)
    return len(cols) >= 3 and (model.NAME in cols or model.LEVEL1 in cols)


def _at(row: Sequence[Cell], index: int | None, width: int | None) -> Cell | None:
    """The cell of *row* under header column *index*.

    *width* is the header's length in a ragged table, where a longer row is aligned on
    the right; None on a real grid, where columns line up.
    """
    if index is None:
        return None
    if width is not None:
        index += max(0, len(row) - width)
    return row[index] if 0 <= index < len(row) else None


# ---------------------------------------------------------------------- the table
@attrs.frozen
class _Found:
    table: Table
    header: int  # row index of the indicator header
    columns: Mapping[str, int]

    @property
    def width(self) -> int | None:
        return len(self.table.rows[self.header]) if self.table.ragged else None


def find_form(doc: Document) -> _Found:
    """The 自评表 among the document's tables; a clear error when there is none."""
    incomplete: _Found | None = None
    for table in doc.tables:
        for index, row in enumerate(table.rows):
            if _is_indicator_header(row):
                found = _Found(table, index, _columns(row, indicator_field))
                if all(f in found.columns for f in REQUIRED):
                    return found
                incomplete = incomplete or found
    if incomplete is not None:
        _missing_column(incomplete)
    count = len(doc.tables)
    raise PerfrulesError(
        f"未找到自评表（文件中有 {count} 个表格，都没有「一级指标」「三级指标」「年度指标值」这样的表头）",
        position=Position(file=doc.file),
        expected="含有 一级指标、二级指标、三级指标、年度指标值、实际完成值、分值、得分 列的自评表",
        code="layout",
    )


def _missing_column(found: _Found) -> None:
    row = found.table.rows[found.header]
    missing = [f for f in REQUIRED if f not in found.columns]
    headers = "、".join(squash(c.text) for c in row if squash(c.text))
    first = next((c.position for c in row if clean(c.text)), row[0].position)
    raise PerfrulesError(
        f"自评表缺少「{'」「'.join(missing)}」列（找到的表头：{headers}）",
        position=first,
        expected="、".join(REQUIRED),
        code="layout",
    )


# ------------------------------------------------------------------ the submission
def build_submission(doc: Document) -> model.Submission:
    """The whole 自评表: header facts, budget block, indicator rows and the total."""
    check_size(doc)
    found = find_form(doc)
    top = found.table.rows[: found.header]
    labels = _labels(top)
    kind = _kind(found.table, labels)
    locations: dict[str, Position] = {}
    unit = _unit(kind, labels, found.table, doc, locations)
    year = _year(found.table.before, top, doc)
    rows, level_weights, total_row = _indicators(found, locations)
    extra: dict[str, str] = {k: v.text for k, v in labels.items() if k in ("项目名称", "主管部门", "实施单位")}
    for name, cell in [*_goals(top, found.table.ragged).items(), *_fund_parts(top).items()]:
        extra[name] = clean(cell.text)
        locations[name] = cell.position
    if doc.paragraphs:  # kept (not scored) so the jurisdiction can be read from the report
        extra["报告正文"] = "\n".join(doc.paragraphs)
    self_total = None
    if total_row is not None:
        self_total = _total(total_row, found, locations)
    return model.Submission(
        unit=unit,
        year=year,
        kind=kind,
        indicators=tuple(rows),
        budget=_budget(top, found.table.ragged),
        level_weights=level_weights,
        self_total=self_total,
        source=doc.file,
        reader=doc.reader,
        extra=extra,
        locations=locations,
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


# -- header facts -------------------------------------------------------------------
_LABEL = re.compile(r"^(?:.*?(?:单位|部门)(?:\(单位\))?名称|项目名称|主管部门|实施单位|填报单位)$")


def _label_name(text: str) -> str | None:
    """The canonical name of a label cell (区级预算部门（单位）名称 → 单位名称)."""
    key = squash(text).rstrip(":")
    if not _LABEL.match(key):
        return None
    if key in ("项目名称", "主管部门", "实施单位"):
        return key
    return "单位名称"


def _labels(rows: Iterable[Sequence[Cell]]) -> dict[str, Cell]:
    """Label → value cell for ``名称 | 值`` pairs (also ``单位名称：值`` in one cell)."""
    found: dict[str, Cell] = {}
    for row in rows:
        for index, cell in enumerate(row):
            name = _label_name(cell.text)
            if name is None:
                inline = re.match(r"^\s*([^:：]{2,20})[:：]\s*(\S.*)$", clean(cell.text), re.S)
                if inline and _label_name(inline.group(1)):
                    label = _label_name(inline.group(1))
                    assert label is not None
                    text = re.sub(r"\s+\S*[:：].*$", "", clean(inline.group(2)), flags=re.S)
                    found.setdefault(label, attrs.evolve(cell, text=text))
                continue
            value = next((c for c in row[index + 1 :] if clean(c.text) and not _label_name(c.text)), None)
            if value is not None:
                found.setdefault(name, value)
    return found


def _kind(table: Table, labels: Mapping[str, Cell]) -> str:
    """项目支出 when the form names a 项目 (header row or title), else 部门整体支出."""
    if "项目名称" in labels or any("项目支出绩效自评表" in squash(t) for t in table.before):
        return model.KIND_PROJECT
    title = [squash(c.text) for row in table.rows[:2] for c in row]
    if any("项目支出绩效自评表" in t for t in title):
        return model.KIND_PROJECT
    return model.KIND_DEPARTMENT


def _unit(kind: str, labels: Mapping[str, Cell], table: Table, doc: Document,
          locations: dict[str, Position]) -> str:
    order = ("实施单位", "主管部门", "单位名称") if kind == model.KIND_PROJECT else ("单位名称", "实施单位", "主管部门")
    for label in order:
        if label in labels and clean(labels[label].text):
            locations["单位名称"] = labels[label].position
            return clean(labels[label].text)
    unit = unit_from_text(doc.paragraphs)
    if unit:
        return unit
    raise PerfrulesError(
        "未找到单位名称：自评表中没有「单位名称」一栏，标题和正文中也没有",
        position=Position(file=doc.file),
        expected="表中一行「单位名称 | …」，或标题「2023年度××单位部门整体支出绩效自评报告」",
        code="layout",
    )


_TITLE_TAIL = re.compile(r"(?:部门)?(?:整体支出|项目支出)?(?:绩效)?(?:自评|评价)(?:报告|表)$")


def unit_from_text(paragraphs: Sequence[str]) -> str:
    """The unit named in the narrative: ``填报单位：…`` or the report's title lines."""
    for para in paragraphs:
        m = re.match(r"^\s*(?:填报单位|单位名称|部门名称|填报部门)\s*[:：]\s*(\S[^\s:：]*)", para)
        if m:
            return clean(m.group(1))
    title = ""
    for para in [p for p in paragraphs if clean(p)][:5]:
        title += squash(para)
        if _TITLE_TAIL.search(title):
            return re.sub(r"^(?:19|20)\d\d年度?", "", _TITLE_TAIL.sub("", title))
    return ""


def _year(before: Sequence[str], top: Sequence[Sequence[Cell]], doc: Document) -> int | None:
    """The year from the table's title, else from the narrative (``2023年度…``)."""
    texts = [*before, *(c.text for row in top for c in row), *doc.paragraphs]
    for pattern in (r"((?:19|20)\d\d)\s*年度", r"((?:19|20)\d\d)\s*年"):
        for text in texts:
            m = re.search(pattern, normalize(text))
            if m:
                return int(m.group(1))
    return None


# -- indicator rows -----------------------------------------------------------------
_WEIGHT_SUFFIX = re.compile(r"(?:\((\d+(?:\.\d+)?)分?\)|(\d+(?:\.\d+)?)分)$")


def split_level(text: str) -> tuple[str, Decimal | None]:
    """``产出指标\\n\\n(40分)`` → (产出指标, 40); ``经济效\\n益指标`` → 经济效益指标."""
    joined = re.sub(r"\s+", "", clean(text).replace("\u3000", " "))
    m = _WEIGHT_SUFFIX.search(normalize(joined))
    if not m:
        return joined, None
    return joined[: m.start()], points(checked(Decimal(m.group(1) or m.group(2)), "一级指标分值"), "一级指标分值")


_MONEY = (model.INITIAL_BUDGET, model.BUDGET, model.EXECUTED)


def _split(cell: Cell | None) -> tuple[str, Decimal | None]:
    """split_level on a cell, a bad (40分) weight located at the cell."""
    if cell is None:
        return "", None
    try:
        return split_level(cell.text)
    except PerfrulesError as err:
        pos = cell.position
        raise err.located(file=pos.file, line=pos.line, column=pos.column, source_line=pos.source_line,
                          cell=pos.cell) from None


def _number(cell: Cell | None, what: str) -> Decimal | None:
    if cell is None or clean(cell.text) in _NO_VALUE:
        return None
    try:
        number = to_decimal(clean(cell.text), f"「{what}」")
        return number if what in _MONEY else points(number, f"「{what}」")
    except PerfrulesError as err:
        pos = cell.position
        raise err.located(file=pos.file, line=pos.line, column=pos.column, source_line=pos.source_line,
                          cell=pos.cell) from None


def _is_total(row: Sequence[Cell]) -> bool:
    return any(squash(c.text).rstrip(":") in _TOTAL_LABELS for c in row)


def _indicators(found: _Found, locations: dict[str, Position],
                ) -> tuple[list[model.IndicatorRow], dict[str, Decimal], Sequence[Cell] | None]:
    """The rows under the header up to 总分, levels carried down where left blank."""
    width = found.width
    cols = found.columns
    rows: list[model.IndicatorRow] = []
    weights: dict[str, Decimal] = {}
    level1: Cell | None = None
    level2: Cell | None = None
    for row in found.table.rows[found.header + 1 :]:
        if _is_total(row):
            return rows, weights, row
        if _is_indicator_header(row):  # a header repeated on a new page
            continue
        own = {f: c for f, i in cols.items() if (c := _at(row, i, width)) is not None and clean(c.text)}
        if not own:
            continue
        if model.LEVEL1 in own:
            level1, level2 = own[model.LEVEL1], None
        if model.LEVEL2 in own:
            level2 = own[model.LEVEL2]
        name1, weight1 = _split(level1)
        if weight1 is not None and level1 is not None and name1 not in weights:
            weights[name1] = weight1
            locations[f"{LEVEL1_WEIGHT}.{name1}"] = level1.position
        level1_weight = _number(own.get(LEVEL1_WEIGHT), LEVEL1_WEIGHT)
        if level1_weight is not None and name1:
            weights[name1] = level1_weight
            locations[f"{LEVEL1_WEIGHT}.{name1}"] = own[LEVEL1_WEIGHT].position
        rows.append(_row(own, name1, level1, level2))
    return rows, weights, None


def _row(own: Mapping[str, Cell], name1: str, level1: Cell | None, level2: Cell | None) -> model.IndicatorRow:
    def text(field: str) -> str:
        return clean(own[field].text) if field in own else ""

    locations = {f: c.position for f, c in own.items() if f != LEVEL1_WEIGHT}
    if level1 is not None:
        locations[model.LEVEL1] = level1.position
    if level2 is not None:
        locations[model.LEVEL2] = level2.position
    return model.IndicatorRow(
        level1=name1,
        level2=_split(level2)[0],
        name=text(model.NAME),
        target=text(model.TARGET),
        actual=text(model.ACTUAL),
        weight=_number(own.get(model.WEIGHT), model.WEIGHT),
        self_score=_number(own.get(model.SCORE), model.SCORE),
        reason=text(model.REASON),
        locations=locations,
    )


def _total(row: Sequence[Cell], found: _Found, locations: dict[str, Position]) -> Decimal | None:
    """总分 | 100 | 98: the filed total is under 得分, else the last number in the row."""
    width = found.width
    start = next(i for i, c in enumerate(row) if squash(c.text).rstrip(":") in _TOTAL_LABELS)
    numbers = [c for c in row[start + 1 :] if clean(c.text) not in _NO_VALUE]
    if not numbers:
        return None
    short = width is not None and len(row) < width  # 总分 | 100 | 98 without the grid
    under_score = None if short else _at(row, found.columns[model.SCORE], width)
    chosen = under_score if under_score is not None and clean(under_score.text) else numbers[-1]
    if len(numbers) >= 2 and numbers[0] is not chosen:
        locations["总分"] = numbers[0].position
    locations["自评总分"] = chosen.position
    return _number(chosen, "总分")


# -- budget block, goals, fund parts ---------------------------------------------------
def _budget(rows: Sequence[Sequence[Cell]], ragged: bool) -> model.BudgetBlock | None:
    """年度预算申请: the header row, then the 年度资金总额 row (or the next one)."""
    for index, row in enumerate(rows):
        cols = _columns(row, budget_field)
        if model.BUDGET in cols and model.EXECUTED in cols:
            values = _budget_values(rows[index + 1 :])
            if values is None:
                return None
            return _budget_block(values, cols, len(row) if ragged else None)
    return None


def _budget_values(rows: Sequence[Sequence[Cell]]) -> Sequence[Cell] | None:
    for row in rows[:6]:
        if any("资金总额" in squash(c.text) or squash(c.text) == "合计" for c in row):
            return row
    return rows[0] if rows else None


def _budget_block(row: Sequence[Cell], cols: Mapping[str, int], width: int | None) -> model.BudgetBlock:
    cells = {f: c for f, i in cols.items() if (c := _at(row, i, width)) is not None and clean(c.text)}
    rate = cells.get(model.RATE)
    return model.BudgetBlock(
        initial_budget=_number(cells.get(model.INITIAL_BUDGET), model.INITIAL_BUDGET),
        budget=_number(cells.get(model.BUDGET), model.BUDGET),
        executed=_number(cells.get(model.EXECUTED), model.EXECUTED),
        weight=_number(cells.get(model.WEIGHT), model.WEIGHT),
        self_rate=clean(rate.text) if rate is not None and clean(rate.text) not in _NO_VALUE else "",
        self_score=_number(cells.get(model.SCORE), model.SCORE),
        locations={f: c.position for f, c in cells.items()},
    )


def _goals(rows: Sequence[Sequence[Cell]], ragged: bool) -> dict[str, Cell]:
    """年度总体目标: 预期目标 / 实际完成情况, kept as extra (not scored)."""
    for index, row in enumerate(rows):
        keys = [_key(c.text) for c in row]
        if not any(k.startswith("年度总体目标") or k == "总体目标" for k in keys):
            continue
        heads = {k: i for i, k in enumerate(keys) if k.startswith(("预期目标", "实际完成情况"))}
        if len(heads) < 2 or index + 1 >= len(rows):
            return {}
        nxt = rows[index + 1]
        out: dict[str, Cell] = {}
        for key, col in heads.items():
            cell = _at(nxt, col, len(row) if ragged else None)
            name = "预期目标" if key.startswith("预期目标") else "实际完成情况"
            if cell is not None and clean(cell.text):
                out[f"年度总体目标.{name}"] = cell
        return out
    return {}


def _fund_parts(rows: Sequence[Sequence[Cell]]) -> dict[str, Cell]:
    """``按收入性质分：9999.81`` cells of the budget block, kept as extra (not scored)."""
    out: dict[str, Cell] = {}
    for row in rows:
        for cell in row:
            text = clean(cell.text)
            m = re.match(r"^(?:其中[:：]\s*)?(.{2,30}?)[:：]\s*([\d.,，]*)\s*$", text)
            if m and _label_name(m.group(1)) is None:
                out.setdefault(f"资金构成.{squash(m.group(1))}", attrs.evolve(cell, text=m.group(2)))
    return out
