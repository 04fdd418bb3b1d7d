"""Readers: every format reads the seed 自评表 to what its TOML transcription says."""

from __future__ import annotations

from pathlib import Path

import attrs

from perfrules.model import Submission
from perfrules.readers import read_submission

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "2023-dongjiaduan"


def norm(sub: Submission) -> Submission:
    """What two readers of the same table must agree on."""
    return attrs.evolve(sub, source=None, reader="", jurisdiction="")


def test_text_export_equals_toml() -> None:
    toml = read_submission(str(SEED / "submission.toml"))
    text = read_submission(str(SEED / "report.txt"))
    assert text.reader == "text"
    assert norm(text) == norm(toml)
