"""The documentation's examples are real: every rule in docs/grammar.md compiles and the
Chinese and ASCII spellings of each form score alike (tests/test_grammar.py checks values),
and every python example of docs/api.md runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from perfrules.rules.compiler import compile_rule

BLOCKS = re.findall(r"```text\n(.*?)```", (ROOT / "docs/grammar.md").read_text(encoding="utf-8"), re.S)
RULES = [line.strip() for block in BLOCKS for line in block.splitlines() if line.strip()]


def test_the_grammar_page_has_both_spellings_of_every_form() -> None:
    assert len(RULES) >= 18
    assert sum(1 for r in RULES if re.search(r"[\u4e00-\u9fff]", r)) >= 9
    assert sum(1 for r in RULES if not re.search(r"[\u4e00-\u9fff]", r)) >= 8


@pytest.mark.parametrize("text", RULES)
def test_every_documented_rule_compiles(text: str) -> None:
    compile_rule(text)


def test_every_finding_code_the_engine_emits_is_documented() -> None:
    """docs/findings.md lists every code, with its level, for auditors."""
    root = ROOT
    source = "".join(p.read_text(encoding="utf-8") for p in (root / "perfrules").rglob("*.py"))
    codes = set(re.findall(r'(?:_find|Finding)\("(?:error|warning|info)", "([a-z_0-9]+)"', source))
    codes |= {"ruleset_fallback", "ruleset_choice"}
    doc = (root / "docs" / "findings.md").read_text(encoding="utf-8")
    assert len(codes) > 40
    assert sorted(c for c in codes if f"`{c}`" not in doc) == []


API_EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "docs/api.md").read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("number", range(len(API_EXAMPLES)))
def test_every_api_example_runs(number: int, tmp_path: Path) -> None:
    """Each python block of docs/api.md runs as a script from the project root (its asserts hold)."""
    script = tmp_path / f"api_example_{number}.py"
    script.write_text(API_EXAMPLES[number], encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
