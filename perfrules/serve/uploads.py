"""An uploaded 自评表 as the server handles it: a safe file name, and reports and errors
that name the upload as the user called it, never the server's temporary folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

import attrs

from perfrules.errors import PerfrulesError
from perfrules.serve import work


def safe_name(name: str) -> str:
    """The upload's file name without its folders or characters a file name cannot hold."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", base).strip(". ") or "自评表"
    return base[-120:]


def scrub(out: str | bytes, prefix: str) -> str | bytes:
    """Reports name cells as file:line; the file is the upload's name, never the server's
    temporary folder (*prefix*).  A workbook is scrubbed in its XML parts, as bytes: the
    folder is a random name, written only where a cell names the file, so taking it out
    keeps the XML whole; loading and saving the workbook with openpyxl instead took 5 s
    for a 4,800-row report."""
    if isinstance(out, str):
        return out.replace(prefix, "")
    spellings = {prefix.encode("utf-8"), escape(prefix).encode("utf-8")}  # as written in a text node
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out)) as book, zipfile.ZipFile(buf, "w") as scrubbed:
        for member in book.infolist():
            data = book.read(member)
            if member.filename.endswith(".xml"):
                for spelling in spellings:
                    data = data.replace(spelling, b"")
            scrubbed.writestr(member, data)
    return buf.getvalue()


def quote_name(name: str) -> str:
    """RFC 5987 percent-encoding for ``filename*=UTF-8''…`` (Chinese file names in downloads)."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    return "".join(c if c in safe else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in name)


def renamed(err: PerfrulesError, tmp_path: str, name: str) -> PerfrulesError:
    """Errors name the upload as the user called it, not the server's temporary path."""
    for e in work.flat_errors(err) + [err]:
        if e.position.file == tmp_path:
            e.position = attrs.evolve(e.position, file=name)
    return err
