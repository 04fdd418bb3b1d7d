"""Word (.docx) submissions, read from word/document.xml with lxml.

The body is walked in order, so the paragraphs before each table are its caption
and the narrative gives the unit and year when the table lacks them.  Each table is
laid on its grid: a cell spanning columns (gridSpan) or continuing a vertical merge
(vMerge) leaves the covered grid positions empty, which the layout reads as "same as
above", exactly like a blank cell.  Positions read ``表2 第12行 第5列`` (1-based
table in the document, row, grid column).

Only the parts needed are read: the package relationships (which part is the main
document), the content types (that it is a Word document, not a template or a
macro-enabled one) and the document itself, with the hardened parser of
:mod:`perfrules.readers.ooxml`; the zip is checked for size (zip bombs) first.  The
result is the Document python-docx gave before (tests/oldreaders.py keeps that
reader for the equivalence test).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files, ooxml
from perfrules.readers.grid import Cell, Document, Locate, Table, clean
from perfrules.readers.layout import build_submission

if TYPE_CHECKING:
    import zipfile

NAME = "docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCUMENT, _BODY, _TC, _TRPR, _TCPR = (f"{{{W}}}{t}" for t in ("document", "body", "tc", "trPr", "tcPr"))
_GRID_BEFORE, _GRID_SPAN, _VMERGE, _VAL = (f"{{{W}}}{t}" for t in ("gridBefore", "gridSpan", "vMerge", "val"))
_P, _TBL, _TR, _SDT, _SDT_CONTENT = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "sdt", "sdtContent"))


def read_docx(path: str, opened: zipfile.ZipFile | None = None) -> Submission:
    """Read a .docx 自评表 (the first table that has the 自评表 header)."""
    return build_submission(docx_document(path, opened))


def docx_document(path: str, opened: zipfile.ZipFile | None = None) -> Document:
    """The file's tables as grids (*opened*: the zip, when the caller has opened it to sniff it)."""
    try:
        zf, package = ooxml.open_package(path, ".docx", ooxml.parser(remove_blank_text=True), opened)
        with zf:
            return _walk(_body(package), path)
    except PerfrulesError:
        raise
    except ooxml.Refused:
        raise files.error("Word 文件含有 DTD（XML 实体声明），为防止 XML 炸弹拒绝读取", path,
                          suggestion="请用 Word/WPS 打开后重新另存为 .docx。") from None
    except Exception as exc:  # lxml, zipfile, zlib, int() … raise many kinds on a broken file
        raise files.error(f"无法打开 Word 文件：文件已损坏或不是 .docx（{type(exc).__name__}）", path,
                          suggestion="请用 Word/WPS 打开后重新另存为 .docx。") from None


def _body(package: ooxml.Package) -> Any:
    """The w:body of the main document part (found as python-docx finds it)."""
    main = [member for kind, member in package.rels("").values() if kind == OFFICE_DOCUMENT]
    if not main:
        raise ooxml.Broken("没有主文档")
    kind = package.content_type("/" + main[0])
    if kind != MAIN:
        raise ooxml.Broken(f"不是 Word 文档（{kind}）")
    root = package.xml(main[0])
    if root.tag != _DOCUMENT:
        raise ooxml.Broken("主文档不是 w:document")
    body = root.find(_BODY)
    if body is None:
        raise ooxml.Broken("没有 w:body")
    return body


def _blocks(parent: Any) -> list[Any]:
    """Body paragraphs and tables in order, looking inside content controls (w:sdt)."""
    out: list[Any] = []
    for child in parent:
        tag = child.tag
        if tag == _SDT:
            for content in child:
                if content.tag == _SDT_CONTENT:
                    out.extend(_blocks(content))
        elif tag == _P or tag == _TBL:
            out.append(child)
    return out


_LOCAL: dict[str, str] = {}  # a tag → its local name (every element of a kind shares its tag)


