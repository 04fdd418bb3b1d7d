"""The Word plain-text export (另存为 纯文本 .txt) of a self-evaluation report.

Word writes each table cell on its own line starting with a tab, the cell's further
paragraphs on following lines without one, and a blank line after each row; all the
rest is the narrative.  A blank line is ambiguous: it ends a row, or it is an empty
paragraph inside a cell (``产出指标\\n\\n(40分)``).  It is read as inside the cell
when the lines after it have no tab and are followed directly by the next cell.

Positions are the line of the cell's tab line, column 2 (just after the tab).
"""

from __future__ import annotations

import re

from perfrules.errors import Position
from perfrules.model import Submission
from perfrules.readers import files
from perfrules.readers.grid import Cell, Document, Table, clean
from perfrules.readers.layout import build_submission

NAME = "text"
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


def read_text_export(path: str) -> Submission:
    """Read a .txt Word export from disk (UTF-8, UTF-8 BOM or GB18030)."""
    text = files.decode_text(files.read_bytes(path), path)
    return parse_text_export(text, path)


def parse_text_export(text: str, file: str | None = None) -> Submission:
    """The export as Word writes it; a tab-separated table saved as .txt goes to CSV."""
    if looks_tab_separated(text):
        from perfrules.readers.csv_reader import parse_csv

        return parse_csv(text, file)
    return build_submission(document_from_text(text, file))


def looks_tab_separated(text: str) -> bool:
    """Excel's 文本文件（制表符分隔）/ Unicode 文本: most lines hold several tabs.

    Word's export puts one tab at the start of a cell line and none inside it.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    inner = sum(1 for line in lines if line.count("\t", 1) >= 2)
    return bool(lines) and inner * 2 >= len(lines)


def _is_blank(line: str) -> bool:
    return not line.strip(" \r")


def _continues_cell(lines: list[str], i: int) -> bool:
    """At a blank line: do the tab-less lines after it belong to the open cell?"""
    j = i + 1
    while j < len(lines) and not lines[j].startswith("\t") and not _is_blank(lines[j]):
        j += 1
    return j > i + 1 and j < len(lines) and lines[j].startswith("\t")


def document_from_text(text: str, file: str | None) -> Document:
    """Split the export into narrative paragraphs and tables of positioned cells."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tables: list[Table] = []
    paragraphs: list[str] = []
    recent: list[str] = []  # narrative lines since the last table: the next one's caption
    i = 0
    while i < len(lines):
        if lines[i].startswith("\t"):
            rows, i = _table(lines, i, file)
            tables.append(Table(rows, f"表{len(tables) + 1}", tuple(recent[-3:]), ragged=True))
            recent = []
            continue
        line = _BOOKMARK.sub("", lines[i])
        if clean(line):
            paragraphs.append(clean(line))
            recent.append(clean(line))
        i += 1
    return Document(file=file, reader=NAME, tables=tuple(tables), paragraphs=tuple(paragraphs))


def _table(lines: list[str], i: int, file: str | None) -> tuple[tuple[tuple[Cell, ...], ...], int]:
    """The rows of the table starting at line *i*, and the line after it."""
    rows: list[tuple[Cell, ...]] = []
    row: list[Cell] = []
    parts: list[str] = []
    start = 0

    def close_cell() -> None:
        if parts:
            pos = Position(file=file, line=start + 1, column=2, source_line=lines[start],
                           length=max(1, len(lines[start]) - 1))
            row.append(Cell(_BOOKMARK.sub("", "\n".join(parts)), pos))
            parts.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            close_cell()
            start, parts[:] = i, [line[1:]]
        elif _is_blank(line) and parts and _continues_cell(lines, i):
            parts.append("")
        elif _is_blank(line):
            close_cell()
            if row:
                rows.append(tuple(row))
                row = []
            if i + 1 >= len(lines) or not lines[i + 1].startswith("\t"):
                return tuple(rows), i + 1
        elif parts:
            parts.append(line)
        else:
            break
        i += 1
    close_cell()
    if row:
        rows.append(tuple(row))
    return tuple(rows), i
