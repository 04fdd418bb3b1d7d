"""Golden outputs: every input of tests/golden/freeze.py, re-scored, byte for byte.

The JSON (and for the examples and the corpus, the text report) of every example,
fixture, corpus table, golden case, ruleset case and generated table was frozen in
tests/golden/out/ before the scoring engines were merged (issue 14).  Any change in a
score, an explanation, a finding, a note or a field shows here as a diff.  When the change
is intended, re-freeze and read the diff before committing it:

    PYTHONPATH=. python tests/golden/freeze.py && git diff --stat tests/golden/out
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))

import freeze  # noqa: E402
import gen  # noqa: E402

ITEMS = freeze.items()
FROZEN = {p.name for p in freeze.OUT.glob("*")} if freeze.OUT.is_dir() else set()
HOW = f"If the change is intended, re-freeze with `{freeze.REFREEZE}` and read `git diff tests/golden/out`."


def _diff(name: str, want: str, got: str, limit: int = 80) -> str:
    lines = list(difflib.unified_diff(want.splitlines(), got.splitlines(), f"frozen/{name}", f"now/{name}",
                                      n=2, lineterm=""))
    shown = lines[:limit] + ([f"… {len(lines) - limit} more diff lines"] if len(lines) > limit else [])
    return "\n".join(shown)


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(freeze.ROOT)  # inputs are read by relative paths: they show in the output


@pytest.mark.parametrize("item", ITEMS, ids=[i.name for i in ITEMS])
def test_output_is_unchanged(item: freeze.Item) -> None:
    produced = item.produce()
    problems = []
    for ext, got in produced.items():
        name = f"{item.name}.{ext}"
        path = freeze.OUT / name
        if not path.exists():
            problems.append(f"{name}: not frozen yet (input {item.input})")
            continue
        want = path.read_text(encoding="utf-8")
        if got != want:
            problems.append(f"{name} (input {item.input}) differs from tests/golden/out/{name}:\n{_diff(name, want, got)}")
    if problems:
        pytest.fail("\n\n".join(problems) + "\n\n" + HOW, pytrace=False)


def test_every_frozen_file_has_an_input() -> None:
    """No output is left behind for an input that is gone, and none is missing."""
    produced = {f"{i.name}.{ext}" for i in ITEMS for ext in (("json", "txt") if i.name.startswith(("example--", "corpus--"))
                                                            else ("json",))}
    assert FROZEN, f"tests/golden/out/ is empty: run `{freeze.REFREEZE}`"
    assert sorted(FROZEN - produced) == [], "frozen outputs with no input. " + HOW
    assert sorted(produced - FROZEN) == [], "inputs with no frozen output. " + HOW


def test_the_generated_inputs_are_what_the_generator_draws() -> None:
    """Same seed, same bytes: the committed inputs are the generator's (no hidden randomness)."""
    wanted = gen.inputs()
    on_disk = {p.name: p.read_bytes() for p in freeze.INPUTS.glob("*")}
    assert sorted(on_disk) == sorted(wanted), HOW
    differ = [n for n in wanted if on_disk[n] != wanted[n]]
    assert differ == [], f"{len(differ)} generated inputs differ from the generator's draw (first: {differ[:3]}). " + HOW


def test_outputs_hold_no_machine_paths() -> None:
    """Nothing volatile: no absolute path of this checkout or of the installed rulesets."""
    root, home = str(freeze.ROOT), os.path.expanduser("~")
    leaked = [p.name for p in freeze.OUT.glob("*") if (text := p.read_text(encoding="utf-8")) and (
        root in text or str(freeze.bundled_dir()) in text or f"{home}/" in text)]
    assert leaked == []
