"""Every bundled TOML file validates against the JSON Schemas shipped in the package."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, cli

RULESETS = sorted(p for p in (ROOT / "rulesets").rglob("*.toml") if not p.name.endswith(".cases.toml"))
SUBMISSIONS = [ROOT / "examples/2023-dongjiaduan/submission.toml",
               *sorted((ROOT / "tests/cases").glob("*/submission.toml")),
               *sorted((ROOT / "tests/corpus").glob("*/*/table.toml"))]  # the corpus format (tests/corpus/README.md)


def _schema(name: str) -> dict[str, object]:
    res = cli("schema", name)
    assert res.code == 0
    schema: dict[str, object] = json.loads(res.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", RULESETS, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_rulesets_validate(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, _schema("ruleset"))
    assert path.read_text(encoding="utf-8").startswith("#:schema ")


@pytest.mark.parametrize("path", SUBMISSIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_submissions_validate(path: Path) -> None:
    jsonschema.validate(tomllib.loads(path.read_text(encoding="utf-8")), _schema("submission"))


def test_the_schema_catches_a_misspelt_key() -> None:
    data = tomllib.loads(RULESETS[0].read_text(encoding="utf-8"))
    data["rulez"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _schema("ruleset"))
