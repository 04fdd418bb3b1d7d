"""Where rulesets are: the bundled folder, the files in the folders a user adds, and the
id index (ruleset id → file), read from each file's ``id = "…"`` line with no full parse.
Building a ruleset is :mod:`perfrules.ruleset.loader`'s job; choosing one for a submission is
:mod:`perfrules.ruleset.catalog`'s.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path

from perfrules.errors import PerfrulesError, did_you_mean


def bundled_dir() -> Path:
    """Where the bundled rulesets are: rulesets/ in a checkout, package data when installed
    (the package's folder, found by importing it: importlib.resources would cost the
    command line's start-up its tempfile, random and zipfile imports)."""
    import perfrules.rulesets_data as data  # type: ignore[import-not-found]

    return Path(next(iter(data.__path__)))


def ruleset_files(extra: tuple[str, ...] = ()) -> Iterator[Path]:
    roots = [Path(p) for p in extra] + [bundled_dir()]
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from sorted(p for p in root.rglob("*.toml") if not p.name.endswith(".cases.toml"))


_ID_LINE = re.compile(r'^\s*"?id"?\s*=\s*"([^"]+)"', re.M)


@functools.lru_cache(maxsize=8)
def ruleset_index(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Ruleset id → file, read from each file's ``id = "…"`` line (no full parse)."""
    index: dict[str, str] = {}
    for path in ruleset_files(extra):
        try:
            head = path.read_text(encoding="utf-8-sig")[:4096]
        except (OSError, UnicodeDecodeError):
            continue
        m = _ID_LINE.search(head)
        if m:
            index.setdefault(m.group(1), str(path))
    return index


def resolve_ruleset_path(ref: str, search: tuple[str, ...] = ()) -> str:
    """A ruleset reference (a file path or a bundled id) → the file."""
    if os.path.exists(ref):
        return ref
    index = ruleset_index(search)
    if ref in index:
        return index[ref]
    raise PerfrulesError(f"找不到规则集「{ref}」", suggestion=did_you_mean(ref, index),
                         expected="规则集文件路径，或 perfrules ruleset list 列出的编号", code="ruleset_missing")


def is_ruleset_file(path: str) -> bool:
    """A ruleset has an ``id`` line; a submission has 单位名称."""
    if not os.path.isfile(path):  # a FIFO would block open(); the reader says what is wrong
        return False
    try:
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.read(8192)
    except (OSError, UnicodeDecodeError):
        return False
    return path.endswith(".toml") and bool(_ID_LINE.search(head))
