"""An .xlsx workbook's shared strings and number formats, as openpyxl read them.

A shared or inline string is its plain text (``<t>``) followed by the text of each
rich-text run (``<r><t>``), phonetic guides (``<rPh>``) left out; a shared string
drops Excel's ``x005F_`` escape prefix, as openpyxl does.  A cell's style (``s``)
indexes ``cellXfs``; its ``numFmtId`` names a custom format (``numFmts``) or a
built-in one, which says whether the number is a percentage or a date.
"""

from __future__ import annotations

from typing import Any

import attrs

from perfrules.readers import ooxml
from perfrules.readers.xlsx_cells import BUILTIN_FORMATS, is_date_format, is_timedelta_format

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = "xl/styles.xml"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def text_content(node: Any) -> str:
    """A ``<si>`` or ``<is>`` element's text: its last ``<t>``, then each run's last ``<t>``."""
    plain: str | None = None
    runs: list[str] = []
    for child in node:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            text: str | None = None
            for part in child:
                if _local(part.tag) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return (plain or "") + "".join(runs) if plain is not None else "".join(runs)


def shared_strings(root: Any) -> list[str]:
    """The shared string table (``<si>`` elements anywhere, in order)."""
    return [text_content(si).replace("x005F_", "") for si in root.iter(f"{{{MAIN}}}si")]


@attrs.frozen
class Styles:
    formats: tuple[str | None, ...] = (None,)  # number format code of each cell style (cellXfs)
    dates: frozenset[int] = frozenset()  # cell styles whose numbers are dates or times
    timedeltas: frozenset[int] = frozenset()  # … elapsed times ([h]:mm:ss)

    def number_format(self, style: int) -> str:
        """The number format code of cell style *style* ("General" when unknown)."""
        try:
            return self.formats[style] or "General"
        except IndexError:
            return "General"


def read_styles(package: ooxml.Package) -> Styles:
    """The cell styles' number formats from xl/styles.xml (openpyxl's defaults without it)."""
    if STYLES not in package.names:
        return Styles()
    root = package.xml(STYLES)
    custom: dict[int, str] = {}
    for numfmts in root.iterchildren("{*}numFmts"):
        for numfmt in numfmts.iterchildren("{*}numFmt"):
            custom[int(numfmt.get("numFmtId", ""))] = str(numfmt.get("formatCode", ""))
    ids = [int(xf.get("numFmtId", 0)) for xfs in root.iterchildren("{*}cellXfs") for xf in xfs.iterchildren("{*}xf")]
    if not ids:
        return Styles()
    formats = tuple(custom[i] if i in custom else BUILTIN_FORMATS.get(i) for i in ids)
    return Styles(formats=formats,
                  dates=frozenset(i for i, f in enumerate(formats) if is_date_format(f)),
                  timedeltas=frozenset(i for i, f in enumerate(formats) if is_timedelta_format(f)))
