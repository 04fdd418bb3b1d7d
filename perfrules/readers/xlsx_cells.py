"""What an Excel cell shows, as text: its stored value read with its number format.

Numbers stored as numbers are read as int or float (as openpyxl read them); a float
is turned into its shortest decimal text (``repr``), which is the figure Excel
shows, and only that text is read as a Decimal.  A 执行率 stored as 1 with a percent
format reads ``100%``.  A number under a date format is a date (``2024-03-01``).

The date-format test, the built-in format table and the serial-to-date conversion
are openpyxl's (3.1, MIT licence), reduced to what is read here; the test suite
checks them against openpyxl's own.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

# The built-in number formats that matter here: percent (9, 10), dates and times
# (14-22, 45-47), elapsed time (46).  Every other id reads as a plain number.
BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
    12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)",
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)', 7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)', 42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
}
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)
WINDOWS_EPOCH = datetime.datetime(1899, 12, 30)
MAC_EPOCH = datetime.datetime(1904, 1, 1)


def is_date_format(fmt: str | None) -> bool:
    """Whether a number under *fmt* is a date or time (only the positive section counts)."""
    if fmt is None:
        return False
    return _DATE.search(_STRIP.sub("", fmt.split(";")[0])) is not None


def is_timedelta_format(fmt: str | None) -> bool:
    return fmt is not None and _TIMEDELTA.search(fmt.split(";")[0]) is not None


def from_excel(value: float, epoch: datetime.datetime, timedelta: bool) -> Any:
    """An Excel serial as a datetime, time or (elapsed-time format) timedelta."""
    if timedelta:
        td = datetime.timedelta(days=value)
        if td.microseconds:  # to the millisecond
            td = datetime.timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        mins, seconds = divmod(diff.seconds, 60)
        hours, mins = divmod(mins, 60)
        return datetime.time(hours, mins, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + datetime.timedelta(days=day) + diff


def cast_number(value: str) -> int | float:
    """A stored number as Excel wrote it: ``12`` an int, ``12.5`` / ``1E3`` a float."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def value_text(value: Any, number_format: str | None) -> str:
    """What a cell holding *value* under *number_format* shows (numbers without float noise)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            return str(value)
        if "%" in str(number_format or ""):
            return f"{plain(number * 100)}%"
        return plain(number)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def cell_text(cell: Any) -> str:
    """What an openpyxl-like cell (``.value``, ``.number_format``) shows, as text."""
    return value_text(getattr(cell, "value", None), getattr(cell, "number_format", None))


def plain(number: Decimal) -> str:
    """10.0 → 10, 9999.81 → 9999.81, never exponent notation."""
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")
