"""perfrules' own benchmark: speed against hand-written Python, start-up, memory, cores.

    .venv/bin/python bench/run.py            # full: N=20000, 1,000,000 streamed, 10,000 varied tables
    .venv/bin/python bench/run.py --quick    # smaller N, 100,000 streamed, 800 varied tables (about 2 min)
    .venv/bin/python bench/run.py --hetero [--quick] [--profile]   # only the heterogeneous section

Prints one table and writes the figures to bench/results/run.json.  Every ratio is
against the hand-written Decimal reference of the peer benchmark (reference.py in
shared/bench-peers), measured in the same process, interleaved, median of rounds.

Figures:
  * submissions/s, totals only, with every explanation record built, and with every
    record's values also read as text (a plan writes them when read), each as a ratio
    to the reference (the plan of bench/workload-ruleset.toml);
  * ruleset chain load + compile: cold (a fresh interpreter: imports, lark's cached
    parser, every rule text parsed) and warm (same process, ruleset cache cleared);
  * cold ``perfrules score`` of the seed: whole-process wall time, median of runs, and a
    bare ``python -c pass`` run in turn with it (perfrules' own share is the difference);
  * peak RSS of ``perfrules stream`` scoring N submissions JSON Lines → JSON Lines
    (input generated into a temp dir; the child's RSS from getrusage(RUSAGE_CHILDREN));
  * batch speed-up on all cores versus one (processes over chunks of plan scoring);
  * growth (bench/scaling.py): time per row of one table of 4,800 rows against 480 (read,
    score, every report format), and per file of a batch of 2,900 files against 290;
  * heterogeneous tables (bench/hetero.py: 10,000 distinct tables varied from the seed, the
    ruleset cases and the corpus), each figure against a floor measured in the same run:
    ``read_submission`` of their TOML files vs ``tomllib.loads`` of the same files; where the
    keys a scored table's rows point at are written (``tomlkeys.Locator``: worked out when a
    report reads them, not by score()), found as now and after the whole key scan as
    before, vs the same floor;
    ``score()`` (findings and explanations are always built) of tables just read (each round
    reads them again, untimed, so what a Submission works out on first use is paid for) vs
    ``tomllib.loads`` of the same table; JSON rendering in tables/s; 1,000 .docx and 1,000 .xlsx of them in the printed
    layout (tests/corpus/make_layouts.py) read as a ratio to zipfile + lxml parsing the
    document XML (docx) or the sheet and shared strings (xlsx), and scored end to end
    (read, choose the ruleset, score, render JSON) on one core and on all cores; and each
    thousand as a user batches them: ``perfrules score 'DIR/*.docx' -o OUT`` in a child
    process (html and json reports written atomically, the manifest, the summary).
    ``--profile`` adds cProfile of ``score()`` over those tables (bench/results/hetero-profile.txt).

A last table lists the goals of issue 14 and whether each is met.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULESET = ROOT / "bench" / "workload-ruleset.toml"
SEED = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
CHAIN = "hunan/zhuzhou/lusong/2023"
OUT = ROOT / "bench" / "results" / "run.json"

GOALS = {
    "totals_ratio": (">=", 1.0), "explained_ratio": (">=", 0.5), "cold_score_ms": ("<=", 150.0),
    "warm_load_ms": ("<=", 20.0), "stream_peak_rss_mb": ("<=", 200.0), "speedup": (">=", 1.8),
    # issue 14, on the heterogeneous tables
    "score_ratio": ("<=", 0.2), "read_ratio": ("<=", 1.5), "docx_read_ratio": ("<=", 4.0), "xlsx_read_ratio": ("<=", 10.0),
}


def peers_dir() -> Path:
    """shared/bench-peers beside the checkout (as in CI), or /work/shared/bench-peers."""
    candidates = [Path(os.environ["PERFRULES_BENCH_PEERS"])] if os.environ.get("PERFRULES_BENCH_PEERS") else []
    candidates += [ROOT.parent / "shared" / "bench-peers", Path("/work/shared/bench-peers")]
    for path in candidates:
        if (path / "reference.py").is_file() and (path / "workload.py").is_file():
            return path
    sys.exit("bench/run.py: the hand-written reference is missing: expected reference.py and workload.py in "
             + " or ".join(str(p) for p in candidates) + " (set PERFRULES_BENCH_PEERS to its folder)")


PEERS = peers_dir()
sys.path.insert(0, str(PEERS))
sys.path.insert(0, str(ROOT / "bench"))

import perfrules_adapter as adapter  # noqa: E402
import reference  # noqa: E402
import scaling  # noqa: E402
from children import child_env, perfrules_command  # noqa: E402
import workload  # noqa: E402


# ----------------------------------------------------------------- throughput
def throughput(n: int, rounds: int) -> dict[str, Any]:
    """Interleaved rounds of reference, plan totals and plan with explanations; medians."""
    subs = workload.generate(n)
    adapter.setup(workload.RULESET)
    expected = reference.score_batch(subs)
    fns = {"reference": reference.score_batch, "totals": adapter.score_batch, "explained": adapter.score_batch_explained,
           "explained_text": adapter.score_batch_explained_text}
    if any(fn(subs) != expected for fn in fns.values()):
        sys.exit("bench/run.py: perfrules totals differ from the reference")
    runs: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}  # seconds of CPU time per round
    for r in range(rounds):
        order = list(fns)[r % len(fns):] + list(fns)[:r % len(fns)]
        for name in order:
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            fns[name](subs)
            cpu[name].append(time.process_time() - c0)
            runs[name].append(n / (time.perf_counter() - t0))
    med = {k: statistics.median(v) for k, v in runs.items()}
    best = {k: min(v) for k, v in cpu.items()}  # what a round costs when the machine does not get in the way
    return {"n": n, "rounds": rounds, "subs_per_s": med, "all_rounds": runs,
            "totals_ratio": med["totals"] / med["reference"], "explained_ratio": med["explained"] / med["reference"],
            "explained_text_ratio": med["explained_text"] / med["reference"],
            "cpu_best_s": best, "cpu_ratios": {k: best["reference"] / v for k, v in best.items() if k != "reference"}}


# ------------------------------------------------------------------- start-up
def _child(code: str, **env: str) -> str:
    # not from the checkout: a release install must not import ./perfrules instead of itself
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir(), check=True,
                          env=child_env(**env))
    return proc.stdout.strip().splitlines()[-1]


def load_times(repeats: int) -> dict[str, Any]:
    """Chain load + compile: cold in fresh interpreters, warm in this one (cache cleared)."""
    cold_code = ("import time; t0 = time.perf_counter(); from perfrules.ruleset.loader import load_ruleset; "
                 "t1 = time.perf_counter(); load_ruleset({ref!r}); t2 = time.perf_counter(); "
                 "print((t1 - t0) * 1000, (t2 - t1) * 1000)")
    out: dict[str, Any] = {}
    from perfrules.ruleset import loader
    from perfrules.scoring.plan import compile_plan

    for label, ref in (("chain", CHAIN), ("workload", str(RULESET))):
        samples = [tuple(map(float, _child(cold_code.format(ref=ref)).split())) for _ in range(repeats)]
        no_cache = [tuple(map(float, _child(cold_code.format(ref=ref), PERFRULES_NO_CACHE="1").split()))
                    for _ in range(repeats)]
        warm = []
        for _ in range(max(repeats, 5)):
            loader._load_cached.cache_clear()
            loader.ruleset_index.cache_clear()
            t0 = time.perf_counter()
            rs = loader.load_ruleset(ref)
            warm.append((time.perf_counter() - t0) * 1000)
        out[label] = {"ref": ref, "layers": len(rs.chain), "rules": len(rs.rules),
                      "cold_import_ms": statistics.median(s[0] for s in samples),
                      "cold_load_ms": statistics.median(s[1] for s in samples),
                      "cold_load_no_ast_cache_ms": statistics.median(s[1] for s in no_cache),
                      "warm_load_ms": statistics.median(warm)}
    rs = loader.load_ruleset(str(RULESET))
    plans = []
    for _ in range(max(repeats, 5)):
        t0 = time.perf_counter()
        compile_plan(rs)
        plans.append((time.perf_counter() - t0) * 1000)
    out["plan_compile_ms"] = statistics.median(plans)
    return out


def cold_score(repeats: int) -> dict[str, Any]:
    """Whole-process wall time of ``perfrules score`` on the seed, fresh each time, and of a
    bare ``python -c pass`` run in turn with it (the same number of runs, interleaved): what
    the interpreter's own start costs on this machine (its site-packages' .pth files
    included), so that perfrules' share is the difference of the two medians."""
    cmd = [*perfrules_command(), "score", str(SEED)]
    bare_cmd = [sys.executable, "-c", "pass"]
    subprocess.run(cmd, capture_output=True, check=True, env=child_env())  # OS file cache and lark's parser cache warm
    samples, bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=child_env())
        samples.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        subprocess.run(bare_cmd, capture_output=True, check=True, env=child_env())
        bare.append((time.perf_counter() - t0) * 1000)
    modules = _child("import sys, perfrules.app.cli; from perfrules.app.commands import score; "
                     "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'perfrules')))")
    where = _child("import perfrules; print(perfrules.__file__)")
    median, bare_median = statistics.median(samples), statistics.median(bare)
    return {"cmd": " ".join(cmd[-3:]), "median_ms": median, "runs_ms": samples,
            "bare_python_ms": bare_median, "bare_runs_ms": bare, "own_ms": median - bare_median,
            "modules_after_import_cli": modules, "perfrules_in_child": where}


