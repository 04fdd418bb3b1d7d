"""Freeze perfrules' outputs: every input scored, its JSON (and for some its text report) kept.

    PYTHONPATH=. python tests/golden/freeze.py          # (re)write tests/golden/inputs/ and out/
    PYTHONPATH=. python tests/golden/freeze.py --check  # compare only; exit 1 on any difference

tests/test_golden.py re-scores every input and compares byte for byte with out/.  Run
this script only when a change of output is intended, and read the diff it makes
(``git diff tests/golden/out``) before committing it.

What is scored, each as ``perfrules score`` scores it (read_submission → the ruleset
the CLI would choose, or the one named → score → described → render):

* every submission file under examples/ (.toml .json .docx .xlsx .txt .csv): JSON and text;
* every file under tests/fixtures/ a reader takes (.docx .xlsx .csv): JSON;
* every corpus table, tests/corpus/*/*/table.toml: JSON and text;
* every golden case of tests/cases/ (case.toml names the ruleset): JSON;
* every case of every bundled ruleset's ``*.cases.toml`` (includes too, as ``perfrules
  test`` runs them: under that ruleset, ``scale_levels=False``): JSON;
* the generated corpus in inputs/ (tests/golden/gen.py: 150 tables of the property
  tests' shape, 150 heterogeneous ones from bench/hetero.py): JSON.

An input perfrules refuses (a table never filled in: code ``unfilled``) freezes the
error instead: ``{"error": {...}}`` as JSON and the message as the CLI prints it.
Paths are written relative to the checkout (the bundled rulesets as ``rulesets/…``),
so out/ does not depend on where the checkout or the installed package is.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "out"
INPUTS = HERE / "inputs"
sys.path.insert(0, str(HERE))

import gen  # noqa: E402

from perfrules.ruleset.catalog import bundled_dir, resolve_ruleset_path, ruleset_index  # noqa: E402
from perfrules.errors import PerfrulesError, PerfrulesErrors  # noqa: E402

SUBMISSION_SUFFIXES = (".toml", ".json", ".docx", ".xlsx", ".txt", ".csv")
REFREEZE = "PYTHONPATH=. python tests/golden/freeze.py"


@attrs.frozen
class Item:
    """One input and how to score it; ``produce()`` gives extension → output text."""

    name: str  # the stem of its files in out/
    input: str  # what it is, for a failure message
    produce: Callable[[], dict[str, str]]


# ------------------------------------------------------------------------ scoring
def score_file(path: str, ruleset: str | None = None, formats: tuple[str, ...] = ("json",)) -> dict[str, str]:
    """``perfrules score PATH [--ruleset R] -f F`` for each format, through the library."""
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.explain import described
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.readers import read_submission

    try:
        submission = read_submission(path)
        if ruleset:
            rs = load_ruleset(ruleset)
            result = described(score(submission, rs), rs, f"按 --ruleset 指定：{rs.id}")
        else:
            chosen = choose_ruleset(submission)
            result = described(score(submission, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback),
                               chosen.ruleset, chosen.why)
    except PerfrulesError as err:
        return refused(err, formats)
    return rendered(result, formats)


def score_case(ref: str, index: int) -> dict[str, str]:
    """Case *index* of ruleset *ref*'s cases file, as ``perfrules test`` scores it."""
    from perfrules.app.casetest import cases_file_for, load_cases
    from perfrules.explain import described
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.loader import load_ruleset

    path = resolve_ruleset_path(ref)
    ruleset = load_ruleset(path)
    cases_path = cases_file_for(path)
    assert cases_path is not None
    case = load_cases(str(cases_path))[index]
    try:
        result = described(score(case.submission, ruleset, scale_levels=False), ruleset)
    except PerfrulesError as err:
        return refused(err, ("json",))
    return rendered(result, ("json",))


def rendered(result: object, formats: tuple[str, ...]) -> dict[str, str]:
    from perfrules.render import render

    out = {}
    for fmt in formats:
        text = render(result, fmt, "zh", **({"colour": False} if fmt == "text" else {}))  # type: ignore[call-overload]
        assert isinstance(text, str)
        out["json" if fmt == "json" else "txt"] = normalised(text)
    return out


def refused(err: PerfrulesError, formats: tuple[str, ...]) -> dict[str, str]:
    """The error a refused input gives, in place of its report."""
    errors = err.errors if isinstance(err, PerfrulesErrors) else [err]
    data = {"error": [{"code": e.code, "message": e.message, "file": e.position.file, "line": e.position.line,
                       "column": e.position.column, "cell": e.position.cell, "key": e.key, "expected": e.expected,
                       "suggestion": e.suggestion} for e in errors],
            "rendered": err.render("zh")}
    out = {"json": normalised(json.dumps(data, ensure_ascii=False, indent=2) + "\n")}
    if "text" in formats:
        out["txt"] = normalised(err.render("zh") + "\n")
    return out


