"""Batch scoring: many 自评表 in, one report per unit per format, and a summary.

Why it is built this way:
- inputs are files, folders (searched recursively) or globs, in a stable order, so
  each unit gets the same report name on every run (``<stem>.<ext>``, made unique);
- units are scored in worker processes in chunks (one ruleset load per worker, not
  per unit); every file goes through ``write_atomic``, so a killed batch leaves
  whole reports or none;
- the manifest ``OUTDIR/.perfrules-batch.json`` is written atomically when a batch
  starts and ends; what each chunk finishes in between is appended to its journal
  ``OUTDIR/.perfrules-batch.log`` (:class:`~perfrules.batchrecords.Manifest`), and
  ``--resume`` skips what the two record as complete;
- one bad input never stops the batch: it becomes a failure with its rendered,
  located error, listed in the summary.
"""

from __future__ import annotations

import glob
import multiprocessing
import multiprocessing.context
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from perfrules.batchrecords import (
    MANIFEST, MANIFEST_VERSION, BatchResult, Failure, Manifest, Outcome, Task, UnitSummary, manifest_path, unit_from_json,
    unit_to_json,
)
from perfrules.errors import PerfrulesError

if TYPE_CHECKING:
    from perfrules.model import Submission
    from perfrules.ruleset.catalog import Selection

# The records live in batchrecords.py; they are named here too, where callers have always found them.
__all__ = ["INPUT_EXTENSIONS", "MANIFEST", "MANIFEST_VERSION", "SUMMARY_FORMATS", "SUMMARY_NAME", "BatchOptions",
           "BatchResult", "Failure", "Manifest", "Outcome", "Task", "UnitSummary", "collect_inputs", "manifest_path",
           "plan", "remove_stale_temporaries", "report_files", "run_batch", "score_chunk", "score_task", "unique_names",
           "unit_from_json", "unit_to_json", "write_summary"]

INPUT_EXTENSIONS = (".toml", ".json", ".docx", ".xlsx", ".txt", ".csv")
SUMMARY_NAME = "summary"
SUMMARY_FORMATS = ("json", "html", "xlsx")
# ------------------------------------------------------------------------ inputs
def collect_inputs(paths: Sequence[str]) -> tuple[list[str], list[Failure]]:
    """Files named, found in folders or matched by globs, deduplicated, in order."""
    found: list[str] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for path in paths:
        matches = _expand(path)
        if not matches:
            failures.append(Failure(path, f"{path}: 错误：没有找到这个文件或匹配的自评表", "not_found", path))
        for m in matches:
            key = os.path.realpath(m)
            if key not in seen:
                seen.add(key)
                found.append(m)
    return found, failures


def _expand(path: str) -> list[str]:
    if os.path.isdir(path):
        return sorted(_walk(path))
    if os.path.isfile(path):
        return [path]
    if glob.has_magic(path):
        hits = sorted(glob.glob(path, recursive=True))
        return [h for h in hits if os.path.isfile(h)] + sorted(f for h in hits if os.path.isdir(h) for f in _walk(h))
    return []


def _walk(folder: str) -> Iterator[str]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in files:
            if f.lower().endswith(INPUT_EXTENSIONS) and not f.startswith((".", "~$")):
                yield os.path.join(root, f)


def unique_names(inputs: Sequence[str]) -> list[str]:
    """Report names from the input stems, made unique in input order (a-2, a-3 …)."""
    taken = {SUMMARY_NAME}
    tried: dict[str, int] = {}  # stem → the last suffix it took: every one below it is taken
    names = []
    for path in inputs:
        stem = _safe(os.path.splitext(os.path.basename(path))[0]) or "unit"
        n = tried.get(stem.lower(), 1)  # units in folders of their own, each filed as 自评表.xlsx: not n² tries
        name = stem if n == 1 else f"{stem}-{n}"
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        tried[stem.lower()] = n
        taken.add(name.lower())
        names.append(name)
    return names


def _safe(stem: str) -> str:
    return "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in stem).strip(" .")


# ------------------------------------------------------------------------ scoring one unit
def report_files(name: str, formats: Iterable[str]) -> dict[str, str]:
    from perfrules.render import EXTENSIONS

    return {fmt: f"{name}{EXTENSIONS[fmt]}" for fmt in formats}


def score_task(task: Task) -> Outcome:
    """Score one input and write its reports; any problem becomes a Failure."""
    try:
        return _score_and_write(task)
    except PerfrulesError as err:
        return Failure(task.input, err.render(task.lang), err.code, str(err.position), task.name)
    except Exception as exc:  # a bug on one odd input must not stop the others
        message = f"{task.input}: 内部错误（程序缺陷，请报告维护者）：{type(exc).__name__}: {exc}"
        return Failure(task.input, message, "internal", task.input, task.name)


def _score_and_write(task: Task) -> UnitSummary:
    from perfrules.output import write_atomic
    from perfrules.explain import described
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.readers import read_submission
    from perfrules.render import render

    submission = read_submission(task.input)
    if task.ruleset:
        ruleset = load_ruleset(task.ruleset)
        result = described(score(submission, ruleset), ruleset, f"按 --ruleset 指定：{ruleset.id}")
    else:
        chosen = _select(submission)
        result = described(score(submission, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback),
                           chosen.ruleset, chosen.why)
    files = report_files(task.name, task.formats)
    for fmt, file in files.items():
        write_atomic(os.path.join(task.outdir, file), render(result, fmt, lang=task.lang))
    return UnitSummary(task.name, task.input, result.unit, result.year, result.total, result.self_reported_total,
                       result.grade, result.findings_by_severity(), files, result.places, result.selection)


