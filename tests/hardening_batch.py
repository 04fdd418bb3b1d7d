"""The "Done when" of issue 12: a batch of good tables and ten hostile ones.

``python tests/hardening_batch.py [OUTDIR] [GOOD]`` generates GOOD good tables (190 by
default) and the ten hostile inputs of tests/batchgen.py (NUL, control bytes, UTF-8
read as Latin-1, 1e999999999, an empty file, formula, script and right-to-left text),
scores them as one batch in json and xlsx, and prints what the issue asks to see:
the exit code, the reports written, the failures each summary lists with
file:line:column, and the formula cells in every workbook written (must be 0).
tests/test_hardening2.py runs it at a reduced size.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import batchgen  # noqa: E402

LOCATED = re.compile(r"\S+\.(toml|json|csv):\d+:\d+")


def _formula_cells(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    return sum(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def _listed(out: Path) -> dict[str, int]:
    """Failures each summary lists with file:line:column."""
    import openpyxl

    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    html = (out / "summary.html").read_text(encoding="utf-8")
    fails = openpyxl.load_workbook(out / "summary.xlsx")["失败"]
    return {
        "json": sum(bool(LOCATED.fullmatch(f["location"])) for f in data["failures"]),
        "html": len(re.findall(r"<tr><td>[^<]+</td><td>[^<]+\.(?:toml|json|csv):\d+:\d+</td>", html)),
        "xlsx": sum(bool(LOCATED.fullmatch(str(r[1].value))) for r in fails.iter_rows(min_row=2)),
    }


def run(root: Path, good: int = batchgen.GOOD) -> dict[str, Any]:
    from perfrules.app.cli import run as perfrules

    inputs = batchgen.generate(root / "in", good=good, broken_inputs="hostile")
    out = root / "out"
    start = time.perf_counter()
    stdout, stderr = io.StringIO(), io.StringIO()
    code = perfrules(["score", str(inputs), "-o", str(out), "-f", "json", "-f", "xlsx"], stdout, stderr)
    seconds = time.perf_counter() - start
    workbooks = sorted(out.glob("*.xlsx"))
    return {
        "exit": code,
        "seconds": round(seconds, 2),
        "reports": len([p for p in out.glob("*.json") if p.name != "summary.json" and not p.name.startswith(".")]),
        "failures_listed": _listed(out),
        "workbooks": len(workbooks),
        "formula_cells": sum(_formula_cells(p) for p in workbooks),
        "internal_errors": stderr.getvalue().count("内部错误"),
    }


if __name__ == "__main__":
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="perfrules-hostile-"))
    count = int(sys.argv[2]) if len(sys.argv) > 2 else batchgen.GOOD
    for key, value in run(base, count).items():
        print(f"{key}: {value}")
