"""How close read_submission of a .docx/.xlsx comes to the parsing floor (issue 14, item 3).

The floor is what no reader can skip: open the zip and parse the XML that holds the
table with lxml (word/document.xml for Word; every worksheet plus sharedStrings.xml
for Excel).  For each file, each round times the floor and the whole
``read_submission(path)`` back to back (the caches perfrules keeps between files are
emptied first, so every round reads as a first file would); the figures are the
medians over the rounds, and the ratio is median(read) / median(floor).

    PYTHONPATH=. python bench/readers_bench.py [--rounds 40] [--old] [--calamine]

--old also times the previous readers (python-docx, openpyxl; tests/oldreaders.py)
and --calamine times python-calamine on the .xlsx files (if installed) for the same
sheets: python_calamine.CalamineWorkbook.from_path(p).get_sheet_by_index(i).to_python().
Files: the seed (examples/2023-dongjiaduan) and a few corpus tables rendered by
tests/corpus/make_layouts.py into a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "corpus"))

from perfrules.readers import read_submission  # noqa: E402

CORPUS = ["hunan-dongjiaduan-2023-department", "anhui-tangxi-2022-commission", "beijing-haidian-2016-cleaning",
          "ningxia-yinchuan-2021-school"]


def floor(path: str) -> None:
    with zipfile.ZipFile(path) as zf:
        if path.endswith(".docx"):
            etree.fromstring(zf.read("word/document.xml"))
            return
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml") or name == "xl/sharedStrings.xml":
                etree.fromstring(zf.read(name))


def cold() -> None:
    """Forget what earlier reads taught (a batch would keep it; a first file has nothing)."""
    from perfrules import values
    from perfrules.readers import facts, grid, layout

    for cache in (grid.header_key, layout.indicator_field, layout._total_label, facts.label_name, values.squash,
                  values._normal, values._read):
        cache.cache_clear()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(path: str, rounds: int, others: dict[str, Callable[[str], object]]) -> dict[str, float]:
    read_submission(path)  # imports and first-use costs are not the reader's per-file cost
    for other in others.values():
        other(path)
    times: dict[str, list[float]] = {"floor": [], "read": [], **{k: [] for k in others}}
    for _ in range(rounds):
        times["floor"].append(timed(lambda: floor(path)))
        cold()
        times["read"].append(timed(lambda: read_submission(path)))
        for name, other in others.items():
            times[name].append(timed(lambda: other(path)))
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def files(out: Path) -> list[str]:
    from make_layouts import render

    paths = [str(ROOT / "examples" / "2023-dongjiaduan" / "submission.docx"),
             str(ROOT / "examples" / "2023-dongjiaduan" / "submission.xlsx")]
    for name in CORPUS:
        folder = ROOT / "tests" / "corpus" / "real" / name
        if (folder / "table.toml").exists():
            xlsx, docx, _csv = render(folder, out)
            paths += [str(docx), str(xlsx)]
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--old", action="store_true", help="also time the python-docx/openpyxl readers")
    parser.add_argument("--calamine", action="store_true", help="also time python-calamine on .xlsx")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'file':46} {'floor ms':>9} {'read ms':>9} {'ratio':>6}  (goal: docx ≤ 4, xlsx ≤ 10)"
              + ("  old ms  old ratio" if args.old else "") + ("  calamine ms" if args.calamine else ""))
        for path in files(Path(folder)):
            others: dict[str, Callable[[str], object]] = {}
            if args.old:
                others["old"] = _old_reader(path)
            if args.calamine and path.endswith(".xlsx"):
                others["calamine"] = _calamine
            m = measure(path, args.rounds, others)
            line = f"{Path(path).name[:46]:46} {m['floor']:9.3f} {m['read']:9.3f} {m['read'] / m['floor']:6.2f}"
            if "old" in m:
                line += f"  {m['old']:7.2f}  {m['old'] / m['floor']:8.1f}"
            if "calamine" in m:
                line += f"  {m['calamine']:9.3f}"
            print(line, flush=True)


def _old_reader(path: str) -> Callable[[str], object]:
    import oldreaders

    from perfrules.readers.layout import build_submission

    document = oldreaders.docx_document if path.endswith(".docx") else oldreaders.xlsx_document
    return lambda p: build_submission(document(p))


def _calamine(path: str) -> object:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    return [book.get_sheet_by_index(i).to_python() for i in range(len(book.sheet_names))]


if __name__ == "__main__":
    main()
