"""What binding every row of real-shaped tables to its rule would cost: the figure the
decision in docs/engine.md ("one rule program, two drivers") rests on.

    PYTHONPATH=. python bench/bindings.py [--tables 2000]

For each row that ``score()`` scores by a rule (bench/hetero.py's varied tables), the rule
is compiled again for the row (``rules.compiler.compile_row``) with its 分值, its 目标值 and
the target's sign, as a plan compiles a form row.  It prints how many of those
(rule, 分值, 目标值, sign) keys are new to the run (what a cache of bindings would miss),
the median time of ``compile_row`` for a new key, and the shape of scorer each row gets
(``rules.shapes``): what a template compiler would have to bind cheaply to pay off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import hetero  # noqa: E402
import run  # noqa: E402


def main() -> None:
    from perfrules.errors import PerfrulesError
    from perfrules.readers import read_submission
    from perfrules.rules.binding import NotSpecialisable, RowBinding
    from perfrules.rules.compiler import compile_row
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.values import Quantity, read_value

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tables", type=int, default=2000)
    n = ap.parse_args().tables
    shapes: Counter[str] = Counter()
    seen: set[tuple[str, Decimal, Decimal | None, str | None]] = set()
    new_key_us: list[float] = []
    rows = tables = 0
    with tempfile.TemporaryDirectory(prefix="perfrules-bindings-") as tmp:
        for table in hetero.generate(n):
            path = Path(tmp) / f"{table.name}.toml"
            path.write_text(table.toml(), encoding="utf-8")
            try:
                sub = read_submission(str(path))
                chosen = choose_ruleset(sub)
            except PerfrulesError:
                continue
            result = run._score_one((sub, chosen))  # as bench/run.py scores it
            if result is None:
                continue  # a table perfrules refuses (never filled in)
            tables += 1
            for row in result.rows:
                rule = chosen.ruleset.rule(row.rule) if row.rule else None
                if rule is None or row.weight is None or row.method not in ("computed", "self_assessed"):
                    continue
                target = read_value(row.target)
                number = target.number if isinstance(target, Quantity) else None
                sign = target.comparator if isinstance(target, Quantity) else None
                key = (rule.id, row.weight, number, sign)
                rows += 1
                t0 = time.perf_counter()
                try:
                    bound = compile_row(rule.compiled, RowBinding("I01", row.weight, number, sign))
                    shape = getattr(bound.score_row, "__qualname__", "?").split(".")[0].lstrip("_")
                except NotSpecialisable:
                    shape = "(not bindable: a band, the unit's own score)"
                if key not in seen:
                    new_key_us.append((time.perf_counter() - t0) * 1e6)
                seen.add(key)
                shapes[shape] += 1
    print(f"{tables:,} tables, {rows:,} rows scored by a rule ({rows / max(tables, 1):.1f} a table)")
    print(f"new (rule, 分值, 目标值, sign) keys: {len(seen):,} = {len(seen) / max(rows, 1):.0%} of rows")
    print(f"compile_row of a new key: median {statistics.median(new_key_us):.0f} µs "
          f"= {statistics.median(new_key_us) * len(seen) / max(tables, 1):.0f} µs a table if every row were bound")
    for shape, count in shapes.most_common():
        print(f"  {shape:48} {count / rows:.1%} of rows")


if __name__ == "__main__":
    main()
