"""Word (.docx) submissions, through python-docx.

The body is walked in order, so the paragraphs before each table are its caption
and the narrative gives the unit and year when the table lacks them.  Each table is
laid on its grid: a cell spanning columns (gridSpan) or continuing a vertical merge
(vMerge) leaves the covered grid positions empty, which the layout reads as "same as
above", exactly like a blank cell.  Positions read ``表2 第12行 第5列`` (1-based
table in the document, row, grid column).

python-docx parses with lxml with entity resolution off; the zip is checked for
size (zip bombs) before it is opened.
"""

from __future__ import annotations

from typing import Any

from perfrules.errors import PerfrulesError, Position
from perfrules.model import Submission
from perfrules.readers import files
from perfrules.readers.layout import Cell, Document, Table, build_submission, clean

NAME = "docx"
MAX_ROWS = 5000


def read_docx(path: str) -> Submission:
    """Read a .docx 自评表 (the first table that has the 自评表 header)."""
    return build_submission(docx_document(path))


def docx_document(path: str) -> Document:
    files.check_zip(path, ".docx")
    from docx import Document as open_docx  # type: ignore[import-untyped,unused-ignore]

    try:
        doc = open_docx(path)
    except PerfrulesError:
        raise
    except Exception as exc:  # python-docx raises many kinds on a broken file
        raise files.error(f"无法打开 Word 文件：文件已损坏或不是 .docx（{type(exc).__name__}）", path,
                          suggestion="请用 Word/WPS 打开后重新另存为 .docx。") from None
    return _walk(doc, path)


def _walk(doc: Any, path: str) -> Document:
    """Paragraphs and tables of the body in document order."""
    from docx.table import Table as DocxTable  # type: ignore[import-untyped,unused-ignore]
    from docx.text.paragraph import Paragraph  # type: ignore[import-untyped,unused-ignore]

    tables: list[Table] = []
    paragraphs: list[str] = []
    recent: list[str] = []
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = clean(Paragraph(child, doc).text)
            if text:
                paragraphs.append(text)
                recent.append(text)
        elif tag == "tbl":
            number = len(tables) + 1
            rows = _grid(DocxTable(child, doc), number, path)
            tables.append(Table(rows, f"表{number}", tuple(recent[-3:])))
            recent = []
    return Document(file=path, reader=NAME, tables=tuple(tables), paragraphs=tuple(paragraphs))


def _grid(table: Any, number: int, path: str) -> tuple[tuple[Cell, ...], ...]:
    """The table as rows of grid cells; merged-over positions are empty cells."""
    from docx.table import _Cell  # type: ignore[import-untyped,unused-ignore]

    rows: list[tuple[Cell, ...]] = []
    for r, tr in enumerate(table._tbl.tr_lst, start=1):
        if r > MAX_ROWS:
            raise files.error(f"表{number} 行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", path)
        row: list[Cell] = []
        for _ in range(tr.grid_before):
            row.append(_empty(path, number, r, len(row) + 1, merged=False))
        for tc in tr.tc_lst:
            col = len(row) + 1
            if tc.vMerge == "continue":
                row.append(_empty(path, number, r, col, merged=True))
            else:
                text = _Cell(tc, table).text
                row.append(Cell(text, _position(path, number, r, col)))
            for _ in range(tc.grid_span - 1):
                row.append(_empty(path, number, r, len(row) + 1, merged=True))
        rows.append(tuple(row))
    return tuple(rows)


def _position(path: str, table: int, row: int, col: int) -> Position:
    return Position(file=path, cell=f"表{table} 第{row}行 第{col}列")


def _empty(path: str, table: int, row: int, col: int, *, merged: bool) -> Cell:
    return Cell("", _position(path, table, row, col), merged=merged)
