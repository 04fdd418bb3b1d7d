"""The library API: the public names, lazy imports, and docs/api.md's examples running."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import perfrules

API_DOC = ROOT / "docs" / "api.md"
PUBLIC = {"load_ruleset", "read_submission", "score", "render", "PerfrulesError", "Result", "RowResult",
          "Explanation", "Finding", "Submission", "Ruleset"}


def test_public_surface() -> None:
    assert PUBLIC <= set(perfrules.__all__)
    for name in perfrules.__all__:
        assert getattr(perfrules, name) is not None
    from perfrules.errors import PerfrulesError
    from perfrules.explain import Result

    assert perfrules.PerfrulesError is PerfrulesError and perfrules.Result is Result
    with pytest.raises(AttributeError):
        perfrules.no_such_name  # noqa: B018


def test_import_is_lazy() -> None:
    code = ("import sys, perfrules; heavy = [m for m in ('lark', 'openpyxl', 'rich', 'perfrules.scoring.interpreter') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_render_is_callable_even_after_the_package_is_imported() -> None:
    code = ("import perfrules.render.md, perfrules; "
            "r = perfrules.score(perfrules.read_submission('examples/2023-dongjiaduan/submission.toml'), "
            "perfrules.load_ruleset('hunan/zhuzhou/lusong/2023')); print(perfrules.render(r, 'md').splitlines()[0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.startswith("# 株洲高新技术产业开发区董家塅片区管理委员会")


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), re.S | re.M)


def test_api_doc_has_examples() -> None:
    assert len(python_blocks(API_DOC)) >= 3


@pytest.mark.parametrize("index", range(len(python_blocks(API_DOC))))
def test_api_doc_example_runs(index: int, tmp_path: Path) -> None:
    """Each ```python block of docs/api.md runs as a script from the project folder."""
    script = tmp_path / f"api_example_{index}.py"
    script.write_text(python_blocks(API_DOC)[index], encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
