"""Renderers: one module per output format, all over the same result records.

``render(result, "json")`` picks the module lazily, so the CLI imports only the
format it writes.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any, Literal, overload

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


TextFormat = Literal["text", "json", "md", "html"]


@overload
def render(result: Result, fmt: TextFormat, lang: str = "zh", **options: Any) -> str: ...
@overload
def render(result: Result, fmt: Literal["xlsx"], lang: str = "zh", **options: Any) -> bytes: ...
@overload
def render(result: Result, fmt: str, lang: str = "zh", **options: Any) -> str | bytes: ...
def render(result: Result, fmt: str, lang: str = "zh", **options: Any) -> str | bytes:
    """The result in *fmt* (text, json …): str for text formats, bytes for binary ones.

    Reports are written in Chinese only (``lang="zh"``); an English report was half
    translated and has been dropped rather than kept so.
    """
    if lang != "zh":
        raise ValueError(f"reports are written in Chinese only (lang='zh'), not {lang!r}")
    module = importlib.import_module(FORMATS[fmt])
    out: str | bytes = module.render(result, lang=lang, **options)
    if isinstance(out, str) and fmt != "json":  # JSON escapes them itself
        out = out.translate(_PICTURES)
    return out


# A unit's text reaches a terminal, a Markdown viewer or a browser with its control
# characters shown as their Unicode pictures (NUL → ␀), never raw; line breaks and tabs stay.
_PICTURES = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)} | {0x7F: 0x2421}


class _CallableModule(types.ModuleType):
    """``perfrules.render`` is both this package and the library's ``render`` function.

    Importing the package sets ``perfrules.render`` to the module, so the module
    itself must be callable for ``perfrules.render(result, "html")`` to keep working.
    """

    def __call__(self, result: Result, fmt: str, lang: str = "zh", **options: Any) -> str | bytes:
        return render(result, fmt, lang, **options)


sys.modules[__name__].__class__ = _CallableModule
