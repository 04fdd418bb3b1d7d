"""Text a unit filed, written into a workbook as data and nothing else.

A 偏差原因 of ``=HYPERLINK(…)`` must stay text in the auditor's workbook (OWASP's
CSV/formula injection): every string goes in as a string cell.  Characters XML 1.0
cannot hold (NUL, \\x01 …, lone surrogates) would make openpyxl refuse the whole
workbook: they are shown visibly instead (``\\x01``), so one input's bytes never cost a
batch its summary.  Numbers stay numbers: only perfrules' own figures are passed as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

EXCEL_CELL_CHARS = 32_767  # the most Excel shows in one cell
_SURROGATE = re.compile("[\ud800-\udfff]")


def workbook_text(text: str) -> str:
    """*text* as a workbook can hold it: illegal characters made visible, cut to a cell's size."""
    text = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    if len(text) > EXCEL_CELL_CHARS:
        text = text[: EXCEL_CELL_CHARS - 8] + "…（已截断）"
    return text


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append one row: strings as legal string cells (never a formula), other values as they are."""
    row = [workbook_text(v) if isinstance(v, str) else v for v in values]
    ws.append(row)
    for cell, value in zip(ws[ws.max_row], row):
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl takes a leading = as a formula; a unit's text is data
