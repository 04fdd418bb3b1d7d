"""An edited ruleset workbook → ruleset and case data shaped like their TOML files.

Every cell is read as what its column says it holds (text, whole number, number,
是/否, one item a line); a cell that is not is a problem at ``规则!C7`` with the
offending text.  Problems are collected over the whole workbook, not raised one by
one.  Formulas are refused, never evaluated (the workbook is read without cached
values, so ``=1+1`` is seen as the formula it is).  Sheets are read within the
limits of :mod:`perfrules.limits`.  Alongside the data comes a map from each TOML
key path to the cell it was read from, so later errors can point at cells too.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs

from perfrules.errors import PerfrulesError, Position, did_you_mean
from perfrules.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS
from perfrules.rulesetbook import layout
from perfrules.rulesetbook.layout import BOOL, INT, LIST, NUMBER, TEXT, VALUE, Column
from perfrules.tomlkeys import KeyPath

_DECIMAL = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
_YES, _NO = {"是", "true", "TRUE", "True", "Y", "y"}, {"否", "false", "FALSE", "False", "N", "n"}


@attrs.frozen
class Cell:
    ref: str  # 规则!C7
    value: Any
    data_type: str


@attrs.define
class Book:
    """What the workbook says, where it says it, and what is wrong with it."""

    file: str
    ruleset: dict[str, Any] = attrs.field(factory=dict)
    cases: dict[str, Any] = attrs.field(factory=dict)
    has_cases: bool = False
    source: str = ""
    cells: dict[KeyPath, str] = attrs.field(factory=dict)  # ruleset key path → cell
    case_cells: dict[KeyPath, str] = attrs.field(factory=dict)
    errors: list[PerfrulesError] = attrs.field(factory=list)

    def error(self, message: str, cell: Cell | str, *, text: str | None = None, **kw: Any) -> None:
        ref = cell.ref if isinstance(cell, Cell) else cell
        if text is None and isinstance(cell, Cell) and cell.value is not None:
            text = str(cell.value)
        shown = text if text is not None and "\n" not in text and len(text) <= 200 else None
        self.errors.append(PerfrulesError(message, position=Position(file=self.file, cell=ref), text=shown,
                                          offset=0 if shown else None, length=len(shown or " "), code="workbook", **kw))


# ------------------------------------------------------------------------- cells
def convert(book: Book, cell: Cell, kind: str, label: str) -> Any:
    """The cell's value as *kind*, or None (blank, or a problem recorded in *book*)."""
    v = cell.value
    if cell.data_type == "f" or (isinstance(v, str) and cell.data_type == "f"):
        formula = str(getattr(v, "text", v))
        book.error(f"「{label}」是公式：导入时不计算公式", cell, text=formula, suggestion="请把公式的结果直接填成文字或数字。")
        return formula  # kept as text, so a later check of this value points at this cell too
    if v is None or (isinstance(v, str) and not v.strip() and kind != VALUE):
        return None
    if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
        book.error(f"「{label}」过长（{len(v)} 个字符，上限 {MAX_CELL_CHARS}）", cell, text="")
        return None
    if isinstance(v, (datetime.date, datetime.time, datetime.timedelta)):
        book.error(f"「{label}」是 Excel 日期，不是文字", cell, text=str(v),
                   suggestion="请把单元格格式设为「文本」后重新填写（例如 2020-02）。")
        return None
    if isinstance(v, float):
        v = Decimal(repr(v))  # the figure Excel shows, never the binary float
        if not v.is_finite():  # 1.8e308 comes back from Excel as inf
            book.error(f"「{label}」不是有限的数字", cell, text=str(v))
            return None
        v = int(v) if v == v.to_integral_value() and kind != TEXT else v
    return _as_kind(book, cell, v, kind, label)


def _as_kind(book: Book, cell: Cell, v: Any, kind: str, label: str) -> Any:
    if kind == TEXT:
        return v if isinstance(v, str) else _wrong(book, cell, v, label, "文字") if isinstance(v, bool) else str(v)
    if kind == VALUE:
        return _wrong(book, cell, v, label, "文字或数字") if isinstance(v, bool) else v
    if kind == LIST:
        if isinstance(v, bool):
            return _wrong(book, cell, v, label, "文字")
        return [line.strip() for line in str(v).split("\n") if line.strip()] or None
    if kind == BOOL:
        if isinstance(v, bool):
            return v
        if str(v).strip() in _YES | _NO:
            return str(v).strip() in _YES
        return _wrong(book, cell, v, label, "「是」或「否」")
    if isinstance(v, str) and _DECIMAL.match(v):
        v = Decimal(v.strip())
        v = int(v) if v == v.to_integral_value() else v
    if kind == INT and isinstance(v, int) and not isinstance(v, bool):
        return v
    if kind == NUMBER and isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return v
    return _wrong(book, cell, v, label, "整数" if kind == INT else "数字")


