"""Text a unit filed, written to a workbook: always data, never a formula.

Every xlsx writer of perfrules goes through here (issue 12, items 1-2).
A cell text a unit typed (a name, a 偏差原因, an error message echoing its bytes)
may hold characters XML 1.0 forbids, which make openpyxl refuse the whole
workbook, or begin with ``=``, ``+``, ``-``, ``@``, a tab or CR, which a
spreadsheet would run as a formula (OWASP, "CSV Injection").  Illegal characters
are shown as their Unicode control pictures (U+2400 block) or ``\\xNN``, so the
auditor sees that they were there; numbers perfrules computed stay numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl loads only when a workbook is written
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

#: What openpyxl refuses (its ILLEGAL_CHARACTERS_RE: C0 controls but tab, LF, CR), plus
#: lone surrogates and U+FFFE/U+FFFF, which no XML writer can encode.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def visible(ch: str) -> str:
    """A character no workbook may hold, as something a reader sees."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ␁ … the control pictures
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def legal_text(text: str) -> str:
    """*text* with every character a workbook cannot hold made visible."""
    return _ILLEGAL.sub(lambda m: visible(m.group()), text)


def put(cell: Cell, value: Any) -> None:
    """Write *value* to *cell*: a str always as a string cell, a number as a number."""
    if isinstance(value, str):
        cell.value = legal_text(value)
        cell.data_type = "s"  # after assigning: openpyxl makes "=…" a formula otherwise
    else:
        cell.value = value


def append(ws: Worksheet, values: list[Any]) -> None:
    """``ws.append`` that writes every str as text (see :func:`put`).  The text cells are
    made here, typed, and appended as cells: finding the new row again (``ws[ws.max_row]``)
    scans every cell of the sheet, which made a summary of thousands of units quadratic."""
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for column, value in enumerate(values, 1):
        if isinstance(value, str):
            cell = Cell(ws, row=1, column=column, value=legal_text(value))  # ws.append sets its row
            cell.data_type = "s"  # after assigning: openpyxl makes "=…" a formula otherwise
            row.append(cell)
        else:
            row.append(value)
    ws.append(row)
