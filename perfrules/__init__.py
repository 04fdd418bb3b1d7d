"""perfrules: score 预算绩效自评 tables as code, and explain every point lost.

The public surface, imported lazily so that ``import perfrules`` stays fast (the
rule parser and Excel writer load only when used)::

    import perfrules
    ruleset = perfrules.load_ruleset("hunan/zhuzhou/lusong/2023")
    result = perfrules.score(perfrules.read_submission("自评表.toml"), ruleset)
    html = perfrules.render(result, "html")

See docs/api.md.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Explanation", "Finding", "PerfrulesError", "Result", "RowResult", "Ruleset", "Submission",
    "bundled_dir", "load_ruleset", "load_ruleset_text", "read_submission", "render", "ruleset_index", "score", "select_ruleset",
    "choose_ruleset", "Selection",
]

# name → module that defines it
_WHERE = {
    "load_ruleset": "perfrules.ruleset.loader",
    "select_ruleset": "perfrules.ruleset.catalog",
    "choose_ruleset": "perfrules.ruleset.catalog",
    "Selection": "perfrules.ruleset.catalog",
    "load_ruleset_text": "perfrules.ruleset.loader",
    "ruleset_index": "perfrules.ruleset.loader",
    "bundled_dir": "perfrules.ruleset.loader",
    "score": "perfrules.scoring.interpreter",
    "render": "perfrules.render",
    "PerfrulesError": "perfrules.errors",
    "Result": "perfrules.explain",
    "RowResult": "perfrules.explain",
    "Explanation": "perfrules.explain",
    "Finding": "perfrules.explain",
    "Submission": "perfrules.model",
    "Ruleset": "perfrules.ruleset.model",
}

if TYPE_CHECKING:
    from perfrules.errors import PerfrulesError
    from perfrules.explain import Explanation, Finding, Result, RowResult
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.catalog import Selection, choose_ruleset, select_ruleset
    from perfrules.ruleset.loader import bundled_dir, load_ruleset, load_ruleset_text, ruleset_index
    from perfrules.model import Submission
    from perfrules.render import render
    from perfrules.ruleset.model import Ruleset


def read_submission(path: str | os.PathLike[str]) -> Submission:
    """Read a 自评表 file (TOML, JSON, Word, Excel, CSV, text): a str or a Path."""
    from perfrules.readers import read_submission as read

    return read(os.fspath(path))


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'perfrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
