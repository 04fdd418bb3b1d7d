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
from typing import Any


from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_COLUMNS, MAX_ROWS
from perfrules.model import Submission
from perfrules.readers import files, ooxml
from perfrules.readers.grid import Cell, Document, Table, clean
from perfrules.readers.layout import build_submission

NAME = "docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCUMENT, _BODY, _TC, _TRPR, _TCPR = (f"{{{W}}}{t}" for t in ("document", "body", "tc", "trPr", "tcPr"))
_GRID_BEFORE, _GRID_SPAN, _VMERGE, _VAL = (f"{{{W}}}{t}" for t in ("gridBefore", "gridSpan", "vMerge", "val"))
_P, _TBL, _TR, _SDT, _SDT_CONTENT = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "sdt", "sdtContent"))


def read_docx(path: str) -> Submission:
    """Read a .docx 自评表 (the first table that has the 自评表 header)."""
    return build_submission(docx_document(path))


def docx_document(path: str) -> Document:
    try:
        zf, package = ooxml.open_package(path, ".docx", ooxml.parser(remove_blank_text=True))
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
    blocks = _blocks(body)
    texts = _texts(body, blocks)
    tables: list[Table] = []
    paragraphs: list[str] = []
    recent: list[str] = []
    for block in blocks:
        if block.tag == _P:
            text = clean(texts[block])
            if text:
                paragraphs.append(text)
                recent.append(text)
        else:
            number = len(tables) + 1
            tables.append(Table(_grid(block, number, path, texts), f"表{number}", tuple(recent[-3:])))
            recent = []
    return Document(file=path, reader=NAME, tables=tuple(tables), paragraphs=tuple(paragraphs))


_BREAKS = {"br": "\n", "cr": "\n", "tab": "\t", "noBreakHyphen": "-"}
_SKIP = ("Fallback", "del")
_TEXT_TAGS = ("{*}t", *(f"{{*}}{b}" for b in _BREAKS))


def _texts(body: Any, blocks: list[Any]) -> dict[Any, str]:
    """The text of every paragraph read (body paragraphs, table cells' own paragraphs).

    A paragraph's text is every ``t`` inside it (breaks and tabs of a run as ``\\n``
    and ``\\t``), tracked changes accepted: ``w:ins`` kept, ``w:del`` dropped, and text
    boxes' fallback copies (``mc:Fallback``) skipped so nothing is read twice.  One
    pass over the body's text elements gives them all; each run's paragraph is found
    once, walking up from the run.
    """
    parts: dict[Any, list[str]] = {}
    for block in blocks:
        if block.tag == _P:
            parts[block] = []
            continue
        for tr in block.iterchildren(_TR):
            for tc in tr.iterchildren(_TC):
                for p in tc.iterchildren(_P):
                    parts[p] = []
    owners: dict[Any, list[str] | None] = {}
    for element in body.iter(*_TEXT_TAGS):
        parent = element.getparent()
        tag = _tag(element)
        if tag != "t" and _tag(parent) != "r":
            continue
        if parent in owners:
            owner = owners[parent]
        else:
            owner = owners[parent] = _owner(parent, parts, body)
        if owner is not None:
            owner.append((element.text or "") if tag == "t" else _BREAKS[tag])
    return {p: "".join(text) for p, text in parts.items()}


def _owner(element: Any, parts: dict[Any, list[str]], body: Any) -> list[str] | None:
    """The text of the read paragraph *element* sits in; None when it sits in no read
    paragraph (a nested table) or inside a deletion or a fallback copy."""
    while element is not None:
        if element in parts:
            return parts[element]
        if element is body or _tag(element) in _SKIP:
            return None
        element = element.getparent()
    return None


def _grid(tbl: Any, number: int, path: str, texts: dict[Any, str]) -> tuple[tuple[Cell, ...], ...]:
    """The table as rows of grid cells; merged-over positions are empty cells."""
    rows: list[tuple[Cell, ...]] = []
    locate = functools.partial(_position, path, number)
    for r, tr in enumerate(tbl.iterchildren(_TR), start=1):
        if r > MAX_ROWS:
            raise files.error(f"表{number} 行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", path)
        before = _first(_first(tr, _TRPR), _GRID_BEFORE)
        row: list[Cell] = [Cell("", at=(locate, r, c + 1)) for c in range(_int(_decimal(before)))]
        for tc in tr.iterchildren(_TC):
            col = len(row) + 1
            tcpr = None
            lines: list[str] = []
            for child in tc:  # its properties (the first w:tcPr) and its own paragraphs
                if child.tag == _TCPR:
                    tcpr = child if tcpr is None else tcpr
                elif child in texts:
                    lines.append(texts[child])
            vmerge = span = None
            if tcpr is not None:
                for prop in tcpr:
                    if prop.tag == _VMERGE and vmerge is None:
                        vmerge = prop
                    elif prop.tag == _GRID_SPAN and span is None:
                        span = prop
            if vmerge is not None and vmerge.get(_VAL, "continue") == "continue":
                row.append(Cell("", merged=True, at=(locate, r, col)))
            else:
                row.append(Cell("\n".join(lines), at=(locate, r, col)))
            width = 1 if span is None else _decimal(span)
            if width != 1:
                row.extend(Cell("", merged=True, at=(locate, r, len(row) + 1 + k)) for k in range(_int(width) - 1))
            if len(row) > MAX_COLUMNS:
                raise files.error(f"表{number} 列数过多（超过 {MAX_COLUMNS} 列），不像是一份自评表", path)
        rows.append(tuple(row))
    return tuple(rows)


def _first(element: Any, tag: str) -> Any:
    """The first child of *element* with *tag* (None for none, or no element)."""
    if element is not None:
        for child in element:
            if child.tag == tag:
                return child
    return None


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
