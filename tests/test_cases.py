"""Golden cases: tests/cases/<name>/ holds case.toml (which ruleset, which submission)
and expected.json, the whole JSON result.  A change in any score, explanation or
finding shows up here as a diff to read.
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import cli

from perfrules.rules.compiler import EXACT, exact_sum

HERE = Path(__file__).parent / "cases"
CASES = sorted(p.name for p in HERE.iterdir() if (p / "case.toml").exists())


@pytest.mark.parametrize("name", CASES)
def test_case(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = HERE / name
    monkeypatch.chdir(folder)
    case = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    res = cli("score", case["submission"], "--ruleset", case["ruleset"], "--format", "json")
    assert res.code == 0, res.err
    got = json.loads(res.out)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert got == expected
    lost = exact_sum(Decimal(e["points_lost"]) for e in got["explanations"])
    assert lost == EXACT.subtract(Decimal(got["full_marks"]), Decimal(got["total_exact"]))


def test_cases_cover_the_methods_and_the_chain() -> None:
    seen = set()
    for name in CASES:
        data = json.loads((HERE / name / "expected.json").read_text(encoding="utf-8"))
        seen |= {r["method"] for r in data["indicators"]}
        seen |= {e["layer"] for e in data["explanations"]}
    assert {"computed", "self_assessed", "national/cz2020-10", "national/cz2021-101", "test/local-deduction"} <= seen
