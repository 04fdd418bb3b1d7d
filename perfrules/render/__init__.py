"""Renderers: one module per output format, all over the same result records.

``render(result, "json")`` picks the module lazily, so the CLI imports only the
format it writes.
"""

from __future__ import annotations

import importlib
from typing import Any

from perfrules.explain import Result

FORMATS: dict[str, str] = {
    "text": "perfrules.render.text",
    "json": "perfrules.render.json_out",
    "md": "perfrules.render.md",
    "html": "perfrules.render.html",
    "xlsx": "perfrules.render.xlsx",
}
BINARY_FORMATS: set[str] = {"xlsx"}
EXTENSIONS = {"text": ".txt", "json": ".json", "md": ".md", "html": ".html", "xlsx": ".xlsx"}


def render(result: Result, fmt: str, lang: str = "zh", **options: Any) -> str | bytes:
    """The result in *fmt* (text, json …): str for text formats, bytes for binary ones."""
    module = importlib.import_module(FORMATS[fmt])
    out: str | bytes = module.render(result, lang=lang, **options)
    return out