_SELECTED: dict[tuple[str, int | None, str], Selection] = {}


def _select(submission: Submission) -> Selection:
    """choose_ruleset, remembered per (辖区, 年度, 类型): it scans every ruleset file on each call."""
    from perfrules.ruleset.catalog import choose_ruleset

    key = (submission.jurisdiction, submission.year, submission.kind)
    if submission.jurisdiction and key in _SELECTED:
        return _SELECTED[key]
    chosen = choose_ruleset(submission)
    if submission.jurisdiction:
        _SELECTED[key] = chosen
    return chosen


def score_chunk(tasks: Sequence[Task]) -> list[Outcome]:
    """A worker's unit of work: several tasks, so process overhead is paid per chunk."""
    return [score_task(t) for t in tasks]


# ------------------------------------------------------------------------ running
Progress = Callable[[Outcome], None]


@attrs.frozen
class BatchOptions:
    outdir: str
    formats: tuple[str, ...]
    jobs: int = 0  # 0: every core
    resume: bool = False
    ruleset: str | None = None
    lang: str = "zh"


def plan(paths: Sequence[str], opts: BatchOptions) -> tuple[list[Task], list[Failure]]:
    """The tasks for the inputs found, and a failure for each path that found nothing."""
    inputs, failures = collect_inputs(paths)
    out = os.path.realpath(opts.outdir) + os.sep
    inputs = [p for p in inputs if not os.path.realpath(p).startswith(out)]  # never our own reports
    tasks = [Task(p, n, opts.formats, opts.outdir, opts.ruleset, opts.lang) for p, n in zip(inputs, unique_names(inputs))]
    return tasks, failures


def run_batch(tasks: Sequence[Task], missing: Sequence[Failure], opts: BatchOptions,
              progress: Progress | None = None) -> BatchResult:
    """Score every task not already done, keep the manifest current, write the summary."""
    started = time.monotonic()
    os.makedirs(opts.outdir, exist_ok=True)
    remove_stale_temporaries(opts.outdir)
    manifest = Manifest.load(opts.outdir) if opts.resume else Manifest(opts.outdir)
    skipped, todo = _split_done(tasks, manifest) if opts.resume else ([], list(tasks))
    manifest.save()
    scored: list[UnitSummary] = []
    failures = list(missing)
    try:
        for finished in _execute(todo, opts.jobs):
            for task, outcome in finished:
                if isinstance(outcome, UnitSummary):
                    scored.append(outcome)
                    manifest.record(task, outcome)
                else:
                    failures.append(outcome)
                    manifest.forget(task.name)
            manifest.flush()  # what this chunk finished, appended to the journal
            if progress is not None:
                for _, outcome in finished:
                    progress(outcome)
        manifest.save()  # whole again, once the batch is done
    finally:
        manifest.close()
    seconds = Decimal(int((time.monotonic() - started) * 1000)).scaleb(-3)
    result = BatchResult(len(tasks) + len(missing), tuple(scored), tuple(skipped), tuple(failures), opts.formats,
                         seconds)
    write_summary(result, opts.outdir, opts.lang)
    return result


def remove_stale_temporaries(outdir: str) -> None:
    """Temporary files a killed batch left behind (never reports: those are renamed whole)."""
    for path in glob.glob(os.path.join(glob.escape(outdir), ".perfrules-*.tmp")):
        try:
            os.remove(path)
        except OSError:
            pass


def _split_done(tasks: Sequence[Task], manifest: Manifest) -> tuple[list[UnitSummary], list[Task]]:
    skipped, todo = [], []
    for t in tasks:
        unit = manifest.done(t)
        if unit is None:
            todo.append(t)
        else:
            skipped.append(unit)
    return skipped, todo


def _execute(tasks: Sequence[Task], jobs: int) -> Iterator[list[tuple[Task, Outcome]]]:
    """(task, outcome) pairs chunk by chunk as they finish: in this process for one job, else in a pool."""
    workers = jobs or os.cpu_count() or 1
    chunks = list(_chunks(tasks, workers))
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield list(zip(chunk, score_chunk(chunk)))
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=_context()) as pool:
        pending: dict[Future[list[Outcome]], Sequence[Task]] = {pool.submit(score_chunk, c): c for c in chunks}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield list(zip(pending.pop(fut), fut.result()))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: forking a process that runs a progress-bar thread is unsafe."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _chunks(tasks: Sequence[Task], workers: int) -> Iterator[Sequence[Task]]:
    """Small enough that the manifest keeps up and cores stay busy, big enough to amortise."""
    size = max(1, min(8, len(tasks) // (workers * 4)))
    for i in range(0, len(tasks), size):
        yield tasks[i: i + size]


def write_summary(result: BatchResult, outdir: str, lang: str = "zh") -> dict[str, str]:
    """summary.json, summary.html and summary.xlsx in OUTDIR, each written atomically."""
    from perfrules.output import write_atomic
    from perfrules.render import summary

    written = {}
    for fmt in SUMMARY_FORMATS:
        path = os.path.join(outdir, f"{SUMMARY_NAME}.{fmt}")
        write_atomic(path, summary.render(result, fmt, lang))
        written[fmt] = path
    return written
