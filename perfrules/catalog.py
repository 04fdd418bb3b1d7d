"""Where rulesets are and which one a submission needs: the bundled folder, the id
index, and selection by 辖区 and 年度.

Only ``id``, ``jurisdiction`` and ``year`` lines are read here; building a ruleset
is :mod:`perfrules.loader`'s job.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from perfrules.errors import PerfrulesError, Position, did_you_mean
from perfrules.ruleset import Ruleset

def bundled_dir() -> Path:
    """Where the bundled rulesets are: rulesets/ in a checkout, package data when installed."""
    return Path(str(importlib.resources.files("perfrules.rulesets_data")))


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


@attrs.frozen
class _Candidate:
    id: str
    jurisdiction: tuple[str, ...]
    year: int | None


@functools.lru_cache(maxsize=8)
def _candidates(search: tuple[str, ...]) -> tuple[_Candidate, ...]:
    """Each known ruleset's id, jurisdiction and year (read once per process)."""
    import tomllib

    found = []
    for rid, path in ruleset_index(search).items():
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        year = data.get("year")
        parts = tuple(p for p in str(data.get("jurisdiction", "")).split("/") if p)
        found.append(_Candidate(rid, parts, year if isinstance(year, int) else None))
    return tuple(found)


def guess_jurisdiction(texts: list[str], search: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The most specific jurisdiction with a ruleset whose name appears in *texts*:
    (jurisdiction, the word found), or None."""
    text = " ".join(texts)
    named = [c for c in _candidates(search) if c.jurisdiction and c.jurisdiction[-1] in text
             and len(c.jurisdiction[-1]) >= 2]
    if not named:
        return None
    best = max(named, key=lambda c: len(c.jurisdiction))
    return "/".join(best.jurisdiction), best.jurisdiction[-1]


def select_ruleset(submission: Any, search: tuple[str, ...] = ()) -> tuple[Ruleset, str]:
    """The ruleset for a submission's 辖区 and 年度: the most local jurisdiction that
    contains it, then the latest year not after the submission's.  Returns (ruleset, why)."""
    parts = tuple(p for p in str(submission.jurisdiction).split("/") if p)
    why = submission.extra.get("辖区来源") or f"辖区「{submission.jurisdiction}」"
    if not parts:
        raise PerfrulesError("自评表没有写辖区，无法自动选择规则集", position=Position(file=submission.source),
                             suggestion="请在自评表中写明「辖区」，或用 --ruleset 指定规则集（perfrules ruleset list 可列出全部）。",
                             code="ruleset_missing")
    year = submission.year
    fitting = [c for c in _candidates(search) if c.jurisdiction and parts[: len(c.jurisdiction)] == c.jurisdiction
               and (year is None or c.year is None or c.year <= year)]
    if not fitting:
        raise PerfrulesError(f"没有适用于辖区「{'/'.join(parts)}」{year or ''}年度的规则集", code="ruleset_missing",
                             position=Position(file=submission.source),
                             suggestion="请用 --ruleset 指定规则集（perfrules ruleset list 可列出全部）。")
    best = max(fitting, key=lambda c: (len(c.jurisdiction), c.year or 0))
    from perfrules.loader import load_ruleset

    return load_ruleset(best.id, search), f"{why}，年度 {year or '未写'} → {best.id}"
