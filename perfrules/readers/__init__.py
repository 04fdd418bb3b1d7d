"""Submission readers behind one interface: ``read_submission(path) -> Submission``.

Each reader module owns one file format.  The format is picked by content first
(a .docx is a zip with ``word/document.xml`` whatever its name), then by extension,
and the :class:`~perfrules.model.Submission` records which reader was used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from perfrules.errors import PerfrulesError, Position, os_reason
from perfrules.model import Submission

if TYPE_CHECKING:
    import zipfile


@attrs.frozen
class Reader:
    """One file format: how it is told by its first bytes (``sniff``) and how it is read.
    A text format (TOML, JSON) gives ``parse``: the file's bytes, read in the open that
    sniffed them.  Any other gives ``read`` (it opens the file itself) and, for a zip
    format (.docx, .xlsx), ``unzip``: the zip opened to sniff it, its directory read once."""

    name: str
    extensions: tuple[str, ...]
    # (first bytes, path, member names when the file is a readable zip) → is it mine?
    sniff: Callable[[bytes, str, frozenset[str]], bool]
    read: Callable[[str], Submission] | None = None
    parse: Callable[[bytes, str], Submission] | None = None
    unzip: Callable[[zipfile.ZipFile, str], Submission] | None = None

    def __attrs_post_init__(self) -> None:
        if self.read is None and self.parse is None:
            raise ValueError(f"reader {self.name!r} can neither read a file nor parse its bytes")


def _sniff_toml(head: bytes, path: str, names: frozenset[str]) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return path.lower().endswith(".toml") or text.startswith(b"#") and b"=" in text


def _sniff_json(head: bytes, path: str, names: frozenset[str]) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def _parse_toml(data: bytes, path: str) -> Submission:
    from perfrules.readers.structured import read_toml_submission
    from perfrules.tomlsource import decoded

    return read_toml_submission(decoded(data, path), path)


def _parse_json(data: bytes, path: str) -> Submission:
    from perfrules.readers.structured import read_json_submission
    from perfrules.tomlsource import decoded

    return read_json_submission(decoded(data, path), path)


READERS: list[Reader] = [
    Reader("json", (".json",), _sniff_json, parse=_parse_json),
    Reader("toml", (".toml",), _sniff_toml, parse=_parse_toml),
]


def register(reader: Reader, *, first: bool = False) -> None:
    """Add a reader (content sniffers registered first win over extensions)."""
    if first:
        READERS.insert(0, reader)
    else:
        READERS.append(reader)


def pick_reader(path: str) -> Reader:
    """The reader for *path*: by content, then by extension."""
    reader, _data, archive = _opened(path)
    if archive is not None:
        archive.close()
    return reader


def _opened(path: str) -> tuple[Reader, bytes | None, zipfile.ZipFile | None]:
    """The reader for *path*; for a text format, the file's bytes (one open, the first
    4 KB sniffed and the rest read on, within the text file limit); for a zip, the zip
    opened to sniff it (the caller closes it)."""
    from perfrules.limits import MAX_TEXT_FILE_BYTES
    from perfrules.readers.files import ZIP_SIGNATURE, check_regular, open_zip, too_large

    check_regular(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
            archive = open_zip(path) if head.startswith(ZIP_SIGNATURE) else None  # opened once: sniffed, then read
            try:
                reader = _choose(head, path, frozenset(archive.namelist()) if archive is not None else frozenset())
            except BaseException:
                if archive is not None:
                    archive.close()
                raise
            if reader.parse is None:  # the reader opens the file itself, or reads the zip opened here
                return reader, None, archive
            if archive is not None:  # a text format that claims a zip reads its bytes
                archive.close()
            data = head + fh.read(MAX_TEXT_FILE_BYTES + 1 - len(head)) if len(head) == 4096 else head
    except OSError as exc:
        raise PerfrulesError(f"无法读取文件：{os_reason(exc)}", position=Position(file=path), code="io") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise too_large(path, MAX_TEXT_FILE_BYTES, why="", code="io")
    return reader, data, None


def _choose(head: bytes, path: str, members: frozenset[str]) -> Reader:
    for reader in READERS:
        if reader.sniff(head, path, members):
            return reader
    ext = os.path.splitext(path)[1].lower()
    for reader in READERS:
        if ext in reader.extensions:
            return reader
    names = "、".join(r.name for r in READERS)
    raise PerfrulesError(f"无法识别的文件格式（支持：{names}）", position=Position(file=path), code="format")


def read_submission(path: str) -> Submission:
    """Read any supported submission file.

    A Word or Excel 自评表 seldom says its 辖区; when the file does not, it is taken
    from the jurisdictions perfrules has rulesets for, named in the unit's name or
    the report's text (the most specific one wins), and the guess is recorded in
    ``extra["辖区来源"]``.
    """
    reader, data, archive = _opened(path)
    try:
        submission = _read(reader, path, data, archive)
    finally:
        if archive is not None:
            archive.close()
    if submission.jurisdiction:
        return submission
    from perfrules.ruleset.catalog import guess_jurisdiction

    guess = guess_jurisdiction([submission.unit, *submission.extra.values()])
    if guess is None:
        return submission
    jurisdiction, word = guess
    extra = {**submission.extra, "辖区来源": f"文件未写辖区，按文中出现的「{word}」推定"}
    return attrs.evolve(submission, jurisdiction=jurisdiction, extra=extra)


def _read(reader: Reader, path: str, data: bytes | None, archive: zipfile.ZipFile | None) -> Submission:
    if reader.parse is not None:
        assert data is not None  # _opened reads a text format's bytes
        return reader.parse(data, path)
    if archive is not None and reader.unzip is not None:
        return reader.unzip(archive, path)
    assert reader.read is not None  # a reader that does not parse reads (Reader checks it)
    return reader.read(path)


# --------------------------------------------------------------- the table readers
# Binary formats are told apart by content, before the text formats look at names:
# a .docx renamed .txt is still read as Word.  Each read imports its module (and
# lxml) only when used, so reading TOML never loads them.
def _sniff_ole(head: bytes, path: str, names: frozenset[str]) -> bool:
    from perfrules.readers.files import OLE_SIGNATURE

    return head.startswith(OLE_SIGNATURE[:4])


def _read_ole(path: str) -> Submission:
    from perfrules.readers.files import error, ole_problem, read_bytes

    raise error(ole_problem(read_bytes(path)), path, code="encrypted")


def _sniff_docx(head: bytes, path: str, names: frozenset[str]) -> bool:
    from perfrules.readers.files import DOCX_PART

    return DOCX_PART in names


def _read_docx(path: str) -> Submission:
    from perfrules.readers.docx_reader import read_docx

    return read_docx(path)


def _unzip_docx(archive: zipfile.ZipFile, path: str) -> Submission:
    from perfrules.readers.docx_reader import read_docx

    return read_docx(path, archive)


def _sniff_xlsx(head: bytes, path: str, names: frozenset[str]) -> bool:
    from perfrules.readers.files import XLSX_PART

    return XLSX_PART in names


def _read_xlsx(path: str) -> Submission:
    from perfrules.readers.xlsx_reader import read_xlsx

    return read_xlsx(path)


def _unzip_xlsx(archive: zipfile.ZipFile, path: str) -> Submission:
    from perfrules.readers.xlsx_reader import read_xlsx

    return read_xlsx(path, archive)


def _sniff_zip(head: bytes, path: str, names: frozenset[str]) -> bool:
    return head.startswith(b"PK")


def _read_zip(path: str) -> Submission:
    """A zip that is neither .docx nor .xlsx: corrupt, or some other archive."""
    from perfrules.readers.files import check_zip, error

    check_zip(path, ".docx/.xlsx")
    raise error("文件是压缩包，但不是 .docx 或 .xlsx（里面没有 word/document.xml 或 xl/workbook.xml）", path,
                suggestion="请提交 Word（.docx）或 Excel（.xlsx）格式的自评表。")


def _sniff_html(head: bytes, path: str, names: frozenset[str]) -> bool:
    """Web pages saved as .xls/.doc by reporting systems (not tables we can trust)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()[:512].lower()
    return text.startswith((b"<html", b"<!doctype html", b"<table")) or (text.startswith(b"<?xml") and b"<html" in text)