# --------------------------------------------------------------------- memory
def _write_jsonl(path: Path, n: int) -> None:
    """n generated submissions as JSON Lines (numbers as JSON numbers, exactly as generated)."""
    chunk = 10000
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, n, chunk):
            for i, sub in enumerate(workload.generate(min(chunk, n - start), seed=20231231 + start)):
                flat = workload.flat(sub)
                parts = [f'"id":"S{start + i + 1:07d}"']
                for key, value in flat.items():
                    parts.append(f'"{key}":' + (json.dumps(value, ensure_ascii=False) if isinstance(value, str)
                                                 else format(value, "f")))
                fh.write("{" + ",".join(parts) + "}\n")


def stream_rss(n: int) -> dict[str, Any]:
    """Peak RSS of ``perfrules stream`` over n lines, measured on the child."""
    with tempfile.TemporaryDirectory(prefix="perfrules-bench-") as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        t0 = time.perf_counter()
        _write_jsonl(src, n)
        gen_s = time.perf_counter() - t0
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cmd = [*perfrules_command(), "stream", "--ruleset", str(RULESET)]
        t0 = time.perf_counter()
        with src.open("rb") as fin, dst.open("wb") as fout:
            subprocess.run(cmd, stdin=fin, stdout=fout, check=True, env=child_env())
        wall = time.perf_counter() - t0
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        lines = 0
        check = workload.generate(1000, seed=20231231)
        expected = [str(t) for t in reference.score_batch(check)]
        got = []
        with dst.open(encoding="utf-8") as fh:
            for line in fh:
                if lines < 1000:
                    got.append(json.loads(line)["total"])
                lines += 1
        return {"n": n, "lines_out": lines, "first_1000_equal_reference": got == expected[: len(got)],
                "peak_rss_mb": peak_kb / 1024, "peak_rss_before_mb": before / 1024, "wall_s": wall,
                "subs_per_s": n / wall, "input_mb": src.stat().st_size / 2**20, "generate_s": gen_s}


