"""Excel (.xlsx) submissions, read from the sheet XML with lxml.

Every worksheet is a candidate table (hidden ones too); the layout picks the one
with the 自评表 header.  Merged cells keep their text in the top-left cell only and
the rest read as empty, which the layout takes as "same as above".  Cached values
are read, so a 得分 computed by a formula reads as the number shown; numbers are
read with their format (:mod:`perfrules.readers.xlsx_cells`).  Positions read
``Sheet1!E12``.

A formula cell Excel never computed (a file written by a program, never opened in
Excel) has no cached value: it is kept as a :class:`Cell` with empty text and its
formula, so the layout records it in ``unreadable`` rather than losing it.  A text
cell that starts with ``=`` is text.

Only the parts needed are read (content types, workbook, its relationships, styles,
shared strings, the sheets), with the hardened parser of
:mod:`perfrules.readers.ooxml`, after the zip's size is checked.  The Document is
the one openpyxl's read-only mode gave before (tests/oldreaders.py keeps that reader
for the equivalence test): rows where the sheet puts them, a cell's column from its
``r``, a repeated row or column read once.
"""

from __future__ import annotations

import functools
from string import ascii_uppercase, digits
from typing import TYPE_CHECKING, Any

from lxml import etree  # type: ignore[import-untyped,unused-ignore]

from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files, ooxml
from perfrules.readers.grid import Cell, Document, Table
from perfrules.readers.layout import build_submission
from perfrules.readers.xlsx_cells import (MAC_EPOCH, WINDOWS_EPOCH, cast_number, cell_text, from_excel,
                                          value_text)
from perfrules.readers.xlsx_styles import Styles, read_styles, shared_strings, text_content

if TYPE_CHECKING:
    import zipfile

__all__ = ["NAME", "cell_text", "read_xlsx", "xlsx_document"]

