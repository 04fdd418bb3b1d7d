"""Getting at a submission file's bytes safely: size limits, encodings, zips, OLE.

Units send what their office software wrote: UTF-8 or GB18030 text, .docx/.xlsx
zips, old .doc/.xls or password-protected files (both OLE compound files), and
sometimes a broken download.  Everything here ends in a :class:`PerfrulesError`
with a Chinese message saying what to do, never in a raw exception.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from perfrules.errors import PerfrulesError, Position, os_reason

from perfrules.limits import MAX_FILE_BYTES, MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES  # (tests patch them here)

if TYPE_CHECKING:
    import zipfile

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
DOCX_PART = "word/document.xml"
XLSX_PART = "xl/workbook.xml"

# Tried in this order; the names are the ones the error message lists.
ENCODINGS = (("utf-8", "UTF-8"), ("gb18030", "GB18030/GBK"))


def error(message: str, path: str | None, *, code: str = "format", suggestion: str | None = None) -> PerfrulesError:
    """A file-level problem (no line or cell to point at)."""
    return PerfrulesError(message, position=Position(file=path), code=code, suggestion=suggestion)


def check_regular(path: str) -> None:
    """Refuse what is not a regular file before opening it: open() on a FIFO waits
    forever for a writer, a device never ends, a symlink loop or a folder fails."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise error(f"无法读取文件：{os_reason(exc)}", path, code="io") from None
    if not stat.S_ISREG(mode):
        kind = "文件夹" if stat.S_ISDIR(mode) else "管道、设备或其他特殊文件"
        raise error(f"无法读取文件：这是{kind}，不是普通文件", path, code="io")


def read_bytes(path: str, limit: int = MAX_FILE_BYTES, *, why: str = "，不像是一份自评表",
               code: str = "format") -> bytes:
    """The whole file, refusing unreadable or implausibly large files (over *limit* bytes)."""
    check_regular(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"无法读取文件：{os_reason(exc)}", path, code="io") from None
    if len(data) > limit:
        raise too_large(path, limit, why, code)
    return data


def too_large(path: str, limit: int, why: str = "，不像是一份自评表", code: str = "format") -> PerfrulesError:
    return error(f"文件过大（超过 {limit // (1024 * 1024)} MB）{why}", path, code=code)


def decode_text(data: bytes, path: str | None) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8", "UTF-8（带 BOM）", path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", "UTF-16", path)
    if b"\x00" in data:
        raise error("这不是文本文件（含有二进制内容）", path, suggestion="请提交 .docx、.xlsx、.csv 或 Word 导出的 .txt 文件。")
    for codec, _name in ENCODINGS:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    tried = "、".join(["UTF-8", "UTF-8（带 BOM）", *(name for _c, name in ENCODINGS[1:])])
    raise error(
        f"无法识别文件的文字编码（已尝试：{tried}）",
        path,
        code="encoding",
        suggestion="请用 UTF-8 编码另存该文件。",
    )


def _decode(data: bytes, codec: str, name: str, path: str | None) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise error(
            f"文件按 {name} 解码失败（第 {exc.start + 1} 个字节）",
            path,
            code="encoding",
            suggestion="请用 UTF-8 编码另存该文件。",
        ) from None


# ------------------------------------------------------------------------ sniffing
def open_zip(path: str) -> zipfile.ZipFile | None:
    """The zip, open (the caller closes it), or None when it is not a readable zip."""
    import zipfile  # here, not at the top: reading TOML or JSON never loads it

    try:
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return None


def check_zip(path: str, what: str) -> None:
    """Refuse corrupt zips and zip bombs before a parser inflates anything.

    The sizes come from the central directory; zipfile will not inflate a member
    past its declared size, so the declared total bounds what parsing can cost.
    """
    open_checked_zip(path, what).close()


def open_checked_zip(path: str, what: str, opened: zipfile.ZipFile | None = None) -> zipfile.ZipFile:
    """The zip (*opened*, when the caller has it open already), once :func:`check_zip`'s
    checks pass (the caller closes it; it is closed when they fail)."""
    zf = opened if opened is not None else open_zip(path)
    if zf is None:
        raise error(f"文件已损坏：不是有效的 {what} 文件（zip 结构无法读取）", path,
                    suggestion=f"请用 Office/WPS 打开后重新另存为 {what}。")
    try:
        _check_members(zf.infolist(), path, what)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_members(infos: list[zipfile.ZipInfo], path: str, what: str) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise error(f"文件内部条目过多（{len(infos)} 个），拒绝读取", path)
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise error(
            f"文件解压后过大（约 {total // (1024 * 1024)} MB，上限 {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB），"
            "疑似压缩炸弹，拒绝读取",
            path,
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise error(f"文件已加密，无法读取（{what}）", path, suggestion="请去掉密码保护后另存再导入。")


def ole_problem(data: bytes) -> str:
    """Why an OLE compound file cannot be read: encrypted Office, or an old format."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "文件已加密（有密码保护），无法读取；请去掉密码后另存为 .docx 或 .xlsx 再导入"
    return "文件是加密文件或旧版 .doc/.xls 格式，无法读取；请在 Office/WPS 中另存为 .docx 或 .xlsx（如有密码请先去掉）再导入"


def sheets_have_formulas(path: str) -> bool:
    """Whether any worksheet of an .xlsx holds a formula (``<f>``), read in chunks.

    Called after :func:`check_zip`, so the members' sizes are already bounded."""
    import zipfile

    needles = (b"<f>", b"<f ", b":f>", b":f ")
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                continue
            with zf.open(info) as member:
                tail = b""
                while chunk := member.read(1 << 20):
                    window = tail + chunk
                    if any(n in window for n in needles):
                        return True
                    tail = window[-4:]
    return False
