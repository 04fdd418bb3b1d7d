"""Submission readers behind one interface: ``read_submission(path) -> Submission``.

Each reader module owns one file format.  The format is picked by content first
(a .docx is a zip with ``word/document.xml`` whatever its name), then by extension,
and the :class:`~perfrules.model.Submission` records which reader was used.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import attrs

from perfrules.errors import PerfrulesError, Position
from perfrules.model import Submission


@attrs.frozen
class Reader:
    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes, str], bool]  # (first bytes, path) → is it mine?
    read: Callable[[str], Submission]


def _sniff_toml(head: bytes, path: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return path.lower().endswith(".toml") or text.startswith(b"#") and b"=" in text


def _sniff_json(head: bytes, path: str) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def _read_toml(path: str) -> Submission:
    from perfrules.readers.structured import read_toml_submission
    from perfrules.tomlsource import read_text

    return read_toml_submission(read_text(path), path)


def _read_json(path: str) -> Submission:
    from perfrules.readers.structured import read_json_submission
    from perfrules.tomlsource import read_text

    return read_json_submission(read_text(path), path)


READERS: list[Reader] = [
    Reader("json", (".json",), _sniff_json, _read_json),
    Reader("toml", (".toml",), _sniff_toml, _read_toml),
]


def register(reader: Reader, *, first: bool = False) -> None:
    """Add a reader (content sniffers registered first win over extensions)."""
    if first:
        READERS.insert(0, reader)
    else:
        READERS.append(reader)


def pick_reader(path: str) -> Reader:
    """The reader for *path*: by content, then by extension."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise PerfrulesError(f"无法读取文件：{exc.strerror or exc}", position=Position(file=path), code="io") from None
    for reader in READERS:
        if reader.sniff(head, path):
            return reader
    ext = os.path.splitext(path)[1].lower()
    for reader in READERS:
        if ext in reader.extensions:
            return reader
    names = "、".join(r.name for r in READERS)
    raise PerfrulesError(f"无法识别的文件格式（支持：{names}）", position=Position(file=path), code="format")


def read_submission(path: str) -> Submission:
    """Read any supported submission file."""
    return pick_reader(path).read(path)
