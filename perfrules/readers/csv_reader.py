"""CSV (and tab-separated) submissions: a 自评表 saved from Excel as CSV.

Excel writes UTF-8 with a BOM, or GB18030 on Chinese Windows; both are read.  The
fields are split here rather than by the csv module, because each field's line and
column are wanted for positions, and quoted fields may hold line breaks
(``"产出指标\\n(40分)"``).  The separator is the one of ``,`` tab ``;`` that the first
line uses most.  Blank cells mean "same as above", as in a merged cell.
"""

from __future__ import annotations

from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files
from perfrules.readers.grid import Cell, Document, Table
from perfrules.readers.layout import build_submission

NAME = "csv"


def read_csv(path: str) -> Submission:
    text = files.decode_text(files.read_bytes(path), path)
    return parse_csv(text, path)


def parse_csv(text: str, file: str | None = None) -> Submission:
    return build_submission(Document(file=file, reader=NAME, tables=(Table(csv_rows(text, file), "CSV"),)))


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((",", "\t", ";"), key=first.count)


def csv_rows(text: str, file: str | None) -> tuple[tuple[Cell, ...], ...]:
    """RFC 4180 fields with the 1-based line and character column where each starts."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    sep = _delimiter(text)
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    i, line, col = 0, 1, 1
    while i <= len(text):
        start_line, start_col = line, col
        value, i, line, col = _field(text, i, line, col, sep)
        src = lines[start_line - 1] if start_line <= len(lines) else ""
        row.append(Cell(value, Position(file=file, line=start_line, column=start_col, source_line=src)))
        if len(row) > MAX_COLUMNS:  # checked here: short rows are padded to the widest
            raise PerfrulesError(f"CSV 列数过多（超过 {MAX_COLUMNS} 列），不像是一份自评表", position=row[-1].position,
                                 code="format")
        if i >= len(text) or text[i] == "\n":
            if any(c.text for c in row):
                rows.append(row)
            if len(rows) > MAX_ROWS:
                raise files.error(f"CSV 行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", file)
            row = []
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    width = max((len(r) for r in rows), default=0)
    return tuple(tuple(r + [_pad(file, r[-1].position)] * (width - len(r))) for r in rows)


def _field(text: str, i: int, line: int, col: int, sep: str) -> tuple[str, int, int, int]:
    """One field from *i*; returns it and the index of the separator or newline after it."""
    if i < len(text) and text[i] == '"':
        out: list[str] = []
        i, col = i + 1, col + 1
        while i < len(text):
            ch = text[i]
            if ch == '"' and text[i + 1 : i + 2] == '"':
                out.append('"')
                i, col = i + 2, col + 2
            elif ch == '"':
                i, col = i + 1, col + 1
                break
            else:
                out.append(ch)
                line, col = (line + 1, 1) if ch == "\n" else (line, col + 1)
                i += 1
        # text after the closing quote up to the separator is kept, as Excel does
        while i < len(text) and text[i] not in (sep, "\n"):
            out.append(text[i])
            i, col = i + 1, col + 1
        return "".join(out), i, line, col
    start = i
    end = text.find("\n", i)
    end = len(text) if end < 0 else end
    j = text.find(sep, i, end)  # str.find within the line, not a Python loop: a 40 MB cell at C speed
    i = end if j < 0 else j
    return text[start:i], i, line, col + (i - start)


def _pad(file: str | None, last: Position) -> Cell:
    """A missing trailing field: empty, on the row's last line."""
    return Cell("", Position(file=file, line=last.line))
