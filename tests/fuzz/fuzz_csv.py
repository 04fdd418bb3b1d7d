"""atheris target: .csv submission → read_submission → score → render (see reader_target.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
with atheris.instrument_imports(include=["perfrules"]):
    import _common

    _common.import_all()
    import reader_target
    from _common import main


def test_one(data: bytes) -> None:
    reader_target.test_file(data, ".csv")


if __name__ == "__main__":
    main(test_one, lambda: reader_target.seeds(".csv"), "csv")