def normalised(text: str) -> str:
    """Paths relative to the checkout: the same output wherever it and perfrules live."""
    for prefix, short in ((str(bundled_dir()), "rulesets"), (str(ROOT), ".")):
        text = text.replace(prefix + os.sep, short + "/")
    return text


@contextlib.contextmanager
def at_root() -> Iterator[None]:
    """Inputs are read by paths relative to the checkout (they show in ``source``)."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


# ---------------------------------------------------------------------- the inputs
def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def items() -> list[Item]:
    """Every frozen input, in a fixed order, with a file name that stays put."""
    from perfrules.app.casetest import cases_file_for, load_cases

    out: list[Item] = []

    def add(name: str, what: str, fn: Callable[[], dict[str, str]]) -> None:
        out.append(Item(name, what, fn))

    both = ("json", "text")
    for path in sorted((ROOT / "examples").glob("*/*")):
        if path.suffix in SUBMISSION_SUFFIXES:
            add(f"example--{path.parent.name}--{path.name}", _rel(path), lambda p=_rel(path): score_file(p, formats=both))
    for path in sorted((ROOT / "tests" / "fixtures").glob("*")):
        if path.suffix in (".docx", ".xlsx", ".csv"):
            add(f"fixture--{path.name}", _rel(path), lambda p=_rel(path): score_file(p))
    for path in sorted((ROOT / "tests" / "corpus").glob("*/*/table.toml")):
        name = f"corpus--{path.parent.parent.name}--{path.parent.name}"
        add(name, _rel(path), lambda p=_rel(path): score_file(p, formats=both))
    for folder in sorted((ROOT / "tests" / "cases").glob("*")):
        if (folder / "case.toml").is_file():
            import tomllib

            case = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
            rs = case["ruleset"]
            rs = _rel(folder / rs) if (folder / rs).exists() else rs
            add(f"testcase--{folder.name}", _rel(folder), lambda p=_rel(folder / case["submission"]), r=rs: score_file(p, r))
    for ref in sorted(ruleset_index()):
        cases_path = cases_file_for(resolve_ruleset_path(ref))
        if cases_path is None:
            continue
        for index, case in enumerate(load_cases(str(cases_path))):
            add(f"case--{ref.replace('/', '~')}--{index + 1:03d}", f"{ref} 用例「{case.name}」",
                lambda r=ref, i=index: score_case(r, i))
    for path in sorted(INPUTS.glob("*")):
        add(f"gen--{path.stem}", _rel(path), lambda p=_rel(path): score_file(p))
    return out


def expected_files(all_items: list[Item]) -> dict[str, str]:
    """out/ file name → the text frozen in it (read from disk)."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(OUT.glob("*")) if p.is_file()}


# ---------------------------------------------------------------------- the script
def write_inputs() -> int:
    INPUTS.mkdir(parents=True, exist_ok=True)
    wanted = gen.inputs()
    for stale in INPUTS.glob("*"):
        if stale.name not in wanted:
            stale.unlink()
    for name, data in wanted.items():
        path = INPUTS / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return len(wanted)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with out/ only; write nothing")
    args = ap.parse_args()
    if bundled_dir().resolve() != (ROOT / "rulesets").resolve():
        print(f"note: the bundled rulesets come from {bundled_dir()}, not {ROOT / 'rulesets'} "
              "(an editable install of another checkout?)", file=sys.stderr)
    if not args.check:
        print(f"inputs: {write_inputs()} generated files in {_rel(INPUTS)}")
    produced: dict[str, str] = {}
    with at_root():
        for item in items():
            for ext, text in item.produce().items():
                produced[f"{item.name}.{ext}"] = text
    on_disk = expected_files([])
    changed = sorted(n for n in produced if on_disk.get(n) != produced[n])
    stale = sorted(set(on_disk) - set(produced))
    if args.check:
        for name in changed + stale:
            print(f"differs: {name}")
        print(f"{len(produced)} outputs, {len(changed)} differ, {len(stale)} stale")
        return 1 if changed or stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (OUT / name).unlink()
    for name in changed:
        (OUT / name).write_text(produced[name], encoding="utf-8", newline="")
    print(f"{len(produced)} outputs in {_rel(OUT)}: {len(changed)} written, {len(stale)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
