"""The records of a batch: a task, a scored unit's summary line, a failure, the whole
result, and the manifest that lets ``--resume`` skip what is complete.  Plain data
(with its JSON form), shared by the batch runner, the progress line and the summary
renderers, so none of them imports another.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import IO, Any

import attrs

from perfrules.errors import PerfrulesError, os_reason

MANIFEST = ".perfrules-batch.json"
#: What finished since the manifest was last written whole: one JSON line per unit, appended.
JOURNAL = ".perfrules-batch.log"
MANIFEST_VERSION = "1"


@attrs.frozen
class Task:
    """One input to score and where its reports go."""

    input: str
    name: str
    formats: tuple[str, ...]
    outdir: str
    ruleset: str | None = None
    lang: str = "zh"


@attrs.frozen
class UnitSummary:
    """A scored unit as the summary lists it."""

    name: str
    input: str
    unit: str
    year: int | None
    total: Decimal
    self_reported_total: Decimal | None
    grade: str | None
    findings: dict[str, int]
    reports: dict[str, str]  # format → file name inside OUTDIR
    places: int = 2
    selection: str = ""  # why this ruleset scored the unit, as every report says it

    @property
    def difference(self) -> Decimal | None:
        """复核总分 − 自评总分 (negative: the unit rated itself higher than the review)."""
        return None if self.self_reported_total is None else self.total - self.self_reported_total


@attrs.frozen
class Failure:
    """An input that could not be scored, with its error as the user would see it."""

    input: str
    message: str  # PerfrulesError.render(): file:line:column, the source line, the hint
    code: str
    location: str
    name: str = ""


Outcome = UnitSummary | Failure


@attrs.frozen
class BatchResult:
    """Everything the summary accounts for: scored, failed, skipped as already done."""

    inputs: int
    scored: tuple[UnitSummary, ...]
    skipped: tuple[UnitSummary, ...]
    failures: tuple[Failure, ...]
    formats: tuple[str, ...]
    seconds: Decimal = Decimal(0)

    @property
    def units(self) -> list[UnitSummary]:
        """Scored and skipped units, highest total first."""
        return sorted((*self.scored, *self.skipped), key=lambda u: (-u.total, u.name))

    def grades(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for u in self.units:
            key = u.grade or "—"
            counts[key] = counts.get(key, 0) + 1
        return counts


def manifest_path(outdir: str) -> str:
    return os.path.join(outdir, MANIFEST)


def journal_path(outdir: str) -> str:
    return os.path.join(outdir, JOURNAL)


def _fingerprint(path: str) -> dict[str, int]:
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def unit_to_json(u: UnitSummary) -> dict[str, Any]:
    def num(d: Decimal | None) -> str | None:
        return None if d is None else format(d, "f")

    return {"name": u.name, "input": u.input, "unit": u.unit, "year": u.year, "total": num(u.total),
            "self_reported_total": num(u.self_reported_total), "difference": num(u.difference),
            "grade": u.grade, "findings_by_severity": dict(u.findings), "reports": dict(u.reports),
            "places": u.places, "selection": u.selection}


def unit_from_json(d: dict[str, Any]) -> UnitSummary:
    self_total = d.get("self_reported_total")
    return UnitSummary(d["name"], d["input"], d["unit"], d.get("year"), Decimal(d["total"]),
                       None if self_total is None else Decimal(self_total), d.get("grade"),
                       dict(d.get("findings_by_severity", {})), dict(d["reports"]), int(d.get("places", 2)),
                       str(d.get("selection", "")))


class Manifest:
    """What is complete in OUTDIR: unit name → its summary, input fingerprint, reports.

    Kept in two files.  ``.perfrules-batch.json`` is the whole manifest, written atomically
    when a batch starts and when it ends.  While it runs, what each chunk finished is
    appended to the journal ``.perfrules-batch.log`` (one JSON line per unit, fsynced),
    so keeping the manifest current costs what the chunk added, not the whole manifest
    again: rewriting it once per chunk made a batch quadratic (2,900 files: two thirds of
    the parent's time went to encoding it).  :meth:`load` reads the manifest and replays
    the journal over it; a line a kill cut short is not whole JSON and is passed over,
    and so is the unit it was for (scored again on ``--resume``)."""

    def __init__(self, outdir: str, entries: dict[str, dict[str, Any]] | None = None) -> None:
        self.outdir = outdir
        self.entries: dict[str, dict[str, Any]] = entries or {}
        self._pending: list[dict[str, Any]] = []  # journal lines not yet written
        self._journal: IO[bytes] | None = None

    @classmethod
    def load(cls, outdir: str) -> Manifest:
        try:
            with open(manifest_path(outdir), encoding="utf-8") as fh:
                data = json.load(fh)
            entries = data.get("units", {}) if data.get("schema_version") == MANIFEST_VERSION else {}
        except (OSError, ValueError, AttributeError):
            entries = {}
        entries = entries if isinstance(entries, dict) else {}
        _replay(journal_path(outdir), entries)
        return cls(outdir, entries)

    def done(self, task: Task) -> UnitSummary | None:
        """The recorded summary when this task's reports are all complete, else None."""
        entry = self.entries.get(task.name)
        if not entry or entry.get("input") != os.path.abspath(task.input):
            return None
        try:
            if entry.get("fingerprint") != _fingerprint(task.input):
                return None
            unit = unit_from_json(entry["summary"])
        except (OSError, KeyError, TypeError, ValueError, ArithmeticError):
            return None
        files = unit.reports
        if not all(f in files and os.path.isfile(os.path.join(self.outdir, files[f])) for f in task.formats):
            return None
        return unit

    def record(self, task: Task, unit: UnitSummary) -> None:
        entry = {"input": os.path.abspath(task.input), "fingerprint": _fingerprint(task.input),
                 "summary": unit_to_json(unit)}
        self.entries[task.name] = entry
        self._pending.append({"name": task.name, "entry": entry})

    def forget(self, name: str) -> None:
        """*name* is not complete (it failed this time): --resume must score it again."""
        if self.entries.pop(name, None) is not None:
            self._pending.append({"name": name, "forget": True})

    def flush(self) -> None:
        """Append what was recorded since the last flush to the journal, and sync it."""
        if not self._pending:
            return
        from perfrules.output import writable

        lines = "".join(writable(json.dumps(line, ensure_ascii=False, separators=(",", ":"))) + "\n"
                        for line in self._pending).encode("utf-8")
        self._pending.clear()
        try:
            if self._journal is None:
                self._journal = open(journal_path(self.outdir), "ab")
            self._journal.write(lines)
            self._journal.flush()
            os.fsync(self._journal.fileno())
        except OSError as exc:
            raise PerfrulesError(f"无法写入批量清单 {journal_path(self.outdir)}：{os_reason(exc)}", code="io") from None

    def save(self) -> None:
        """Write the whole manifest (atomically), then start the journal afresh."""
        from perfrules.output import write_atomic

        self._pending.clear()
        data = {"schema_version": MANIFEST_VERSION, "units": self.entries}
        write_atomic(manifest_path(self.outdir), json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        self.close()
        try:
            os.remove(journal_path(self.outdir))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise PerfrulesError(f"无法删除批量清单日志 {journal_path(self.outdir)}：{os_reason(exc)}", code="io") from None

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def _replay(path: str, entries: dict[str, dict[str, Any]]) -> None:
    """Apply the journal's lines to *entries*, in order.  Replaying it over a manifest
    that already holds it changes nothing (each unit ends as its last line says), so a
    kill between writing the manifest and removing the journal loses nothing."""
    try:
        with open(path, "rb") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return
    for raw in lines:
        try:
            line = json.loads(raw)
            name = line["name"]
            if line.get("forget"):
                entries.pop(name, None)
            elif isinstance(line["entry"], dict):
                entries[name] = line["entry"]
        except (ValueError, KeyError, TypeError):
            continue  # cut short by a kill: that unit is not recorded
