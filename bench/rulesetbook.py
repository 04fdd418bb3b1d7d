"""How long the Excel round trip of a ruleset takes: export, import (read + check), per ruleset.

    .venv/bin/python bench/rulesetbook.py [REPEATS]

Prints the median wall time of each step over REPEATS runs (default 5) for every bundled
ruleset and the 20-row bench ruleset, and the workbook's size.  Figures only: nothing is
asserted (the round trip itself is tested in tests/test_rulesetbook.py).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from perfrules.ruleset.loader import ruleset_index
from perfrules.rulesetbook import export_workbook, import_workbook


def median_ms(step: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    refs = [*sorted(ruleset_index()), str(Path(__file__).with_name("workload-ruleset.toml"))]
    print(f"{'规则集':<36} {'导出 ms':>9} {'导入 ms':>9} {'工作簿 KB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for ref in refs:
            book, out = Path(tmp) / "r.xlsx", Path(tmp) / "out" / "r.toml"
            export_ms = median_ms(lambda: export_workbook(ref, str(book)), repeats)
            import_ms = median_ms(lambda: import_workbook(str(book), str(out)), repeats)
            name = ref if len(ref) < 36 else "bench/workload-ruleset.toml"
            print(f"{name:<36} {export_ms:>9.1f} {import_ms:>9.1f} {book.stat().st_size / 1024:>10.1f}")


if __name__ == "__main__":
    main()