NAME = "xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _V, _F, _IS = (f"{{{MAIN}}}{t}" for t in ("row", "v", "f", "is"))
WORKBOOK_TYPES = ("application/vnd.ms-excel.template.macroEnabled.main+xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
                  "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_BAD_TITLE = set("\\*?:/[]")
_STREAM_BYTES = 4 * 1024 * 1024  # sheets larger than this are read row by row, not as one tree

Rows = tuple[tuple[Cell, ...], ...]


def read_xlsx(path: str, opened: zipfile.ZipFile | None = None) -> Submission:
    """Read an .xlsx 自评表 (the first sheet that has the 自评表 header)."""
    return build_submission(xlsx_document(path, opened))


def xlsx_document(path: str, opened: zipfile.ZipFile | None = None) -> Document:
    """The file's tables as grids (*opened*: the zip, when the caller has opened it to sniff it)."""
    phase = "open"
    try:
        zf, package = ooxml.open_package(path, ".xlsx", ooxml.parser(), opened)
        with zf:
            book = _Book(package)
            phase = "sheets"
            tables = tuple(Table(_sheet_rows(book, title, member, path), title) for title, member in book.sheets)
    except PerfrulesError:
        raise
    except ooxml.Refused:
        raise files.error("Excel 文件含有 DTD（XML 实体声明），为防止 XML 炸弹拒绝读取", path,
                          suggestion="请用 Excel/WPS 打开后重新另存为 .xlsx。") from None
    except Exception as exc:  # lxml, zipfile, zlib, int() … raise many kinds on a broken file
        if phase == "open":
            raise files.error(f"无法打开 Excel 文件：文件已损坏或不是 .xlsx（{type(exc).__name__}）", path,
                              suggestion="请用 Excel/WPS 打开后重新另存为 .xlsx。") from None
        raise files.error(f"读取 Excel 工作表失败：文件内容已损坏（{type(exc).__name__}）", path) from None
    return Document(file=path, reader=NAME, tables=tables)


class _Book:
    """The workbook's sheets (title, member) in order, its strings, styles and date epoch."""

    def __init__(self, package: ooxml.Package) -> None:
        self.package = package
        defaults, _ = package.content_types()
        part = next((name[1:] for kind in WORKBOOK_TYPES for name, ct in package.overrides if ct == kind), None)
        if part is None:
            if not set(defaults.values()) & set(WORKBOOK_TYPES):
                raise ooxml.Broken("没有工作簿")
            part = "xl/workbook.xml"
        strings = next((name[1:] for name, ct in package.overrides if ct == SHARED_STRINGS), None)
        root = package.xml(part)
        self.strings = shared_strings(package.xml(strings)) if strings is not None else []
        pr = next(root.iterchildren("{*}workbookPr"), None)
        date1904 = pr is not None and pr.get("date1904", "") not in ("false", "f", "0", "")
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        self.styles: Styles = read_styles(package)
        rels = package.rels(part)
        self.sheets: list[tuple[str, str]] = []
        for sheets in root.iterchildren("{*}sheets"):
            for sheet in sheets.iterchildren("{*}sheet"):
                rid = sheet.get(f"{{{ooxml.REL_NS}}}id")
                if not rid:
                    continue
                kind, member = rels[rid]
                if member not in package.names or "chartsheet" in kind:
                    continue
                title = sheet.get("name")
                if not title or _BAD_TITLE & set(title):
                    raise ooxml.Broken("工作表名称无效")
                self.sheets.append((title, member))


def _rows(book: _Book, member: str) -> Any:
    """The sheet's row elements in order: from one tree, or streamed for a large sheet."""
    info = book.package.zip.getinfo(member)
    if info.file_size <= _STREAM_BYTES:
        root = book.package.xml(member)
        yield from root.iter(_ROW)
        return
    with book.package.zip.open(member) as stream:
        checked = False
        for _event, row in etree.iterparse(stream, events=("end",), tag=_ROW, resolve_entities=False,
                                           no_network=True, huge_tree=False, load_dtd=False):
            if not checked:
                ooxml.refuse_dtd(row)
                checked = True
            yield row
            row.clear(keep_tail=False)
            while row.getprevious() is not None:
                del row.getparent()[0]


def _sheet_rows(book: _Book, title: str, member: str, path: str) -> Rows:
    """The sheet as equal-length rows of cells, located ``Sheet1!E12``."""
    texts: list[list[str]] = []
    uncached: dict[tuple[int, int], Any] = {}  # (row, col) → the <f> of a cell with no cached value
    shared: dict[str | None, tuple[str, str | None]] = {}  # shared formula index → (text, cell)
    counter, number = 1, 0
    for row in _rows(book, member):
        number = _row_number(row.get("r"), number)
        if number < counter:  # a repeated or out-of-order row is read once
            _register_shared(row, shared)
            continue
        if number > MAX_ROWS:
            raise files.error(f"工作表「{title}」行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", path)
        texts.extend([] for _ in range(counter, number))
        counter = number + 1
        cells: dict[int, str] = {}
        column = 0
        for c in row:
            if not isinstance(c.tag, str):
                continue
            coordinate = c.get("r")
            column = _column(coordinate) if coordinate else column + 1
            v, f, inline = _children(c)
            text = _text(book, c, v, inline)
            if column > MAX_COLUMNS:
                continue
            cells[column] = text
            if f is not None and not text:
                uncached[(number - 1, column - 1)] = _formula(f, coordinate, shared)
            else:
                uncached.pop((number - 1, column - 1), None)
        line = [""] * max(cells, default=0)
        for col, text in cells.items():
            line[col - 1] = text
        while line and not line[-1]:
            line.pop()
        texts.append(line)
    while texts and not any(texts[-1]):
        texts.pop()
    width = max((len(t) for t in texts), default=0)
    formulas = _formulas(uncached, len(texts), width, path) if uncached else {}
    locate = functools.partial(_position, path, [f"{title}!{_letter(c + 1)}" for c in range(width)])
    return tuple(
        tuple(Cell(t[c] if c < len(t) else "", formula=formulas.get((r, c), "") if formulas else "",
                   at=(locate, r, c)) for c in range(width))
        for r, t in enumerate(texts))


def _position(path: str, letters: list[str], row: int, col: int) -> Position:
    """``Sheet1!E12`` for the 0-based *row* and *col* of the table read."""
    return Position(file=path, cell=f"{letters[col]}{row + 1}")


def _children(c: Any) -> tuple[Any, Any, Any]:
    """A cell's first ``<v>``, ``<f>`` and ``<is>`` (None for none): one pass over its
    children, where a find() each cost several times more."""
    v = f = inline = None
    for child in c:
        tag = child.tag
        if tag == _V:
            v = child if v is None else v
        elif tag == _F:
            f = child if f is None else f
        elif tag == _IS:
            inline = child if inline is None else inline
    return v, f, inline


def _text(book: _Book, c: Any, v: Any, inline: Any) -> str:
    """What the cell *c* shows, given its ``<v>`` and ``<is>`` (openpyxl's parse_cell with
    cached values, then cell_text)."""
    kind = c.get("t", "n")
    if kind == "inlineStr":
        return "" if inline is None else text_content(inline)
    value: Any = (v.text if v is not None else None) or None
    if value is None:
        return ""
    style = c.get("s", 0)
    style = int(style) if style else 0
    if kind == "n":
        value = cast_number(value)
        if style in book.styles.dates:
            try:
                value = from_excel(value, book.epoch, timedelta=style in book.styles.timedeltas)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return value_text(value, book.styles.number_format(style))
    if kind == "s":
        return book.strings[int(value)]
    if kind == "b":
        return "是" if int(value) else "否"
    if kind == "d":
        from openpyxl.utils.datetime import from_ISO8601  # rare: a date stored as ISO text

        return value_text(from_ISO8601(value), None)  # type: ignore[no-untyped-call,unused-ignore]
    return str(value)


def _register_shared(row: Any, shared: dict[str | None, tuple[str, str | None]]) -> None:
    """A row read once already still defines the shared formulas in it."""
    for c in row:
        f = _children(c)[1] if isinstance(c.tag, str) else None
        if f is not None:
            _formula(f, c.get("r"), shared)


def _formula(f: Any, coordinate: str | None, shared: dict[str | None, tuple[str, str | None]]) -> Any:
    """The formula of an ``<f>``, as openpyxl reads it in order: the first cell of a shared
    formula holds its text and defines it; the later ones are that text moved to them.
    The translation is left for when it is needed (a formula with no cached value)."""
    text = "=" + (f.text or "")
    if f.get("t") == "shared":
        index = f.get("si")
        if index in shared:
            return shared[index] + (coordinate,)
        if text != "=":
            shared[index] = (text, coordinate)
    return text


def _formulas(uncached: dict[tuple[int, int], Any], height: int, width: int, path: str) -> dict[tuple[int, int], str]:
    """The formula text of each cell with no cached value, inside the table read."""
    if not files.sheets_have_formulas(path):  # as before: a sheet holds "<f>" or "<f " (not only "<f/>")
        return {}
    out: dict[tuple[int, int], str] = {}
    for (r, c), formula in uncached.items():
        if r >= height or c >= width:
            continue
        if isinstance(formula, tuple):  # (origin text, origin cell, this cell): a shared formula
            from openpyxl.formula.translate import Translator  # rare: a shared formula never computed

            origin, where, here = formula
            formula = Translator(origin, where).translate_formula(here)
        out[(r, c)] = str(formula)
    return out


def _row_number(r: str | None, previous: int) -> int:
    if r is None:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        value = float(r)
        if not value.is_integer():
            raise
        return int(value)


_LETTERS = {letter: i for i, letter in enumerate(ascii_uppercase, start=1)}


def _column(coordinate: str) -> int:
    """The column of ``E12`` (5), as openpyxl reads it; the row part must be a number."""
    letters = coordinate.rstrip(digits)
    if letters != coordinate and letters in _COLUMNS:  # the usual E12
        return _COLUMNS[letters]
    idx = 0
    for idx, ch in enumerate(coordinate):
        if ch in digits:
            break
    letters, row = coordinate[:idx], coordinate[idx:]
    int(row)
    if len(letters) > 3:
        raise ValueError(coordinate)
    index = 0
    for letter, power in zip(reversed(letters.upper()), (1, 26, 676)):
        index += _LETTERS[letter] * power
    if not 0 < index < 18279:
        raise ValueError(coordinate)
    return index


def _letter(index: int) -> str:
    if index < len(_NAMES):
        return _NAMES[index]
    return _letter_of(index)


def _letter_of(index: int) -> str:
    """5 → E, 27 → AA."""
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = ascii_uppercase[rest] + out
    return out


_NAMES = [""] + [_letter_of(i) for i in range(1, 703)]  # A … ZZ
_COLUMNS = {name: i for i, name in enumerate(_NAMES) if name}
