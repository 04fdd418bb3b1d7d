"""perfrules' own benchmark: speed against hand-written Python, start-up, memory, cores.

    .venv/bin/python bench/run.py            # full: N=20000, 1,000,000 streamed
    .venv/bin/python bench/run.py --quick    # smaller N, 100,000 streamed

Prints one table and writes the figures to bench/results/run.json.  Every ratio is
against the hand-written Decimal reference of the peer benchmark (reference.py in
shared/bench-peers), measured in the same process, interleaved, median of rounds.

Figures:
  * submissions/s, totals only, with every explanation record built, and with every
    record's values also read as text (a plan writes them when read), each as a ratio
    to the reference (the plan of bench/workload-ruleset.toml);
  * ruleset chain load + compile: cold (a fresh interpreter: imports, lark's cached
    parser, every rule text parsed) and warm (same process, ruleset cache cleared);
  * cold ``perfrules score`` of the seed: whole-process wall time, median of runs;
  * peak RSS of ``perfrules stream`` scoring N submissions JSON Lines → JSON Lines
    (input generated into a temp dir; the child's RSS from getrusage(RUSAGE_CHILDREN));
  * batch speed-up on all cores versus one (processes over chunks of plan scoring).
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
    for r in range(rounds):
        order = list(fns)[r % len(fns):] + list(fns)[:r % len(fns)]
        for name in order:
            gc.collect()
            t0 = time.perf_counter()
            fns[name](subs)
            runs[name].append(n / (time.perf_counter() - t0))
    med = {k: statistics.median(v) for k, v in runs.items()}
    return {"n": n, "rounds": rounds, "subs_per_s": med, "all_rounds": runs,
            "totals_ratio": med["totals"] / med["reference"], "explained_ratio": med["explained"] / med["reference"],
            "explained_text_ratio": med["explained_text"] / med["reference"]}


# ------------------------------------------------------------------- start-up
def _child(code: str, **env: str) -> str:
    # not from the checkout: a release install must not import ./perfrules instead of itself
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir(), check=True,
                          env={**os.environ, **env})
    return proc.stdout.strip().splitlines()[-1]


def load_times(repeats: int) -> dict[str, Any]:
    """Chain load + compile: cold in fresh interpreters, warm in this one (cache cleared)."""
    cold_code = ("import time; t0 = time.perf_counter(); from perfrules.loader import load_ruleset; "
                 "t1 = time.perf_counter(); load_ruleset({ref!r}); t2 = time.perf_counter(); "
                 "print((t1 - t0) * 1000, (t2 - t1) * 1000)")
    out: dict[str, Any] = {}
    from perfrules import loader
    from perfrules.plan import compile_plan

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
    """Whole-process wall time of ``perfrules score`` on the seed, fresh each time."""
    exe = Path(sys.executable).parent / "perfrules"
    cmd = [str(exe), "score", str(SEED)] if exe.exists() else [sys.executable, "-m", "perfrules.cli", "score", str(SEED)]
    subprocess.run(cmd, capture_output=True, check=True)  # OS file cache and lark's parser cache warm
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        samples.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = (time.perf_counter() - t0) * 1000
    modules = _child("import sys, perfrules.cli; from perfrules.commands import score; "
                     "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'perfrules')))")
    return {"cmd": " ".join(cmd[-3:]), "median_ms": statistics.median(samples), "runs_ms": samples,
            "bare_python_ms": bare, "modules_after_import_cli": modules}


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
        exe = Path(sys.executable).parent / "perfrules"
        cmd = [str(exe) if exe.exists() else "perfrules", "stream", "--ruleset", str(RULESET)]
        t0 = time.perf_counter()
        with src.open("rb") as fin, dst.open("wb") as fout:
            subprocess.run(cmd, stdin=fin, stdout=fout, check=True)
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


# ---------------------------------------------------------------------- report
def _verdict(key: str, value: float) -> str:
    op, goal = GOALS[key]
    ok = value >= goal if op == ">=" else value <= goal
    return f"{'met' if ok else 'MISSED'} (goal {op} {goal:g})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N=5000, 100,000 streamed, fewer rounds")
    ap.add_argument("--skip-stream", action="store_true", help="leave out the streaming memory figure")
    args = ap.parse_args()
    quick = args.quick
    n, rounds = (5000, 3) if quick else (20000, 9)
    report: dict[str, Any] = {"machine": {"python": platform.python_version(), "cores": os.cpu_count(),
                                          "platform": platform.platform(), "load_avg": os.getloadavg()},
                              "quick": quick, "reference": str(PEERS / "reference.py")}
    if not args.skip_stream:  # first: RUSAGE_CHILDREN keeps the largest child so far
        report["stream"] = stream_rss(100_000 if quick else 1_000_000)
    report["cold_score"] = cold_score(5 if quick else 11)
    report["load"] = load_times(3 if quick else 7)
    report["throughput"] = throughput(n, rounds)
    report["cores"] = speedup(n * 2, 3 if quick else 5)
    report["machine"]["load_avg_after"] = os.getloadavg()

    t, ld, cs, c = report["throughput"], report["load"], report["cold_score"], report["cores"]
    sp = t["subs_per_s"]
    rows = [
        ("totals only", f"{sp['totals']:,.0f} subs/s = {t['totals_ratio']:.2f}× reference ({sp['reference']:,.0f}/s)",
         _verdict("totals_ratio", t["totals_ratio"])),
        ("with explanations", f"{sp['explained']:,.0f} subs/s = {t['explained_ratio']:.2f}× reference",
         _verdict("explained_ratio", t["explained_ratio"])),
        ("  … values read as text", f"{sp['explained_text']:,.0f} subs/s = {t['explained_text_ratio']:.2f}× reference",
         _verdict("explained_ratio", t["explained_text_ratio"])),
        ("chain load+compile, cold", f"{ld['chain']['cold_load_ms']:.1f} ms load (+{ld['chain']['cold_import_ms']:.1f} ms import); "
         f"{ld['chain']['cold_load_no_ast_cache_ms']:.1f} ms with no AST cache (lark); "
         f"{ld['chain']['layers']} layers / {ld['chain']['rules']} rules", ""),
        ("chain load+compile, warm", f"{ld['chain']['warm_load_ms']:.2f} ms", _verdict("warm_load_ms", ld["chain"]["warm_load_ms"])),
        ("workload ruleset + plan", f"cold {ld['workload']['cold_load_ms']:.1f} ms, warm {ld['workload']['warm_load_ms']:.2f} ms"
         f" + plan {ld['plan_compile_ms']:.2f} ms", ""),
        ("cold `perfrules score` seed", f"{cs['median_ms']:.0f} ms wall (bare python {cs['bare_python_ms']:.0f} ms)",
         _verdict("cold_score_ms", cs["median_ms"])),
    ]
    if "stream" in report:
        s = report["stream"]
        rows.append((f"stream {s['n']:,} JSONL", f"peak RSS {s['peak_rss_mb']:.1f} MB, {s['subs_per_s']:,.0f} subs/s, "
                     f"first 1000 = reference: {s['first_1000_equal_reference']}", _verdict("stream_peak_rss_mb", s["peak_rss_mb"])))
    rows.append((f"batch on {c['cores']} cores", f"{c['speedup']:.2f}× one core ({c['subs_per_s_one']:,.0f} → "
                 f"{c['subs_per_s_all']:,.0f} subs/s; a bare busy loop gets {c['busy_loop_speedup']:.2f}× here now)",
                 _verdict("speedup", c["speedup"])))
    width = max(len(r[0]) for r in rows)
    print(f"perfrules bench/run.py  (Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load avg {report['machine']['load_avg'][0]:.1f} → {report['machine']['load_avg_after'][0]:.1f}"
          f"{', quick' if quick else ''})")
    for name, figure, verdict in rows:
        print(f"  {name:<{width}}  {figure}  {verdict}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
