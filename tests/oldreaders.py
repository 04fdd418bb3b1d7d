"""The readers before issue 14 item 3 (python-docx, openpyxl), kept only so that
tests/test_readers_equivalence.py can check the lxml readers give the same Document.

Copied from perfrules/readers/docx_reader.py and xlsx_reader.py at 34adb7d; one bug fixed
since in both (the grid columns of a cell spanning three or more).
"""
# ruff: noqa: E402

# ---------------------------------------------------------------- docx (python-docx)
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files
from perfrules.readers.grid import Cell, Document, Table, clean
from perfrules.readers.layout import build_submission

NAME = "docx"


def read_docx(path: str) -> Submission:
    """Read a .docx 自评表 (the first table that has the 自评表 header)."""
    return build_submission(docx_document(path))


def docx_document(path: str) -> Document:
    files.check_zip(path, ".docx")
    from docx import Document as open_docx  # type: ignore[import-untyped,unused-ignore]

    try:
        return _walk(open_docx(path), path)
    except PerfrulesError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a broken file
        raise files.error(f"无法打开 Word 文件：文件已损坏或不是 .docx（{type(exc).__name__}）", path,
                          suggestion="请用 Word/WPS 打开后重新另存为 .docx。") from None


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _blocks(parent: Any) -> Iterator[Any]:
    """Body paragraphs and tables in order, looking inside content controls (w:sdt)."""
    for child in parent.iterchildren():
        if _tag(child) == "sdt":
            for content in child.iterchildren():
                if _tag(content) == "sdtContent":
                    yield from _blocks(content)
        elif _tag(child) in ("p", "tbl"):
            yield child


def _walk(doc: Any, path: str) -> Document:
    """Paragraphs and tables of the body in document order."""
    tables: list[Table] = []
    paragraphs: list[str] = []
    recent: list[str] = []
    for block in _blocks(doc.element.body):
        if _tag(block) == "p":
            text = clean(paragraph_text(block))
            if text:
                paragraphs.append(text)
                recent.append(text)
        else:
            number = len(tables) + 1
            tables.append(Table(_grid(block, number, path), f"表{number}", tuple(recent[-3:])))
            recent = []
    return Document(file=path, reader=NAME, tables=tuple(tables), paragraphs=tuple(paragraphs))


_BREAKS = {"br": "\n", "cr": "\n", "tab": "\t", "noBreakHyphen": "-"}


def paragraph_text(p: Any) -> str:
    """A paragraph's text with tracked changes accepted (w:ins kept, w:del dropped).

    python-docx's ``Paragraph.text`` skips runs inside ``w:ins``; a table a reviewer
    edited with track changes on would lose the edits.  Text boxes' fallback copies
    (``mc:Fallback``) are skipped so nothing is read twice.
    """
    out: list[str] = []
    for element in p.iter():
        tag = _tag(element)
        if tag == "t" or (tag in _BREAKS and _tag(element.getparent()) == "r"):
            if any(_tag(a) in ("Fallback", "del") for a in element.iterancestors()):
                continue
            out.append(element.text or "" if tag == "t" else _BREAKS[tag])
    return "".join(out)


def _cell_text(tc: Any) -> str:
    """The cell's own paragraphs, one per line (nested tables are not read)."""
    return "\n".join(paragraph_text(p) for p in tc.iterchildren() if _tag(p) == "p")


def _grid(tbl: Any, number: int, path: str) -> tuple[tuple[Cell, ...], ...]:
    """The table as rows of grid cells; merged-over positions are empty cells."""
    rows: list[tuple[Cell, ...]] = []
    for r, tr in enumerate((c for c in tbl.iterchildren() if _tag(c) == "tr"), start=1):
        if r > MAX_ROWS:
            raise files.error(f"表{number} 行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", path)
        row: list[Cell] = [_empty(path, number, r, c + 1, merged=False) for c in range(_int(tr.grid_before))]
        for tc in tr.tc_lst:
            col = len(row) + 1
            if tc.vMerge == "continue":
                row.append(_empty(path, number, r, col, merged=True))
            else:
                row.append(Cell(_cell_text(tc), _position(path, number, r, col)))
            start = len(row) + 1  # fixed here as in the lxml reader: a generator read len(row) as it grew (2, 4, 6 …)
            row.extend([_empty(path, number, r, start + k, merged=True) for k in range(_int(tc.grid_span) - 1)])
            if len(row) > MAX_COLUMNS:
                raise files.error(f"表{number} 列数过多（超过 {MAX_COLUMNS} 列），不像是一份自评表", path)
        rows.append(tuple(row))
    return tuple(rows)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and 0 <= value <= MAX_COLUMNS else 1 if value else 0


def _position(path: str, table: int, row: int, col: int) -> Position:
    return Position(file=path, cell=f"表{table} 第{row}行 第{col}列")


def _empty(path: str, table: int, row: int, col: int, *, merged: bool) -> Cell:
    return Cell("", _position(path, table, row, col), merged=merged)

# ---------------------------------------------------------------- xlsx (openpyxl)
import datetime  # noqa: E402
from decimal import Decimal
from typing import Any

import attrs

from perfrules.errors import PerfrulesError, Position, os_reason
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files
from perfrules.readers.grid import Cell, Document, Table
from perfrules.readers.layout import build_submission

XLSX_NAME = "xlsx"


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
    return Document(file=path, reader=XLSX_NAME, tables=tables)


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
