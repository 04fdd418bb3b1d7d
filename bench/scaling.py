"""Does the cost per row and per file stay flat as inputs grow?  A guard against quadratic work.

    PYTHONPATH=. python bench/scaling.py [--quick]

Two figures, each measured at a small and a large size, printed as time per unit and the
ratio large/small of that per-unit time (about 1: linear; about the size ratio: quadratic):

* one table of many rows (the seed's rows repeated up to 4,800, under the 5,000-row limit):
  ``read_submission`` of its TOML, ``score()``, and every report format;
* a batch of many files as a user runs it (``perfrules score DIR -o OUT``, every core,
  html and json reports, the manifest, the summary): the real corpus's tables copied 10 and
  100 times (290 and 2,900 files);
* naming the reports of 1,000 and 10,000 inputs that all have one file name (units in
  folders of their own, each filing 自评表.xlsx).

Each found real quadratic work when first run: the batch rewrote its whole manifest after
every chunk (2,900 files: 47.9 s, now 24.8 s), the Excel report found each highlighted
row's width by scanning the whole sheet (4,800 rows: 27.6 s, now 2.7 s), and report names
were found by trying name-2, name-3 … from the start for each input (10,000: 37.7 s, now
79 ms).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from children import child_env, perfrules_command

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
CORPUS = ROOT / "tests" / "corpus" / "real"
FORMATS = ("text", "md", "html", "json", "xlsx")


def many_rows(n: int) -> str:
    """The seed's TOML with its [[指标]] rows repeated to *n* rows, every third one losing a point."""
    text = SEED.read_text(encoding="utf-8")
    head, mark, rest = text.partition('[["指标"]]')
    rows = [mark + r for r in rest.split(mark)]
    return head + "".join(rows[i % len(rows)].replace('"得分" = 5', '"得分" = 4' if i % 3 == 0 else '"得分" = 5')
                          for i in range(n))


def one_table(n: int, folder: Path) -> dict[str, float]:
    """Seconds for each step on one table of *n* rows."""
    from perfrules.explain import described
    from perfrules.readers import read_submission
    from perfrules.render import render
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.scoring.interpreter import score

    path = folder / f"rows-{n}.toml"
    path.write_text(many_rows(n), encoding="utf-8")
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    sub = read_submission(str(path))
    out["read"] = time.perf_counter() - t0
    chosen = choose_ruleset(sub)
    t0 = time.perf_counter()
    result = described(score(sub, chosen.ruleset, notes=chosen.findings), chosen.ruleset, chosen.why)
    out["score"] = time.perf_counter() - t0
    for fmt in FORMATS:
        t0 = time.perf_counter()
        render(result, fmt)
        out[fmt] = time.perf_counter() - t0
    return out


def batch(copies: int, folder: Path) -> float:
    """Wall seconds of ``perfrules score DIR -o OUT`` over the corpus copied *copies* times."""
    inputs = folder / f"batch-{copies}"
    for i in range(copies):
        (inputs / str(i)).mkdir(parents=True)
        for table in sorted(CORPUS.glob("*/table.toml")):
            shutil.copyfile(table, inputs / str(i) / f"{table.parent.name}.toml")
    t0 = time.perf_counter()
    subprocess.run([*perfrules_command(), "score", str(inputs), "-o", str(folder / f"out-{copies}")],
                   capture_output=True, env=child_env())
    seconds = time.perf_counter() - t0
    summary = json.loads((folder / f"out-{copies}" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["inputs"] == copies * len(list(CORPUS.glob("*/table.toml")))
    return seconds


def naming(n: int) -> float:
    """Seconds to name the reports of *n* inputs that all have the same file name."""
    from perfrules.app.batch import unique_names

    inputs = [f"/units/{i}/自评表.xlsx" for i in range(n)]
    t0 = time.perf_counter()
    names = unique_names(inputs)
    seconds = time.perf_counter() - t0
    assert len(set(names)) == n
    return seconds


def measure(quick: bool = False) -> dict[str, Any]:
    small_rows, large_rows = (480, 1600) if quick else (480, 4800)
    small_copies, large_copies = (10, 30) if quick else (10, 100)
    files = len(list(CORPUS.glob("*/table.toml")))
    with tempfile.TemporaryDirectory(prefix="perfrules-scaling-") as tmp:
        folder = Path(tmp)
        small, large = one_table(small_rows, folder), one_table(large_rows, folder)
        b_small, b_large = batch(small_copies, folder), batch(large_copies, folder)
    steps = {step: {"small_us_per_row": small[step] / small_rows * 1e6, "large_us_per_row": large[step] / large_rows * 1e6,
                    "ratio": (large[step] / large_rows) / (small[step] / small_rows)} for step in small}
    per_file = (b_small / (small_copies * files), b_large / (large_copies * files))
    named = (naming(1000), naming(10_000))
    return {"rows": (small_rows, large_rows), "steps": steps,
            "naming": {"inputs": (1000, 10_000), "seconds": named, "ratio": (named[1] / 10_000) / (named[0] / 1000)},
            "batch": {"files": (small_copies * files, large_copies * files), "seconds": (b_small, b_large),
                      "ms_per_file": (per_file[0] * 1e3, per_file[1] * 1e3), "ratio": per_file[1] / per_file[0]}}


def rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    small, large = report["rows"]
    out = []
    for step, s in report["steps"].items():
        out.append((f"  {large:,}-row table: {step}", f"{s['large_us_per_row']:,.0f} µs a row "
                    f"({s['ratio']:.2f}× the per-row time at {small:,} rows)", ""))
    b = report["batch"]
    out.append(("  batch of many files", f"{b['ms_per_file'][1]:.1f} ms a file for {b['files'][1]:,} files "
                f"({b['ratio']:.2f}× the per-file time for {b['files'][0]:,}; {b['seconds'][1]:.1f} s)", ""))
    m = report.get("naming")
    if m:
        out.append(("  naming same-named inputs", f"{m['seconds'][1] * 1000:.0f} ms for {m['inputs'][1]:,} "
                    f"({m['ratio']:.2f}× the per-input time for {m['inputs'][0]:,})", ""))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,600 rows and 870 files")
    report = measure(ap.parse_args().quick)
    print("perfrules bench/scaling.py  (per-unit time at the large size / at the small size: 1 is linear)")
    for name, figure, _ in rows(report):
        print(f"{name:<28}  {figure}")


if __name__ == "__main__":
    main()