def _read_html(path: str) -> Submission:
    from perfrules.readers.files import error

    raise error("文件是网页（HTML）格式，只是扩展名为 .xls/.doc，无法可靠读取", path,
                suggestion="请在 Excel/Word 中打开后另存为 .xlsx 或 .docx 再导入。")


def _sniff_text_export(head: bytes, path: str, names: frozenset[str]) -> bool:
    return path.lower().endswith(".txt")


def _read_text_export(path: str) -> Submission:
    from perfrules.readers.text_export import read_text_export

    return read_text_export(path)


def _sniff_csv(head: bytes, path: str, names: frozenset[str]) -> bool:
    return path.lower().endswith((".csv", ".tsv"))


def _read_csv(path: str) -> Submission:
    from perfrules.readers.csv_reader import read_csv

    return read_csv(path)


for _reader in reversed([
    Reader("ole", (".doc", ".xls"), _sniff_ole, _read_ole),
    Reader("docx", (".docx",), _sniff_docx, _read_docx, unzip=_unzip_docx),
    Reader("xlsx", (".xlsx", ".xlsm"), _sniff_xlsx, _read_xlsx, unzip=_unzip_xlsx),
    Reader("zip", (), _sniff_zip, _read_zip),
    Reader("html", (".htm", ".html"), _sniff_html, _read_html),
]):
    register(_reader, first=True)
register(Reader("text", (".txt",), _sniff_text_export, _read_text_export))
register(Reader("csv", (".csv", ".tsv"), _sniff_csv, _read_csv))