# ---------------------------------------------------------------------- cores
_INPUTS: list[dict[str, Any]] = []


def _score_slice(bounds: tuple[int, int]) -> int:
    """Score a slice of the inputs this worker inherited (fork): only bounds travel."""
    plan = adapter._ready()
    totals = plan.totals(_INPUTS[bounds[0]:bounds[1]])
    return len(totals)  # (a careful fallback would show as a collapse in subs/s)


def _busy(n: int) -> int:
    """A loop that needs nothing but a core: what the machine gives right now."""
    total = 0
    for i in range(n):
        total += i
    return total


def speedup(n: int, rounds: int) -> dict[str, Any]:
    """Plan scoring over chunks: one process versus one per core (fork, inputs inherited)."""
    global _INPUTS
    _INPUTS = workload.generate(n)  # the adapter's plan reads them as generated
    adapter.setup(workload.RULESET)
    if adapter.score_batch(_INPUTS[:1000]) != reference.score_batch(_INPUTS[:1000]):
        sys.exit("bench/run.py: the plan's totals differ from the reference")
    cores = os.cpu_count() or 1
    chunk = max(1000, n // (cores * 8))
    bounds = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    ctx = multiprocessing.get_context("fork")
    gc.collect()
    gc.freeze()  # the inherited inputs stay out of the workers' collections (fewer copied pages)
    one, many, headroom = [], [], []
    with ctx.Pool(cores) as pool:
        pool.map(_score_slice, bounds[:cores])  # workers up, plan compiled in each
        for _ in range(rounds):
            gc.collect()
            t0 = time.perf_counter()
            assert sum(map(_score_slice, bounds)) == n
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert sum(pool.map(_score_slice, bounds)) == n
            many.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            list(map(_busy, [1_000_000] * cores * 4))
            t_one = time.perf_counter() - t0
            t0 = time.perf_counter()
            pool.map(_busy, [1_000_000] * cores * 4)
            headroom.append(t_one / (time.perf_counter() - t0))
    gc.unfreeze()
    t1, tn = statistics.median(one), statistics.median(many)
    return {"n": n, "cores": cores, "chunk": chunk, "one_core_s": t1, "all_cores_s": tn, "speedup": t1 / tn,
            "busy_loop_speedup": statistics.median(headroom),
            "subs_per_s_one": n / t1, "subs_per_s_all": n / tn}


# ------------------------------------------------------------- heterogeneous tables
def _say(what: str, since: float) -> None:
    print(f"  [hetero] {what} ({time.perf_counter() - since:.1f} s)", file=sys.stderr, flush=True)


def _timed(fn: Any, items: list[Any]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - t0


def _interleaved(fns: dict[str, Any], items: list[Any], rounds: int,
                 before: dict[str, Any] | None = None) -> dict[str, float]:
    """Median seconds of each fn over all items, rounds interleaved, order rotating;
    ``before[name]()``, untimed, before each round of that fn."""
    runs: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            if before and name in before:
                before[name]()
            runs[name].append(_timed(fns[name], items))
    return {name: statistics.median(v) for name, v in runs.items()}


_REFUSED: dict[str, str] = {}  # file → error code, for the inputs perfrules refuses
_READ: dict[Path, Any] = {}  # file → its Submission, from the last timed read


def _read_or_none(path: Path) -> Any:
    from perfrules.errors import PerfrulesError
    from perfrules.readers import read_submission

    try:
        sub = _READ[path] = read_submission(str(path))
        return sub
    except PerfrulesError as err:
        _REFUSED[str(path)] = err.code
        _READ[path] = None
        return None


def _score_one(job: tuple[Any, Any]) -> Any:
    from perfrules.errors import PerfrulesError
    from perfrules.scoring.interpreter import score

    sub, chosen = job
    try:
        return score(sub, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback)
    except PerfrulesError as err:
        _REFUSED[str(sub.source)] = err.code
        return None


def _end_to_end(path: str) -> int:
    """``perfrules score FILE -f json`` through the library: read, choose, score, render."""
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.errors import PerfrulesError
    from perfrules.explain import described
    from perfrules.scoring.interpreter import score
    from perfrules.readers import read_submission
    from perfrules.render import render

    try:
        sub = read_submission(path)
        chosen = choose_ruleset(sub)
        result = score(sub, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback)
        return len(render(described(result, chosen.ruleset, chosen.why), "json"))
    except PerfrulesError:
        return 0  # refused (counted by the read figure): the work up to the refusal is timed


def _end_to_end_chunk(paths: list[str]) -> int:
    for path in paths:
        _end_to_end(path)
    return len(paths)


def _batch_cli(folder: Path, kind: str, n: int) -> dict[str, Any]:
    """The batch as a user runs it: ``perfrules score 'DIR/*.docx' -o OUT`` in a child
    process, every core, the default reports (html and json, each written atomically),
    the manifest and the summary: wall time from start to exit."""
    import shutil

    out = Path(tempfile.mkdtemp(prefix=f"perfrules-batch-{kind}-"))
    try:
        t0 = time.perf_counter()
        done = subprocess.run([*perfrules_command(), "score", str(folder / f"*.{kind}"), "-o", str(out / "reports")],
                              capture_output=True, env=child_env())
        seconds = time.perf_counter() - t0
        summary = json.loads((out / "reports" / "summary.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "files_per_s": n / seconds, "exit": done.returncode, "counts": summary["counts"],
            "failed_by_code": _count(f.get("code", "?") for f in summary["failures"])}


def _xml_floor(kind: str) -> Any:
    """What any reader must do at least: open the zip, inflate and parse the table's XML."""
    import zipfile

    from lxml import etree

    members = ("word/document.xml",) if kind == "docx" else ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml")

    def floor(path: Path) -> None:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())  # openpyxl writes no sharedStrings.xml when its strings are inline
            for member in members:
                if member in names:
                    etree.fromstring(z.read(member))
    return floor


def _render_files(job: tuple[int, int, str, str]) -> int:
    import hetero

    start, stop, folder, kind = job
    tables = hetero.generate(stop, seed=_HETERO_SEED)[start:stop]
    for table in tables:
        hetero.write_layouts(table, Path(folder), (kind,))
    return len(tables)


_HETERO_SEED = 20231231


def heterogeneous(n: int, n_files: int, rounds: int, profile: bool) -> dict[str, Any]:
    """The issue-14 figures on n distinct varied tables (bench/hetero.py), floors in the same run."""
    import tomllib

    import hetero
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.explain import described
    from perfrules.render import render

    out: dict[str, Any] = {"n": n, "seed": _HETERO_SEED, "rounds": rounds}
    t0 = time.perf_counter()
    tables = hetero.generate(n, seed=_HETERO_SEED)
    texts = [t.toml() for t in tables]
    assert len(set(texts)) == n, "bench/hetero.py drew two equal tables"
    out["generate_s"] = time.perf_counter() - t0
    _say(f"{n:,} tables drawn", t0)
    t_all = time.perf_counter()
    out["templates"] = {k: sum(1 for t in tables if t.template.split(":")[0] == k) for k in ("seed", "case", "corpus")}
    out["rows_mean"] = statistics.mean(len(t.data.get("指标", [])) for t in tables)
    out["toml_bytes_mean"] = statistics.mean(len(t.encode("utf-8")) for t in texts)
    with tempfile.TemporaryDirectory(prefix="perfrules-hetero-") as tmp:
        folder = Path(tmp)
        paths = [folder / f"{t.name}.toml" for t in tables]
        for path, text in zip(paths, texts):
            path.write_text(text, encoding="utf-8")

        # read: read_submission of the file vs tomllib.loads of the same file's text (the goal's
        # floor), and vs the parser perfrules reads TOML with (tomli, compiled: tomllib's code)
        from perfrules.tomlsource import tomllib as parser

        med = _interleaved({"floor": lambda p: tomllib.loads(p.read_text(encoding="utf-8")), "read": _read_or_none,
                            "parser": lambda p: parser.loads(p.read_text(encoding="utf-8"))}, paths, rounds)
        subs = [_READ.pop(p) for p in paths]
        out["read"] = {"read_s": med["read"], "floor_s": med["floor"], "ratio": med["read"] / med["floor"],
                       "tables_per_s": n / med["read"], "refused": _count(_REFUSED.values()),
                       "parser": parser.__name__, "parser_s": med["parser"], "parser_ratio": med["read"] / med["parser"]}
        _say("read timed", t_all)

        # where each key is written (tomlkeys.Locator), worked out when a report reads it:
        # the keys a scored table points at (each row's 实际完成值 and 得分, the budget block's), found
        # from their tables' lines, and the whole scan (what a message about an odd file may need)
        from perfrules.tomlkeys import Locator
        asked = [_asked_keys(text) for text in texts]

        def positions(i: int, scan: bool = False) -> None:
            locator = Locator(texts[i], None)
            if scan:
                locator.spots  # the whole scan first, as every position was found before 2026-11-29
            for path in asked[i]:
                locator.position(path)

        med = _interleaved({"floor": lambda i: tomllib.loads(texts[i]), "scan": lambda i: positions(i, scan=True),
                            "asked": positions}, list(range(n)), rounds)
        out["key_scan"] = {"scan_s": med["scan"], "floor_s": med["floor"], "ratio": med["scan"] / med["floor"],
                           "asked_s": med["asked"], "asked_ratio": med["asked"] / med["floor"],
                           "asked_per_table": statistics.mean(len(a) for a in asked)}

        # score: score() vs tomllib.loads of the same table (the ruleset chosen beforehand, as a batch does)
        t0 = time.perf_counter()
        jobs = [(s, choose_ruleset(s)) for s in subs if s is not None]
        choose_s = time.perf_counter() - t0
        kept = [text for text, s in zip(texts, subs) if s is not None]
        kept_paths = [p for p, s in zip(paths, subs) if s is not None]

        def fresh() -> None:
            """Each round scores tables just read, as a batch does: what a Submission works
            out when first asked (where each key is written) is paid for again.  The tables
            read are frozen out of the cyclic collector's walks, as a batch holds one table at
            a time, not 10,000 (held and walked, 4,000 of them made score() 15% slower)."""
            from perfrules.readers import read_submission
            gc.unfreeze()
            jobs[:] = [(read_submission(str(p)), chosen) for p, (_, chosen) in zip(kept_paths, jobs)]
            gc.collect()
            gc.freeze()

        med = _interleaved({"floor": lambda i: tomllib.loads(kept[i]), "score": lambda i: _score_one(jobs[i])},
                           list(range(len(jobs))), rounds, before={"score": fresh})
        _REFUSED.clear()
        fresh()
        results = [_score_one(j) for j in jobs]
        rows = sum(len(r.rows) for r in results if r is not None)
        out["score"] = {"score_s": med["score"], "floor_s": med["floor"], "ratio": med["score"] / med["floor"],
                        "tables_per_s": len(jobs) / med["score"], "rows_per_s": rows / med["score"],
                        "refused": _count(_REFUSED.values()), "choose_ruleset_s": choose_s,
                        "rulesets": dict(sorted(_count(j[1].ruleset.id for j in jobs).items())),
                        "explanations": sum(len(r.explanations) for r in results if r is not None),
                        "findings": sum(len(r.findings) for r in results if r is not None)}

        # render JSON, of results of tables just read and scored (untimed): a row's position is
        # worked out when the report first reads it (tomlpositions.DeferredPosition), so each round
        # pays for them again, as a report of a new table does
        def scored() -> list[Any]:
            fresh()
            return [described(r, j[1].ruleset, j[1].why) for r, j in zip(map(_score_one, jobs), jobs) if r is not None]

        runs = []
        for _ in range(rounds):
            done = scored()
            runs.append(_timed(lambda r: render(r, "json"), done))
        out["render_json"] = {"s": statistics.median(runs), "tables_per_s": len(done) / statistics.median(runs)}
        _say("score and render timed", t_all)

        if profile:
            fresh()
            out["profile"] = _profile_score(jobs)
            _say("score profiled", t_all)
        gc.unfreeze()

        if n_files:
            out["files"] = _files(min(n_files, n), folder, max(1, rounds - 1))  # slow: one round fewer
    return out


def _asked_keys(text: str) -> list[tuple[str | int, ...]]:
    """The keys a scored table's rows point at, in any table: each row's 实际完成值 and 得分
    (a RowResult's and an Explanation's location), and the budget block's.  score() hands
    them out unworked (tomlpositions.DeferredPosition); a report that shows them works them out."""
    import tomllib

    data = tomllib.loads(text)
    rows = data.get("指标", [])
    paths: list[tuple[str | int, ...]] = [("预算执行", key) for key in data.get("预算执行", {})]
    for i, row in enumerate(rows if isinstance(rows, list) else []):
        paths += [("指标", i, key) for key in ("实际完成值", "得分") if isinstance(row, dict) and key in row]
    return paths


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _files(n: int, folder: Path, rounds: int) -> dict[str, Any]:
    """n .docx and n .xlsx of the first n tables: read vs the XML floor, end to end on 1 and all cores."""
    cores = os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    out: dict[str, Any] = {"n": n, "cores": cores}
    t0 = time.perf_counter()
    step = max(1, n // (cores * 4))
    jobs = [(i, min(i + step, n), str(folder), kind) for kind in ("docx", "xlsx") for i in range(0, n, step)]
    with ctx.Pool(cores) as pool:
        assert sum(pool.map(_render_files, jobs)) == 2 * n
    out["render_files_s"] = time.perf_counter() - t0
    _say(f"{n:,} .docx and {n:,} .xlsx written", t0)
    for kind in ("docx", "xlsx"):
        paths = sorted(folder.glob(f"*.{kind}"))
        assert len(paths) == n
        _REFUSED.clear()
        med = _interleaved({"floor": _xml_floor(kind), "read": _read_or_none}, paths, rounds)
        _READ.clear()
        refused = _count(_REFUSED.values())
        t_kind = time.perf_counter()
        names = [str(p) for p in paths]
        one = []
        all_cores = []
        chunk = max(1, n // (cores * 8))
        chunks = [names[i:i + chunk] for i in range(0, n, chunk)]
        with ctx.Pool(cores) as pool:
            pool.map(_end_to_end_chunk, chunks[:cores])  # workers up
            for _ in range(rounds):
                gc.collect()
                t0 = time.perf_counter()
                assert _end_to_end_chunk(names) == n
                one.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                assert sum(pool.map(_end_to_end_chunk, chunks)) == n
                all_cores.append(time.perf_counter() - t0)
        t1, tn = statistics.median(one), statistics.median(all_cores)
        out[kind] = {"read_s": med["read"], "floor_s": med["floor"], "read_ratio": med["read"] / med["floor"],
                     "read_files_per_s": n / med["read"], "refused": refused,
                     "bytes_mean": statistics.mean(p.stat().st_size for p in paths),
                     "files_per_s_one_core": n / t1, "files_per_s_all_cores": n / tn, "speedup": t1 / tn,
                     "batch_cli": _batch_cli(folder, kind, n)}
        _say(f".{kind} timed", t_kind)
    return out


def _profile_score(jobs: list[tuple[Any, Any]]) -> dict[str, Any]:
    """cProfile of score() over the tables: top 25 by cumulative and by own time."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for job in jobs:
        _score_one(job)
    prof.disable()
    text = []
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(25)
        text.append(f"==== score() over {len(jobs)} heterogeneous tables, top 25 by {key} ====\n" + _trim(buf.getvalue()))
    path = OUT.parent / "hetero-profile.txt"
    path.write_text("\n".join(text), encoding="utf-8")
    return {"file": str(path.relative_to(ROOT)), "tables": len(jobs)}


def _trim(stats: str) -> str:
    """pstats output from its header line on (drops the blank lines and the sort note)."""
    lines = stats.splitlines()
    start = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
    return "\n".join(line for line in lines[start:] if line.strip()) + "\n"


# ---------------------------------------------------------------------- report
def _verdict(key: str, value: float) -> str:
    op, goal = GOALS[key]
    ok = value >= goal if op == ">=" else value <= goal
    return f"{'met' if ok else 'MISSED'} (goal {op} {goal:g})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="N=5000, 100,000 streamed, 800 varied tables and 60+60 files, fewer rounds (about 2 min)")
    ap.add_argument("--skip-stream", action="store_true", help="leave out the streaming memory figure")
    ap.add_argument("--hetero", action="store_true",
                    help="only the heterogeneous tables (figures to bench/results/hetero.json, run.json untouched)")
    ap.add_argument("--skip-hetero", action="store_true", help="leave out the heterogeneous tables")
    ap.add_argument("--profile", action="store_true", help="also profile score() on the heterogeneous tables "
                    "(bench/results/hetero-profile.txt)")
    ap.add_argument("--tables", type=int, help="heterogeneous tables (default 10,000; 800 with --quick)")
    ap.add_argument("--files", type=int, help=".docx and .xlsx files each (default 1,000; 60 with --quick)")
    args = ap.parse_args()
    quick = args.quick
    n, rounds = (5000, 3) if quick else (20000, 9)
    import perfrules

    # Child processes start from bytecode, as after `pip install .` (which compiles it): with
    # PYTHONDONTWRITEBYTECODE set, a module edited since its .pyc was written is compiled from
    # source in every child (about 15 ms of the cold figures for two edited modules).
    import compileall

    compileall.compile_dir(str(Path(perfrules.__file__).parent), quiet=1)
    report: dict[str, Any] = {"machine": {"python": platform.python_version(), "cores": os.cpu_count(),
                                          "platform": platform.platform(), "load_avg": os.getloadavg()},
                              "quick": quick, "reference": str(PEERS / "reference.py"), "perfrules": perfrules.__file__}
    rows: list[tuple[str, str, str]] = []
    if not args.hetero:
        if not args.skip_stream:  # first: RUSAGE_CHILDREN keeps the largest child so far
            report["stream"] = stream_rss(100_000 if quick else 1_000_000)
        report["cold_score"] = cold_score(5 if quick else 11)
        report["load"] = load_times(3 if quick else 7)
        report["throughput"] = throughput(n, rounds)
        report["cores"] = speedup(n * 2, 3 if quick else 5)
        rows += _fixed_rows(report)
        report["scaling"] = scaling.measure(quick)
        rows += scaling.rows(report["scaling"])
    if not args.skip_hetero:
        tables = args.tables or (800 if quick else 10_000)
        files = args.files if args.files is not None else (60 if quick else 1000)
        report["hetero"] = heterogeneous(tables, files, 2 if quick else 3, args.profile)
        rows += _hetero_rows(report["hetero"])
    report["machine"]["load_avg_after"] = os.getloadavg()
    report["goals"] = _goals(report)

    width = max(len(r[0]) for r in rows)
    print(f"perfrules bench/run.py  (Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load avg {report['machine']['load_avg'][0]:.1f} → {report['machine']['load_avg_after'][0]:.1f}"
          f"{', quick' if quick else ''})")
    for name, figure, verdict in rows:
        print(f"  {name:<{width}}  {figure}  {verdict}")
    goals = report["goals"]
    gw = max(len(g["goal"]) for g in goals)
    print("\nGoals (issue 14)")
    for g in goals:
        print(f"  {g['goal']:<{gw}}  {g['measured']:<28}  {'met' if g['met'] else 'MISSED' if g['met'] is False else 'not run'}")
    out = OUT.with_name("hetero.json") if args.hetero else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT)}")
    if args.profile and "profile" in report.get("hetero", {}):
        print(f"profile: {report['hetero']['profile']['file']}")


def _fixed_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The figures against the hand-written reference (the fixed workload), as before."""
    t, ld, cs, c = report["throughput"], report["load"], report["cold_score"], report["cores"]
    sp = t["subs_per_s"]
    rows = [
        ("totals only", f"{sp['totals']:,.0f} subs/s = {t['totals_ratio']:.2f}× reference ({sp['reference']:,.0f}/s)",
         _verdict("totals_ratio", t["totals_ratio"])),
        ("with explanations", f"{sp['explained']:,.0f} subs/s = {t['explained_ratio']:.2f}× reference",
         _verdict("explained_ratio", t["explained_ratio"])),
        ("  … values read as text", f"{sp['explained_text']:,.0f} subs/s = {t['explained_text_ratio']:.2f}× reference",
         _verdict("explained_ratio", t["explained_text_ratio"])),
        ("  by CPU time, best round", "totals {totals:.2f}×, with explanations {explained:.2f}×, values as text "
         "{explained_text:.2f}× reference (the figures above are wall-clock medians)".format(**t["cpu_ratios"]), ""),
        ("chain load+compile, cold", f"{ld['chain']['cold_load_ms']:.1f} ms load (+{ld['chain']['cold_import_ms']:.1f} ms import); "
         f"{ld['chain']['cold_load_no_ast_cache_ms']:.1f} ms with no AST cache (lark); "
         f"{ld['chain']['layers']} layers / {ld['chain']['rules']} rules", ""),
        ("chain load+compile, warm", f"{ld['chain']['warm_load_ms']:.2f} ms", _verdict("warm_load_ms", ld["chain"]["warm_load_ms"])),
        ("workload ruleset + plan", f"cold {ld['workload']['cold_load_ms']:.1f} ms, warm {ld['workload']['warm_load_ms']:.2f} ms"
         f" + plan {ld['plan_compile_ms']:.2f} ms", ""),
        ("cold `perfrules score` seed", f"{cs['median_ms']:.0f} ms wall = bare python {cs['bare_python_ms']:.0f} ms "
         f"+ perfrules {cs['own_ms']:.0f} ms (medians of runs in turn)",
         _verdict("cold_score_ms", cs["median_ms"])),
    ]
    if "stream" in report:
        s = report["stream"]
        rows.append((f"stream {s['n']:,} JSONL", f"peak RSS {s['peak_rss_mb']:.1f} MB, {s['subs_per_s']:,.0f} subs/s, "
                     f"first 1000 = reference: {s['first_1000_equal_reference']}", _verdict("stream_peak_rss_mb", s["peak_rss_mb"])))
    rows.append((f"batch on {c['cores']} cores", f"{c['speedup']:.2f}× one core ({c['subs_per_s_one']:,.0f} → "
                 f"{c['subs_per_s_all']:,.0f} subs/s; a bare busy loop gets {c['busy_loop_speedup']:.2f}× here now)",
                 _verdict("speedup", c["speedup"])))
    return rows


def _hetero_rows(h: dict[str, Any]) -> list[tuple[str, str, str]]:
    r, s, j = h["read"], h["score"], h["render_json"]
    rows = [
        (f"{h['n']:,} varied tables: read", f"read_submission {r['tables_per_s']:,.0f} tables/s = {r['ratio']:.2f}× "
         f"tomllib.loads of the same files ({r['floor_s'] * 1000 / h['n']:.2f} ms/table)", _verdict("read_ratio", r["ratio"])),
        *([("  … vs its own parser", f"{r['parser_ratio']:.2f}× {r['parser']}.loads, which read_submission parses with "
            f"({r['parser_s'] * 1000 / h['n']:.2f} ms/table)", "")] if "parser_ratio" in r else []),
        *([("  key positions", f"{h['key_scan']['asked_ratio']:.2f}× tomllib.loads for the "
             f"{h['key_scan']['asked_per_table']:.0f} keys a scored table points at (paid when a report reads them); "
             f"{h['key_scan']['ratio']:.2f}× after a whole scan", "")] if "asked_ratio" in h.get("key_scan", {}) else []),
        ("  score()", f"{s['tables_per_s']:,.0f} tables/s, {s['rows_per_s']:,.0f} rows/s = {s['ratio']:.2f}× tomllib.loads "
         f"of the same table; refused: {', '.join(f'{v} {c}' for c, v in s['refused'].items()) or 'none'}",
         _verdict("score_ratio", s["ratio"])),
        ("  render JSON", f"{j['tables_per_s']:,.0f} tables/s", ""),
    ]
    f = h.get("files")
    if f:
        for kind in ("docx", "xlsx"):
            k = f[kind]
            refused = ", ".join(f"{v} {c}" for c, v in k["refused"].items()) or "none"
            rows.append((f"  {f['n']:,} .{kind}", f"read {k['read_ratio']:.2f}× zipfile+lxml floor "
                         f"({k['read_files_per_s']:,.0f} files/s); end to end {k['files_per_s_one_core']:,.0f} files/s "
                         f"on 1 core, {k['files_per_s_all_cores']:,.0f} on {f['cores']} ({k['speedup']:.2f}×); "
                         f"refused: {refused}", _verdict(f"{kind}_read_ratio", k["read_ratio"])))
            b = k.get("batch_cli")
            if b:
                rows.append(("    `perfrules score` batch", f"{b['files_per_s']:,.0f} files/s on {f['cores']} cores "
                             f"({b['seconds']:.1f} s for {f['n']:,} files: html and json reports, manifest, summary; "
                             f"{b['counts']['scored']:,} scored, {b['counts']['failed']:,} failed"
                             + "".join(f", {v} {c}" for c, v in b.get("failed_by_code", {}).items()) + ")", ""))
    return rows


def _goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 14's goals, each with the figure measured in this run (None: not run)."""
    h = report.get("hetero", {})
    t = report.get("throughput")
    cs = report.get("cold_score")
    files = h.get("files", {})
    figures: list[tuple[str, str, float | None, str]] = [
        ("score() ≤ 0.2× tomllib.loads", "score_ratio", h.get("score", {}).get("ratio"), "×"),
        ("TOML read ≤ 1.5× tomllib.loads", "read_ratio", h.get("read", {}).get("ratio"), "×"),
        (".docx read ≤ 4× zipfile+lxml", "docx_read_ratio", files.get("docx", {}).get("read_ratio"), "×"),
        (".xlsx read ≤ 10× zipfile+lxml", "xlsx_read_ratio", files.get("xlsx", {}).get("read_ratio"), "×"),
        ("peer bench totals ≥ 1.0× reference", "totals_ratio", t["totals_ratio"] if t else None, "×"),
        ("peer bench explained ≥ 0.5× reference", "explained_ratio", t["explained_ratio"] if t else None, "×"),
        ("cold `perfrules score` seed ≤ 150 ms", "cold_score_ms", cs["median_ms"] if cs else None, " ms"),
    ]
    out = []
    for goal, key, value, unit in figures:
        op, limit = GOALS[key]
        met = None if value is None else (value >= limit if op == ">=" else value <= limit)
        shown = "—" if value is None else (f"{value:.0f}{unit}" if unit == " ms" else f"{value:.3f}{unit}")
        out.append({"goal": goal, "key": key, "limit": limit, "op": op, "value": value, "measured": shown, "met": met})
    return out


if __name__ == "__main__":
    main()
