"""atheris target: ruleset TOML → loader (chain, merge, checks, compile) → scoring the seed.

Inputs are ruleset files (seeded with the bundled ones, so ``extends`` reaches the
real chain).  A ruleset that loads then scores the bundled example submission.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
with atheris.instrument_imports(include=["perfrules"]):
    import _common

    _common.import_all()
    from _common import ROOT, SEED_TOML, main, run_guarded
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.loader import load_ruleset_text
    from perfrules.readers import read_submission
    from perfrules.render import render

SUBMISSION = read_submission(str(SEED_TOML))


def _load_and_score(text: str) -> None:
    ruleset = load_ruleset_text(text, "fuzz.toml")
    render(score(SUBMISSION, ruleset), "text")


def test_one(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    run_guarded(data, text, lambda: _load_and_score(text))


def seeds() -> dict[str, bytes]:
    out = {p.stem: p.read_bytes() for p in sorted((ROOT / "rulesets").rglob("*.toml"))}
    out.update({p.stem: p.read_bytes() for p in sorted((ROOT / "tests" / "errors").glob("*.toml"))})
    return out


if __name__ == "__main__":
    main(test_one, seeds, "ruleset")