def _wrong(book: Book, cell: Cell, v: Any, label: str, want: str) -> Any:
    book.error(f"「{label}」应当是{want}", cell, text=str(v), expected=want)
    return str(v) if not isinstance(v, bool) else None  # kept as text: the loader then points here too


# ------------------------------------------------------------------------ sheets
def read_sheets(book: Book, workbook: Any) -> dict[str, list[list[Cell]]]:
    """Each known sheet as rows of cells; unknown sheets and oversize sheets are problems."""
    from openpyxl.utils import get_column_letter

    sheets: dict[str, list[list[Cell]]] = {}
    for ws in workbook.worksheets:
        if ws.title not in layout.SHEET_NAMES:
            book.error(f"未知的工作表「{ws.title}」", f"{ws.title}!A1", text=ws.title,
                       expected="、".join(layout.SHEET_NAMES), suggestion=did_you_mean(ws.title, layout.SHEET_NAMES))
            continue
        if ws.title == layout.README:
            continue
        ws.reset_dimensions()
        rows: list[list[Cell]] = []
        for r, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
            if r > MAX_ROWS + 1:
                book.error(f"工作表「{ws.title}」行数过多（超过 {MAX_ROWS} 行）", f"{ws.title}!A{r}", text="")
                break
            cells = [Cell(f"{ws.title}!{get_column_letter(c)}{r}", x.value, getattr(x, "data_type", "n"))
                     for c, x in enumerate(row, start=1)]
            if len(cells) > MAX_COLUMNS and cells[MAX_COLUMNS].value is not None:
                book.error(f"工作表「{ws.title}」列数过多（超过 {MAX_COLUMNS} 列）", cells[MAX_COLUMNS], text="")
                break
            rows.append(cells[:MAX_COLUMNS])
        sheets[ws.title] = rows
    return sheets


def records(book: Book, name: str, rows: list[list[Cell]], columns: tuple[Column, ...],
            dynamic: bool = False) -> Iterator[tuple[int, dict[str, Any], dict[str, Cell]]]:
    """(sheet row, {column key: value}, {column key: cell}) for each non-blank row under the header.

    With *dynamic*, a header that is not a known column names a 自评表 column (用例)."""
    if not rows:
        return
    by_header = {c.header: c for c in columns}
    header: list[Column | None] = []
    for cell in rows[0]:
        title = cell.value.strip() if isinstance(cell.value, str) else cell.value
        if title is None or title == "":
            header.append(None)
        elif isinstance(title, str) and title in by_header:
            header.append(by_header[title])
        elif dynamic and isinstance(title, str):
            header.append(Column(title, title, VALUE))
        else:
            header.append(None)
            book.error(f"「{name}」表中未知的列「{title}」", cell, expected="、".join(by_header),
                       suggestion=did_you_mean(str(title), by_header))
    present = {c.key for c in header if c is not None}
    missing = [c.header for c in columns if c.key in layout.REQUIRED.get(name, ()) and c.key not in present]
    if missing:
        book.error(f"「{name}」表缺少列「{'」「'.join(missing)}」，整张表无法导入", f"{name}!A1", text="",
                   suggestion="请恢复导出时的列名（第一行）。")
        return
    for cells in rows[1:]:
        values: dict[str, Any] = {}
        where: dict[str, Cell] = {}
        for column, cell in zip(header, cells):
            if column is None:
                if cell.value not in (None, ""):
                    book.error(f"「{name}」表的这一列没有列名，内容无法导入", cell)
                continue
            where[column.key] = cell
            if column.kind == layout.RAW:
                continue
            value = convert(book, cell, column.kind, column.header)
            if value is not None:
                values[column.key] = value
        raw = [where[c.key] for c in header if c is not None and c.kind == layout.RAW and c.key in where]
        if values or any(c.value not in (None, "") for c in raw):
            row_number = int(re.sub(r"\D", "", cells[0].ref.split("!")[-1]))
            yield row_number, values, where
