"""What the server does, as plain functions of text and paths: check, run cases, impact.

Kept apart from the HTTP layer so the benchmark and the tests time and call exactly
what a request runs.  Every number stays a ``Decimal`` until it is written as text.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

import perfrules
from perfrules.errors import PerfrulesError, PerfrulesErrors

SUBMISSION_SUFFIXES = (".docx", ".xlsx", ".toml", ".json", ".txt", ".csv")


def flat_errors(err: PerfrulesError) -> list[PerfrulesError]:
    """A ``PerfrulesErrors`` holds several problems; a plain one is its own list."""
    if isinstance(err, PerfrulesErrors):
        return [e for inner in err.errors for e in flat_errors(inner)]
    return [err]


def error_json(err: PerfrulesError, severity: str = "error") -> dict[str, Any]:
    """One problem as the studio and API clients read it: the CLI's position, 1-based."""
    pos = err.position
    line, column = pos.line or 1, pos.column or 1
    return {
        "file": pos.file, "line": line, "column": column, "end_line": line,
        "end_column": column + err.length, "cell": pos.cell, "severity": severity,
        "message": err.message, "expected": err.expected, "hint": err.suggestion or err.expected or "",
        "code": err.code, "rendered": err.render(),
    }


def check_text(text: str, file: str, search: tuple[str, ...]) -> tuple[perfrules.Ruleset | None, list[dict[str, Any]]]:
    """Load a ruleset from the editor's text: the ruleset (if it loads) and every diagnostic."""
    try:
        rs = perfrules.load_ruleset_text(text, file, search)
    except PerfrulesError as err:
        return None, [error_json(e) for e in flat_errors(err)]
    return rs, [error_json(w, "warning") for w in rs.warnings]


@attrs.frozen
class CaseReport:
    name: str
    line: int | None
    passed: bool
    problems: tuple[str, ...]

    def json(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line, "passed": self.passed, "problems": list(self.problems)}


def run_cases(rs: perfrules.Ruleset, ruleset_path: str) -> list[CaseReport]:
    """The cases written beside *ruleset_path*, run under *rs* (the edited text's ruleset)."""
    from perfrules.app.casetest import cases_file_for, load_cases, run_case

    cases_path = cases_file_for(ruleset_path)
    if cases_path is None:
        return []
    out = []
    for case in load_cases(str(cases_path)):
        outcome = run_case(case, rs)
        out.append(CaseReport(case.name, case.position.line, outcome.passed, outcome.problems))
    return out


# ------------------------------------------------------------------------- impact
@attrs.frozen
class Unit:
    file: str
    unit: str
    old_total: Decimal | None
    old_grade: str | None
    new_total: Decimal | None
    new_grade: str | None
    why: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return (self.old_total, self.old_grade) != (self.new_total, self.new_grade)

    def json(self) -> dict[str, Any]:
        def num(d: Decimal | None) -> str | None:
            return None if d is None else str(d)
        return {"file": self.file, "unit": self.unit, "old_total": num(self.old_total), "old_grade": self.old_grade,
                "new_total": num(self.new_total), "new_grade": self.new_grade, "changed": self.changed,
                "why": list(self.why)}


class Corpus:
    """The corpus folder's submissions, read once and kept while their files do not change."""

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self._cache: dict[str, tuple[float, perfrules.Submission | PerfrulesError]] = {}
        # the saved ruleset's results: it stays the same object while its file is unchanged
        # (load_ruleset caches by path and mtime), so each edit re-scores under B only
        self._saved: dict[str, tuple[perfrules.Submission, perfrules.Ruleset, perfrules.Result]] = {}

    def files(self) -> list[str]:
        if not self.folder or not os.path.isdir(self.folder):
            return []
        found = []
        for root, dirs, names in os.walk(self.folder):
            dirs.sort()
            found += [os.path.join(root, n) for n in sorted(names) if n.lower().endswith(SUBMISSION_SUFFIXES)]
        return found

    def score_saved(self, path: str, sub: perfrules.Submission, rs: perfrules.Ruleset) -> perfrules.Result:
        hit = self._saved.get(path)
        if hit is not None and hit[0] is sub and hit[1] is rs:
            return hit[2]
        result = perfrules.score(sub, rs)
        self._saved[path] = (sub, rs, result)
        return result

    def submissions(self) -> Iterator[tuple[str, perfrules.Submission | PerfrulesError]]:
        for path in self.files():
            mtime = os.stat(path).st_mtime
            hit = self._cache.get(path)
            if hit is None or hit[0] != mtime:
                try:
                    value: perfrules.Submission | PerfrulesError = perfrules.read_submission(path)
                except PerfrulesError as err:
                    value = err
                hit = (mtime, value)
                self._cache[path] = hit
            yield path, hit[1]


