"""atheris target: rule text → parser → compiler → evaluation on a few rows.

The input is a rule text (UTF-8, undecodable bytes replaced).  A rule either
compiles, and then evaluates to a score between 0 and 分值 (or says it cannot,
as the interpreter expects: MissingInput, NoClause, an ArithmeticError it turns
into a finding), or it is refused with a PerfrulesError whose offset lies inside
the text.
"""

from __future__ import annotations

import sys
from decimal import Decimal, localcontext
from typing import Any
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
with atheris.instrument_imports(include=["perfrules", "lark"]):
    import _common

    _common.import_all()
    from _common import ROOT, main, run_guarded
    from perfrules.rules.compiler import MissingInput, NoClause, compile_rule
    from perfrules.rules.program import RowInputs, row_inputs
    from perfrules.errors import PerfrulesError
    from perfrules.scoring.interpreter import CONTEXT

def _inputs(weight: Decimal, reason_missing: bool = False, **values: Any) -> RowInputs:
    """A row's inputs as the interpreter fills them; 偏差原因 filled in unless *reason_missing*."""
    return row_inputs(weight, reason="" if reason_missing else "已说明", **values)


_ENVS = [
    dict(actual=Decimal("95"), target=Decimal("100"), met=False, reason_missing=True, grade="达成"),
    dict(actual=Decimal("0"), target=Decimal("0"), met=True, executed=Decimal("5"), budget=Decimal("0")),
    dict(actual=Decimal("-3"), target=Decimal("1E-20"), self_score=Decimal("4"), grade="未达成"),
    dict(actual=Decimal("9" * 30), target=Decimal("0.1"), executed=Decimal("1E+30"), budget=Decimal("3")),
]


def _evaluate(text: str) -> None:
    try:
        rule = compile_rule(text)
    except PerfrulesError as err:
        if err.offset is not None and not 0 <= err.offset <= len(text):
            raise AssertionError(f"offset {err.offset} outside 0..{len(text)}: {err}") from None
        raise
    for values in _ENVS:
        env = _inputs(Decimal(10), **values)
        with localcontext(CONTEXT):  # the interpreter's context, as score() sets it
            try:
                outcome = rule.evaluate(env)
            except (MissingInput, NoClause, ArithmeticError):
                continue
        if not Decimal(0) <= outcome.score <= Decimal(10):
            raise AssertionError(f"score {outcome.score} outside 0..10 for {text!r}")


def test_one(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    run_guarded(data, None, lambda: _evaluate(text))


def seeds() -> dict[str, bytes]:
    import tomllib

    out: dict[str, bytes] = {}
    for path in sorted((ROOT / "rulesets").rglob("*.toml")):
        for i, rule in enumerate(tomllib.loads(path.read_text(encoding="utf-8")).get("rules", [])):
            if isinstance(rule.get("text"), str):
                out[f"{path.stem}-{i}"] = rule["text"].encode("utf-8")
    out["ascii"] = b"actual >= target -> full; else -> weight * actual / target"
    out["steps"] = "未达标且未填写偏差原因 扣 2分；每低于目标值 5个百分点 扣 1分；最多扣 10分".encode()
    return out


if __name__ == "__main__":
    main(test_one, seeds, "rule")
