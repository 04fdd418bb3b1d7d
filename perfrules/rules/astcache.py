"""The parsed-rule cache: rule text → AST, one JSON file per version of the parser.

Where: ``$PERFRULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/perfrules``, else
``~/.cache/perfrules``; ``PERFRULES_NO_CACHE=1`` turns it off.  The file name carries a
checksum of grammar.lark, ast.py and lark_parser.py, so a changed grammar or AST
starts a new file instead of reading stale trees.  The format is plain JSON decoded
into perfrules.rules.ast classes only (no pickle: nothing in the file can run code).  A
file that cannot be read or decoded is a miss, never an error; new entries are
written once, when the process exits, by an atomic rename.
"""

from __future__ import annotations

import atexit
import json
import os
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from perfrules.rules import ast

FORMAT = 1
MAX_ENTRIES = 512  # past this the file starts afresh (rules are edited, old texts pile up; a big file slows start-up)
_NODES: dict[str, type] = {name: cls for name, cls in vars(ast).items() if isinstance(cls, type) and attrs.has(cls)}


class AstCache:
    """In-memory view of one cache file; ``put`` marks it to be written at exit."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Any] | None = None  # read lazily: a process parsing nothing reads nothing
        self.dirty = False

    def _load(self) -> dict[str, Any]:
        if self.entries is None:
            self.entries = {}
            if self.path is not None:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(data, dict):
                        self.entries = data
                except (OSError, ValueError):
                    pass
        return self.entries

    def get(self, text: str) -> ast.Rule | None:
        raw = self._load().get(text)
        if raw is None:
            return None
        try:
            rule = decode(raw)
        except (KeyError, TypeError, ValueError, IndexError, ArithmeticError):
            return None
        return rule if isinstance(rule, ast.Rule) and rule.text == text else None

    def put(self, text: str, rule: ast.Rule) -> None:
        if self.path is None:
            return
        entries = self._load()
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[text] = encode(rule)
        if not self.dirty:
            self.dirty = True
            atexit.register(self.flush)

    def flush(self) -> None:
        """Write the file (temp file + rename, so a reader never sees half of it)."""
        if not self.dirty or self.path is None or self.entries is None:
            return
        self.dirty = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.entries, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass


def encode(value: Any) -> Any:
    """An AST as JSON: nodes {"n": class, "f": fields}, tuples {"t": …}, Decimals {"d": text}."""
    if attrs.has(type(value)):
        return {"n": type(value).__name__, "f": [encode(getattr(value, a.name)) for a in attrs.fields(type(value))]}
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot cache {type(value).__name__}")


def decode(raw: Any) -> Any:
    """The inverse of :func:`encode`; only perfrules.rules.ast classes can come out of it."""
    if isinstance(raw, dict):
        if "n" in raw:
            return _NODES[raw["n"]](*[decode(v) for v in raw["f"]])
        if "t" in raw:
            return tuple(decode(v) for v in raw["t"])
        return Decimal(raw["d"])
    if raw is None or isinstance(raw, (str, int, bool)):
        return raw
    raise TypeError("not a cached AST")


def _path() -> Path | None:
    if os.environ.get("PERFRULES_NO_CACHE"):
        return None
    here = Path(__file__).resolve().parent
    crc = 0
    try:
        for name in ("grammar.lark", "ast.py", "lark_parser.py", "astcache.py"):
            crc = zlib.crc32((here / name).read_bytes(), crc)
    except OSError:
        return None  # not installed as files (a zip): no cache
    base = os.environ.get("PERFRULES_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "perfrules")
    return Path(base) / f"rules-{FORMAT}-{crc:08x}.json"


_CACHE: AstCache | None = None


def cache() -> AstCache:
    global _CACHE
    if _CACHE is None:
        _CACHE = AstCache(_path())
    return _CACHE
