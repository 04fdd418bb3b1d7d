"""The peer workload's ratios to the hand-written reference by CPU time: a steadier
figure than bench/run.py's wall-clock medians on a shared machine (there, the same code
gave 0.33x to 0.47x "with explanations" in consecutive runs).

Each round times the reference, the plan's totals and the plan with explanations on the
same submissions, one after the other in this process (``time.process_time``); each
figure is the best round.  Run it against two checkouts to compare versions:

    python bench/peer_cpu.py                               # this checkout
    PYTHONPATH=/path/to/other/checkout python bench/peer_cpu.py --n 5000 --rounds 15
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (puts the peer harness on sys.path)


def best(fn: Callable[[list[Any]], object], subs: list[Any], times: list[float]) -> None:
    gc.collect()
    t0 = time.process_time()
    fn(subs)
    times.append(time.process_time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="submissions (default 5,000)")
    ap.add_argument("--rounds", type=int, default=15, help="rounds; the best of each is kept (default 15)")
    args = ap.parse_args()
    workload, reference, adapter = run.workload, run.reference, run.adapter
    subs = workload.generate(args.n)
    adapter.setup(workload.RULESET)
    expected = reference.score_batch(subs)
    fns = {"reference": reference.score_batch, "totals": adapter.score_batch,
           "explained": adapter.score_batch_explained}
    if any(fn(subs) != expected for fn in fns.values()):
        sys.exit("bench/peer_cpu.py: perfrules totals differ from the reference")
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(args.rounds):
        for name, fn in fns.items():
            best(fn, subs, times[name])
    ref = min(times["reference"])
    print(f"perfrules {Path(adapter.__file__).resolve().parents[1]}: {args.n:,} submissions, best of {args.rounds} "
          f"rounds by CPU time")
    print(f"  reference   {args.n / ref:10,.0f} subs/s")
    for name in ("totals", "explained"):
        t = min(times[name])
        print(f"  {name:<11} {args.n / t:10,.0f} subs/s = {ref / t:.3f}× reference  ({t / args.n * 1e6:.1f} µs/submission)")


if __name__ == "__main__":
    main()
