"""Three paths, one table: every corpus table read from its TOML, from the .xlsx and
from the .docx that tests/corpus/make_layouts.py renders in its printed layout (and
the CSV Excel would save from it) must give the same submission content, and the same
total, ruleset and findings (issue 13, item 8).

Both the real corpus (tests/corpus/real/) and the layout fixtures
(tests/corpus/layouts/, written for the layouts the readers must handle; not real
tables) are read.  The lead's scoring comparison builds on :func:`content`.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfrules.model import Submission
from perfrules.readers import read_submission

CORPUS = Path(__file__).parent / "corpus"
sys.path.insert(0, str(CORPUS))

from make_layouts import render  # noqa: E402

_ALL = sorted(p.parent for p in CORPUS.glob("*/*/table.toml") if p.parent.parent.name in ("real", "layouts"))
FOLDERS = SCORED = _ALL  # every table, no known gaps: a new layout must read the same before it lands
IDS = [f"{p.parent.name}/{p.name}" for p in _ALL]
HEADER = ("项目名称", "主管部门", "实施单位", "标题", "自评得分")


def content(sub: Submission) -> dict[str, Any]:
    """What the three readers of one table must agree on (not where each cell was)."""
    budget = sub.budget
    return {
        "unit": sub.unit, "year": sub.year, "kind": sub.kind, "jurisdiction": sub.jurisdiction,
        "header": {k: sub.header.get(k, "") for k in HEADER},
        "rows": [(r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.self_score, r.reason,
                  dict(r.unreadable), {k: v for k, v in r.more.items() if v and k != "指标权重"}, r.level1_inferred)
                 for r in sub.indicators if not r.is_blank],
        "level_weights": dict(sub.level_weights),
        "self_total": sub.self_total, "unreadable": dict(sub.unreadable),
        "structure": {k: v for k, v in sub.extra.items() if k.startswith("资金构成.")},
        "budget": None if budget is None else (
            budget.initial_budget, budget.budget, budget.executed, budget.weight, budget.self_rate,
            budget.self_score, dict(budget.unreadable), budget.money_unit,
            [(p.name, p.initial_budget, p.budget, p.executed, p.self_rate, p.self_score, dict(p.unreadable))
             for p in budget.parts]),
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("layouts")


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_toml_xlsx_docx_and_csv_agree(folder: Path, rendered: Path) -> None:
    want = content(read_submission(str(folder / "table.toml")))
    for path in render(folder, rendered / folder.parent.name):
        got = content(read_submission(str(path)))
        differing = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
        assert differing == {}, path.name


def test_both_folders_are_read() -> None:
    assert {p.parent.name for p in _ALL} >= {"layouts"}
    assert len(_ALL) >= 3
    assert all(isinstance(v, Decimal) for f in _ALL
               for v in read_submission(str(f / "table.toml")).level_weights.values())


def outcome(path: Path) -> tuple[object, ...]:
    """The scored outcome of a file with no --ruleset: total, ruleset and findings (by code,
    row and level), or the refusal's code (an unfilled table)."""
    from perfrules.ruleset.catalog import choose_ruleset
    from perfrules.errors import PerfrulesError
    from perfrules.scoring.interpreter import score

    submission = read_submission(str(path))
    try:
        chosen = choose_ruleset(submission)
        result = score(submission, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback)
    except PerfrulesError as refused:
        return ("refused", refused.code)
    return (result.total, result.ruleset.id, sorted((f.code, f.row, f.severity) for f in result.findings))


@pytest.mark.parametrize("folder", SCORED, ids=IDS)
def test_scores_and_findings_agree(folder: Path, rendered: Path) -> None:
    want = outcome(folder / "table.toml")
    for path in render(folder, rendered / f"scored-{folder.parent.name}"):
        assert outcome(path) == want, path.name
