"""The real corpus: 自评表 that units published, transcribed as printed (tests/corpus/README.md).

Each table is read with no ``--ruleset`` (perfrules chooses, or falls back to the
national rules) and must give every finding its ``expected.json`` lists, no error
finding it does not list, and none of its ``not_expected`` codes.  A table marked
``unfilled`` must be refused as unfilled, never graded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perfrules.ruleset.catalog import choose_ruleset
from perfrules.errors import PerfrulesError
from perfrules.explain import Result
from perfrules.scoring.interpreter import score
from perfrules.readers import read_submission

REAL = Path(__file__).parent / "corpus" / "real"
TABLES = sorted(p.name for p in REAL.iterdir() if (p / "table.toml").exists()) if REAL.exists() else []


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REAL / name / "expected.json").read_text(encoding="utf-8"))
    return data


def score_file(path: Path) -> Result:
    submission = read_submission(str(path))
    chosen = choose_ruleset(submission)
    return score(submission, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback)


def problems(result: Result, want: dict[str, Any]) -> Iterator[str]:
    """What differs between a result and an auditor's expected.json, in words."""
    found = {(f.code, f.row) for f in result.findings}
    listed = {(f["code"], f.get("row")) for f in want.get("findings", [])}
    for code, row in sorted(listed, key=str):
        if (code, row) not in found and not (row is None and any(c == code for c, _ in found)):
            yield f"expected {code} on row {row}: missing"
    for f in result.findings:
        if f.severity == "error" and (f.code, f.row) not in listed and (f.code, None) not in listed:
            yield f"unexpected error {f.code} on row {f.row}: {f.message}"
    for item in want.get("not_expected", []):
        hits = [f for f in result.findings if f.code == item["code"] and item.get("row") in (None, f.row)]
        if hits:
            yield f"not expected {item['code']}: {hits[0].message}"


@pytest.mark.parametrize("name", TABLES)
def test_real_table_as_an_auditor_reads_it(name: str) -> None:
    want = expected(name)
    path = REAL / name / "table.toml"
    if want.get("status") == "unfilled":
        with pytest.raises(PerfrulesError) as refused:
            score_file(path)
        assert refused.value.code == "unfilled"
        return
    result = score_file(path)
    assert list(problems(result, want)) == []


def test_the_corpus_is_real_and_varied() -> None:
    """At least 15 published tables from at least 5 provinces, both kinds, each with its
    address (issue 13); today 32 tables from 11 provinces."""
    import tomllib

    provenance = [tomllib.loads((REAL / n / "provenance.toml").read_text(encoding="utf-8")) for n in TABLES]
    assert all(p.get("url", "").startswith("http") for p in provenance)
    assert len(TABLES) >= 15
    assert len({p["province"] for p in provenance}) >= 5
    assert {p["kind"] for p in provenance} >= {"项目支出", "部门整体支出"}
