"""perfrules in the peer benchmark (shared/bench-peers/bench.py --adapter bench/perfrules_adapter.py).

The workload's 20 indicators are a perfrules ruleset kept beside this file,
``bench/workload-ruleset.toml``: Chinese rule texts, a citation for every rule and a
``[[form]]`` table with the 20 rows.  ``setup()`` loads it (chain load + compile,
timed as setup), checks that it says what ``workload.RULESET`` says (ids, weights,
targets, kinds), and compiles a plan for its form (:mod:`perfrules.scoring.plan`): each row's
rule bound to its 分值 and 目标值.

The plan is compiled for the shape the generated submissions already have (row
actuals under ``"actuals"``, 全年预算数 / 全年执行数 / 偏差原因 beside them:
``compile_plan(..., actuals_key="actuals")``), so there is nothing to convert: rows
read their actuals in place.  The default row gives totals only; "with explanations"
also builds every explanation record of every point lost (points lost, rule, the
statement that cost them, clause and document, values, the unit's 偏差原因, note): the
records ``perfrules score`` prints, equal to the interpreter's.  A plan keeps a record's
values (年度指标值, 实际完成值, 完成率 …) as the exact numbers and writes them as text when
they are read (:class:`perfrules.explain.ShownValues`), so "with explanations, values
as text" also reads every record's values as a dict of text, as a renderer would:
what the records cost when every one is written out.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import perfrules  # noqa: F401  (ImportError here -> reported as "not installed")
import workload
from perfrules.ruleset.loader import load_ruleset
from perfrules.scoring.plan import Plan, compile_plan
from perfrules.ruleset.model import Ruleset

RULESET_FILE = Path(__file__).resolve().parent / "workload-ruleset.toml"

META = {
    "engine": "perfrules",
    "dist": "perfrules",
    "import": "import perfrules.ruleset.loader, perfrules.scoring.plan",
    "decimal": True,
    "language": "perfrules TOML ruleset + rule grammar (Chinese rule texts), compiled to a plan per form row",
    "notes": "bench/workload-ruleset.toml; plan rows with 分值/目标值 bound at load time",
}

RULE_SOURCE = ""
_plan: Plan | None = None

#: workload kind -> the rule id the ruleset gives such a row
RULE_OF_KIND = {"at_least": "at-least", "at_most": "at-most", "graded": "graded", "banded": "banded",
                "execution": "execution", "deduction": "key-task-deduction"}


def check_agrees(rs: Ruleset, ruleset: Any) -> None:
    """The ruleset file must say what workload.RULESET says: same rows, weights, targets, rules."""
    form = {row.key: row for row in rs.form}
    ids = [ind.id for ind in ruleset]
    if [row.key for row in rs.form] != ids:
        raise ValueError(f"{RULESET_FILE.name}: form keys {list(form)} differ from workload ids {ids}")
    for ind in ruleset:
        row = form[ind.id]
        problems = []
        if row.weight != ind.weight:
            problems.append(f"weight {row.weight} != {ind.weight}")
        if row.target != workload.target_text(ind):
            problems.append(f"target {row.target!r} != {workload.target_text(ind)!r}")
        if (row.level1, row.level2, row.name) != (ind.level1, ind.level2, ind.name):
            problems.append("names differ")
        if row.rule != RULE_OF_KIND[ind.kind]:
            problems.append(f"rule {row.rule} for a {ind.kind} indicator")
        if problems:
            raise ValueError(f"{RULESET_FILE.name} {ind.id}: " + "; ".join(problems))


def setup(ruleset: Any) -> None:
    global RULE_SOURCE, _plan
    RULE_SOURCE = RULESET_FILE.read_text(encoding="utf-8")
    rs = load_ruleset(str(RULESET_FILE))
    check_agrees(rs, ruleset)
    _plan = compile_plan(rs, actuals_key="actuals")


def _ready() -> Plan:
    if _plan is None:
        setup(workload.RULESET)
    assert _plan is not None
    return _plan


def score_batch(submissions: list[dict[str, Any]]) -> list[Decimal]:
    """Totals only, rounded as the ruleset says (0.01, half up)."""
    return _ready().totals(submissions)


def score_batch_explained(submissions: list[dict[str, Any]]) -> list[Decimal]:
    """Totals, and every explanation record of every point lost (built per submission,
    then dropped, as a consumer keeping totals and points lost would)."""
    return [total for total, _ in _ready().explained(submissions)]


def score_batch_explained_text(submissions: list[dict[str, Any]]) -> list[Decimal]:
    """Totals and every explanation record, each record's values also read as text."""
    out = []
    for total, found in _ready().explained(submissions):
        for e in found:
            dict(e.values.items())  # as the renderers read them
        out.append(total)
    return out


VARIANTS = {"with explanations": score_batch_explained, "with explanations, values as text": score_batch_explained_text}