def _row_changes(a: perfrules.Result, b: perfrules.Result) -> list[str]:
    """Why a unit's total moved: each row whose score changed, and the level weights."""
    why = []
    for ra, rb in zip(a.rows, b.rows):
        if ra.score != rb.score:
            label = " ".join((ra.name or ra.level2).split())[:40]
            why.append(f"第{ra.row}行「{label}」{_pts(ra.score)} → {_pts(rb.score)}"
                       + (f"（分值 {_pts(ra.weight)} → {_pts(rb.weight)}）" if ra.weight != rb.weight else ""))
    if a.grade != b.grade:
        why.append(f"等级 {a.grade or '—'} → {b.grade or '—'}")
    return why


def _pts(d: Decimal | None) -> str:
    return "—" if d is None else f"{d.quantize(Decimal('0.01'))}"


def impact(corpus: Corpus, old: perfrules.Ruleset, new: perfrules.Ruleset) -> dict[str, Any]:
    """Score every corpus table under the saved ruleset and the edited one, unit by unit."""
    units: list[Unit] = []
    failures: list[dict[str, Any]] = []
    for path, sub in corpus.submissions():
        name = os.path.relpath(path, corpus.folder or ".")
        if isinstance(sub, PerfrulesError):
            failures.append({**error_json(sub), "file": name})
            continue
        a, b = corpus.score_saved(path, sub, old), perfrules.score(sub, new)
        units.append(Unit(name, sub.unit, a.total, a.grade, b.total, b.grade,
                          tuple(_row_changes(a, b)) if (a.total, a.grade) != (b.total, b.grade) else ()))
    grades = [g.name for g in new.grades] or [g.name for g in old.grades]
    before = Counter(u.old_grade for u in units)
    after = Counter(u.new_grade for u in units)
    return {
        "units": [u.json() for u in units],
        "changed": sum(1 for u in units if u.changed),
        "grades": [{"grade": g, "before": before.get(g, 0), "after": after.get(g, 0)} for g in grades],
        "failures": failures,
    }


# ------------------------------------------------------------------- resolved view
def resolved(rs: perfrules.Ruleset, label: Callable[[str], str]) -> dict[str, Any]:
    """Every setting of a ruleset with the layer (and file:line) it comes from; *label* names files."""
    def origin(key: str) -> dict[str, Any]:
        layer, pos = rs.origins.get(key, ("", None))
        return {"layer": layer, "file": label(pos.file) if pos and pos.file else None, "line": pos.line if pos else None}

    return {
        "id": rs.id, "name": rs.name, "jurisdiction": rs.jurisdiction, "year": rs.year, "version": rs.version,
        "chain": list(rs.chain),
        "rounding": {"places": rs.rounding.places, "mode": rs.rounding.mode, "origin": origin("rounding")},
        "weights": [{"level1": k, "points": str(v), "origin": origin(f"weights.{k}")} for k, v in rs.weights.items()],
        "full_marks": str(rs.full_marks),
        "grades": {"bands": [{"name": g.name, "low": str(g.low), "high": str(g.high), "text": str(g)} for g in rs.grades],
                   "origin": origin("grades")},
        "rules": [{"id": r.id, "name": r.name, "text": r.text, "applies": r.applies.describe(),
                   "cite": f"{r.citation.document}{r.citation.article}", "evidence": r.citation.evidence,
                   "origin": origin(f"rules.{r.id}")} for r in rs.rules],
        "documents": [{"key": k, "title": str(d), "issuer": d.issuer, "issued": d.issued} for k, d in rs.documents.items()],
    }


# --------------------------------------------------------------------------- save
_VERSION = re.compile(r'^(\s*"?version"?\s*=\s*")([^"]*)(")', re.M)


def bump_version(text: str) -> str:
    """``version = "2023.1"`` → ``"2023.2"``: the last number goes up by one (added when missing)."""
    m = _VERSION.search(text)
    if not m:
        return text
    old = m.group(2)
    nums = re.search(r"(\d+)(\D*)$", old)
    new = f"{old[:nums.start(1)]}{int(nums.group(1)) + 1}{nums.group(2)}" if nums else f"{old}.1"
    return text[:m.start(2)] + new + text[m.end(2):]


def unified_diff(old: str, new: str, name: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        f"已保存/{name}", f"编辑中/{name}"))


def within(path: str, roots: Sequence[str]) -> bool:
    """Is *path* (after following links) inside one of *roots*?"""
    real = os.path.realpath(path)
    for root in roots:
        r = os.path.realpath(root)
        if os.path.commonpath([real, r]) == r:
            return True
    return False


def index(search: tuple[str, ...]) -> Mapping[str, str]:
    return perfrules.ruleset_index(search)
