"""Shared fixtures: the seed, its ruleset, and a CLI runner."""

from __future__ import annotations

import io
import os
import tempfile

# The tests parse thousands of generated rule texts: keep their parsed-rule cache out of
# the user's own (~/.cache/perfrules), where it would slow every later start-up.
os.environ.setdefault("PERFRULES_CACHE_DIR", tempfile.mkdtemp(prefix="perfrules-test-cache-"))
from pathlib import Path

import pytest

from perfrules.app.cli import run
from perfrules.explain import Result
from perfrules.scoring.interpreter import score
from perfrules.ruleset.loader import load_ruleset
from perfrules.readers import read_submission

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
DISTRICT = "hunan/zhuzhou/lusong/2023"


@pytest.fixture(scope="session")
def seed_result() -> Result:
    return score(read_submission(str(SEED)), load_ruleset(DISTRICT))


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def cli(*argv: str) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return CliResult(code, out.getvalue(), err.getvalue())
