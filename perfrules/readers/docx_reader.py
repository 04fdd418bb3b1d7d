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
            row.extend(_empty(path, number, r, len(row) + 1 + k, merged=True) for k in range(_int(tc.grid_span) - 1))
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
