"""Excel (.xlsx) submissions, through openpyxl in read-only mode.

Every worksheet is a candidate table; the layout picks the one with the 自评表 header.
In read-only mode merged cells keep their text in the top-left cell only and the
rest read as empty, which the layout takes as "same as above".  Cached values are
read (``data_only``), so a 得分 computed by a formula reads as the number shown.

Numbers stored as numbers come back from openpyxl as int or float; a float is
turned into its shortest decimal text (``repr``), which is the figure Excel shows,
and only that text is read as a Decimal.  A 执行率 stored as 1 with a percent format
reads ``100%``.  Positions read ``Sheet1!E12``.

A formula cell Excel never computed (a file written by a program, never opened in
Excel) has no cached value: it is read a second time without ``data_only`` and kept
as a :class:`Cell` with empty text and its formula, so the layout records it in
``unreadable`` rather than losing it.  A text cell that starts with ``=`` is text.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import attrs

from perfrules.errors import PerfrulesError, Position, os_reason
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files
from perfrules.readers.grid import Cell, Document, Table
from perfrules.readers.layout import build_submission

NAME = "xlsx"


def read_xlsx(path: str) -> Submission:
    """Read an .xlsx 自评表 (the first sheet that has the 自评表 header)."""
    return build_submission(xlsx_document(path))


def xlsx_document(path: str) -> Document:
    files.check_zip(path, ".xlsx")
    # openpyxl refuses a path not ending in .xlsx; a stream is read by content.
    try:
        with open(path, "rb") as stream:
            tables = _tables(stream, path)
    except OSError as exc:
        raise files.error(f"无法读取文件：{os_reason(exc)}", path, code="io") from None
    return Document(file=path, reader=NAME, tables=tables)


def _tables(stream: Any, path: str) -> tuple[Table, ...]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise files.error(f"无法打开 Excel 文件：文件已损坏或不是 .xlsx（{type(exc).__name__}）", path,
                          suggestion="请用 Excel/WPS 打开后重新另存为 .xlsx。") from None
    try:
        sheets = [(ws.title, _sheet_rows(ws, path)) for ws in workbook.worksheets]
        if files.sheets_have_formulas(path):  # some cell holds a formula: find those with no cached value
            stream.seek(0)
            sheets = _with_formulas(stream, sheets)
        return tuple(Table(rows, title) for title, rows in sheets)
    except PerfrulesError:
        raise
    except Exception as exc:
        raise files.error(f"读取 Excel 工作表失败：文件内容已损坏（{type(exc).__name__}）", path) from None
    finally:
        workbook.close()


def _with_formulas(stream: Any, sheets: list[tuple[str, tuple[tuple[Cell, ...], ...]]],
                   ) -> list[tuple[str, tuple[tuple[Cell, ...], ...]]]:
    """The formulas of the cells that had none cached, read without ``data_only``."""
    from openpyxl import load_workbook

    workbook = load_workbook(stream, read_only=True, data_only=False)
    try:
        out = []
        for ws, (title, rows) in zip(workbook.worksheets, sheets):
            formulas = {(r, c): str(cell.value)
                        for r, row in enumerate(ws.iter_rows(max_row=len(rows), max_col=MAX_COLUMNS))
                        for c, cell in enumerate(row)
                        if getattr(cell, "data_type", "") == "f" and r < len(rows) and c < len(rows[r])
                        and not rows[r][c].text}
            out.append((title, tuple(
                tuple(attrs.evolve(cell, formula=formulas.get((r, c), "")) for c, cell in enumerate(row))
                for r, row in enumerate(rows))))
        return out
    finally:
        workbook.close()


def _sheet_rows(ws: Any, path: str) -> tuple[tuple[Cell, ...], ...]:
    """The sheet as equal-length rows of cells, located ``Sheet1!E12``."""
    from openpyxl.utils import get_column_letter

    ws.reset_dimensions()  # the stored dimension is often wrong; read what is there
    texts: list[list[str]] = []
    # max_col: a cell written at XFD would otherwise make openpyxl pad every row to 16,384
    for r, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
        if r > MAX_ROWS:
            raise files.error(f"工作表「{ws.title}」行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", path)
        cells = [cell_text(c) for c in row]
        while cells and not cells[-1]:  # padding to max_col, not content
            cells.pop()
        texts.append(cells)
    while texts and not any(texts[-1]):
        texts.pop()
    width = max((len(t) for t in texts), default=0)
    return tuple(
        tuple(
            Cell(t[c] if c < len(t) else "", Position(file=path, cell=f"{ws.title}!{get_column_letter(c + 1)}{r}"))
            for c in range(width)
        )
        for r, t in enumerate(texts, start=1)
    )


def cell_text(cell: Any) -> str:
    """What the cell shows, as text (numbers without float noise)."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            return str(value)
        if "%" in str(getattr(cell, "number_format", "") or ""):
            return f"{_plain(number * 100)}%"
        return _plain(number)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _plain(number: Decimal) -> str:
    """10.0 → 10, 9999.81 → 9999.81, never exponent notation."""
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")
