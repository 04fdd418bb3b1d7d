"""Python and C calls per item on the benchmark workloads: a deterministic figure to
compare two versions of perfrules on a machine whose timings swing (a shared 2-core VM
gave the same code ±15% between runs).  Fewer calls is not the same as faster, but on
this interpreter-bound code the two have moved together.

    python bench/calls.py            # peer workload (totals, explained), score(), TOML, .docx and .xlsx read
    PYTHONPATH=/path/to/other/checkout python bench/calls.py   # the same for another version

Counted with sys.setprofile ("call" and "c_call" events) on one pass, after a warm-up pass.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import hetero  # noqa: E402
import run  # noqa: E402


def count(fn: Callable[[], Any], before: Callable[[], Any] | None = None) -> int:
    fn()  # warm: caches filled, modules imported
    if before is not None:
        before()  # not counted
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def main() -> None:
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.errors import PerfrulesError
    from perfrules.scoring.interpreter import score
    from perfrules.readers import read_submission

    subs = run.workload.generate(2000)
    run.adapter.setup(run.workload.RULESET)
    for name, batch in (("totals", run.adapter.score_batch), ("explained", run.adapter.score_batch_explained)):
        print(f"peer workload, {name:<9} {count(lambda: batch(subs)) / len(subs):8.1f} calls per submission")

    tables = hetero.generate(300, seed=20231231)
    with tempfile.TemporaryDirectory(prefix="perfrules-calls-") as tmp:
        paths = []
        for table in tables:
            path = Path(tmp) / f"{table.name}.toml"
            path.write_text(table.toml(), encoding="utf-8")
            paths.append(path)

        def read_all() -> None:
            for path in paths:
                try:
                    read_submission(str(path))
                except PerfrulesError:
                    pass

        jobs = []
        for path in paths:
            try:
                sub = read_submission(str(path))
            except PerfrulesError:
                continue
            jobs.append((sub, choose_ruleset(sub)))

        def fresh() -> None:
            """Tables just read, as a batch scores them: a Submission works out where its
            keys are written when first asked, and score() asks."""
            jobs[:] = [(read_submission(str(sub.source)), chosen) for sub, chosen in jobs]

        def score_all() -> None:
            for sub, chosen in jobs:
                try:
                    score(sub, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback)
                except PerfrulesError:
                    pass

        print(f"varied tables, score()     {count(score_all, fresh) / len(jobs):8.1f} calls per table, just read "
              f"({len(jobs)} tables; {count(score_all) / len(jobs):.1f} scored again)")
        print(f"varied tables, TOML read   {count(read_all) / len(paths):8.1f} calls per file "
              f"(tomllib.loads alone: {count(lambda: [tomllib.loads(p.read_text(encoding='utf-8')) for p in paths]) / len(paths):.1f})")

        # The first 60 tables in their printed layouts, as bench/run.py writes its 1,000 files.
        for kind in ("docx", "xlsx"):
            folder = Path(tmp) / kind
            folder.mkdir()
            for table in tables[:60]:
                hetero.write_layouts(table, folder, (kind,))
            files = sorted(str(p) for p in folder.iterdir())

            def read_files() -> None:
                for path in files:
                    try:
                        read_submission(path)
                    except PerfrulesError:
                        pass

            print(f"varied tables, .{kind} read  {count(read_files) / len(files):8.1f} calls per file ({len(files)} files)")


if __name__ == "__main__":
    main()