def _tag(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # a comment or a processing instruction
        return ""
    local = _LOCAL.get(tag)
    if local is None:
        local = _LOCAL[tag] = tag.rsplit("}", 1)[-1]
    return local


def _walk(body: Any, path: str) -> Document:
    """Paragraphs and tables of the body in document order."""
    skipped = _skipped(body)
    tables: list[Table] = []
    paragraphs: list[str] = []
    recent: list[str] = []
    for block in _blocks(body):
        if block.tag == _P:
            text = clean(_paragraph(block, skipped))
            if text:
                paragraphs.append(text)
                recent.append(text)
        else:
            number = len(tables) + 1
            tables.append(Table(_grid(block, number, path, skipped), f"表{number}", tuple(recent[-3:])))
            recent = []
    return Document(file=path, reader=NAME, tables=tuple(tables), paragraphs=tuple(paragraphs))


# A paragraph's text is every ``t`` inside it (breaks and tabs of a run as ``\n`` and
# ``\t``), tracked changes accepted: ``w:ins`` kept, ``w:del`` dropped, and text boxes'
# fallback copies (``mc:Fallback``) skipped so nothing is read twice.  Tags are matched
# by local name, whatever their namespace.
_BREAKS = {"br": "\n", "cr": "\n", "tab": "\t", "noBreakHyphen": "-"}
_TEXT_TAGS = ("{*}t", *(f"{{*}}{b}" for b in _BREAKS))


def _skipped(body: Any) -> set[Any]:
    """The text elements inside a w:del or an mc:Fallback: never read.  (No paragraph
    read sits inside one, so such an ancestor is always one below the paragraph.)"""
    return {e for skip in body.iter("{*}del", "{*}Fallback") for e in skip.iter(*_TEXT_TAGS)}


def _paragraph(p: Any, skipped: set[Any]) -> str:
    """A body paragraph's text."""
    pieces = [_piece(e) for e in p.iter(*_TEXT_TAGS) if e not in skipped]
    return "".join([piece for piece in pieces if piece is not None])


def _piece(element: Any) -> str | None:
    """What a text element adds to its paragraph (None: a break outside a run, such as a tab stop)."""
    tag = _tag(element)
    if tag == "t":
        return element.text or ""
    return _BREAKS[tag] if _tag(element.getparent()) == "r" else None


class _Tc:
    """A w:tc being read: its own paragraphs' text pieces, and its first tcPr's first
    vMerge and gridSpan (as python-docx reads them)."""

    __slots__ = ("element", "lines", "vmerge", "span")

    def __init__(self, element: Any) -> None:
        self.element = element
        self.lines: list[list[str]] = []
        self.vmerge: Any = None
        self.span: Any = None


class _Tr:
    """A w:tr being read: its first trPr's first gridBefore, and its cells."""

    __slots__ = ("element", "before", "cells")

    def __init__(self, element: Any) -> None:
        self.element = element
        self.before: Any = None
        self.cells: list[_Tc] = []


_TABLE_TAGS = (_TR, _TC, _P, _GRID_BEFORE, _VMERGE, _GRID_SPAN, *_TEXT_TAGS)
_WT = f"{{{W}}}t"


def _grid(tbl: Any, number: int, path: str, skipped: set[Any]) -> tuple[tuple[Cell, ...], ...]:
    """The table as rows of grid cells; merged-over positions are empty cells.

    One pass over the table's elements in document order (each lxml call costs more
    than the work done with its answer); what belongs to a nested table, a text box or
    no cell paragraph is told apart by its parents."""
    rows: list[tuple[Cell, ...]] = []
    locate = functools.partial(_position, path, number)
    tr: _Tr | None = None  # the row being read (none before the first w:tr)
    tc: _Tc | None = None  # … its cell
    paragraph: Any = None  # … and that cell's paragraph, whose text goes to line
    line: list[str] = []
    for node in tbl.iter(*_TABLE_TAGS):
        tag = node.tag
        if tag == _P:
            if tc is not None and node.getparent() is tc.element:
                paragraph, line = node, []
                tc.lines.append(line)
        elif tag == _TC:
            if tr is not None and node.getparent() is tr.element:
                tc, paragraph = _Tc(node), None
                tr.cells.append(tc)
        elif tag == _TR:
            if node.getparent() is tbl:
                if tr is not None:
                    rows.append(_row(tr, len(rows) + 1, locate, number, path))
                if len(rows) >= MAX_ROWS:
                    raise files.error(f"表{number} 行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", path)
                tr, tc, paragraph = _Tr(node), None, None
        elif tag == _VMERGE or tag == _GRID_SPAN or tag == _GRID_BEFORE:
            _set_property(node, tag, tr, tc)
        elif paragraph is not None and tc is not None and node not in skipped and _within(node, paragraph, tc):
            if tag == _WT:
                line.append(node.text or "")
            elif (piece := _piece(node)) is not None:
                line.append(piece)
    if tr is not None:
        rows.append(_row(tr, len(rows) + 1, locate, number, path))
    return tuple(rows)


def _set_property(node: Any, tag: str, tr: _Tr | None, tc: _Tc | None) -> None:
    """Keep a vMerge/gridSpan of the cell's first tcPr, a gridBefore of the row's first trPr."""
    if tag == _GRID_BEFORE:
        if tr is not None and tr.before is None and _first_property(node, tr.element, _TRPR):
            tr.before = node
    elif tc is not None and _first_property(node, tc.element, _TCPR):
        if tag == _VMERGE and tc.vmerge is None:
            tc.vmerge = node
        elif tag == _GRID_SPAN and tc.span is None:
            tc.span = node


def _first_property(node: Any, owner: Any, properties: str) -> bool:
    """Whether *node* is a child of *owner*'s first *properties* element (w:tcPr, w:trPr)."""
    parent = node.getparent()
    if parent.tag != properties or parent.getparent() is not owner:
        return False
    earlier = parent.getprevious()
    while earlier is not None and earlier.tag != properties:
        earlier = earlier.getprevious()
    return earlier is None


def _within(node: Any, paragraph: Any, tc: _Tc) -> bool:
    """Whether *node* is inside the cell paragraph read now (a run's text, or a text box's
    in it), not in a nested table or elsewhere in the cell."""
    parent = node.getparent()
    while parent is not None and parent is not tc.element:
        if parent is paragraph:
            return True
        parent = parent.getparent()
    return False


def _row(tr: _Tr, r: int, locate: Locate, number: int, path: str) -> tuple[Cell, ...]:
    """Row *r* on the grid: gridBefore's empty cells, then each cell and the positions it spans."""
    row: list[Cell] = [Cell("", at=(locate, r, c + 1)) for c in range(_int(_decimal(tr.before)))]
    for tc in tr.cells:
        col = len(row) + 1
        if tc.vmerge is not None and tc.vmerge.get(_VAL, "continue") == "continue":
            row.append(Cell("", merged=True, at=(locate, r, col)))
        else:
            row.append(Cell("\n".join(["".join(line) for line in tc.lines]), at=(locate, r, col)))
        width = 1 if tc.span is None else _decimal(tc.span)
        if width != 1:  # the grid positions after the cell's own (the generator must not read len(row) as it grows)
            start = len(row) + 1
            row.extend([Cell("", merged=True, at=(locate, r, start + k)) for k in range(_int(width) - 1)])
        if len(row) > MAX_COLUMNS:
            raise files.error(f"表{number} 列数过多（超过 {MAX_COLUMNS} 列），不像是一份自评表", path)
    return tuple(row)


def _decimal(element: Any) -> int:
    """A w:gridBefore/w:gridSpan element's required w:val (0 when there is no element)."""
    if element is None:
        return 0
    value = element.get(_VAL)
    if value is None:
        raise ooxml.Broken(f"{_tag(element)} 缺少 w:val")
    return int(value)


def _int(value: int) -> int:
    return value if 0 <= value <= MAX_COLUMNS else 1 if value else 0


def _position(path: str, table: int, row: int, col: int) -> Position:
    return Position(file=path, cell=f"表{table} 第{row}行 第{col}列")
