"""The package layout follows the pipeline (README, "Layout"): a folder imports from the
stages before it and from the shared modules, never from a later stage, except the two
function-level reads the README names.  Checked on the source, imports inside functions
included; imports only for type checking (``if TYPE_CHECKING:``) are not run and are
left out."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "perfrules"

#: Each part of the package and its place in the pipeline; a part may import from its
#: own place and the places before it.
STAGE = {
    "shared": 0,  # errors, limits, units, values, words, output, nesting, tomlsource, tomlkeys, model, explain, batchrecords
    "readers": 1,
    "rules": 2,
    "ruleset": 3,
    "scoring": 4,
    "render": 5,
    "app": 6, "rulesetbook": 6, "serve": 6, "__main__": 6, "__init__": 6,  # what a user runs; the public API
}

#: The imports that go against the pipeline, each inside a function (README, "Layout").
AGAINST_THE_FLOW = {
    ("readers/__init__.py", "perfrules.ruleset.catalog"),  # the 辖区 guessed from the rulesets perfrules has
    ("tomlsource.py", "perfrules.readers.files"),  # the size-limited read of a file
}


def _part(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1] if parts[1] in STAGE else "shared"


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at module level) for every perfrules import run by *path*."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                 for n in ast.walk(node)}
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "perfrules":
            if node.module == "perfrules":  # from perfrules import model: the module perfrules.model
                out += [(f"perfrules.{a.name}", id(node) in top) for a in node.names]
            else:
                out.append((node.module, id(node) in top))
        elif isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names if a.name.split(".")[0] == "perfrules"]
    return out


def _against_the_flow() -> set[tuple[str, str, bool]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        here = _part(".".join(("perfrules", *path.relative_to(PACKAGE).with_suffix("").parts)))
        if relative == "__main__.py":
            here = "__main__"
        for module, module_level in _imports(path):
            if STAGE[_part(module)] > STAGE[here]:
                found.add((relative, module, module_level))
    return found


def test_imports_follow_the_pipeline() -> None:
    found = _against_the_flow()
    assert {(path, module) for path, module, _ in found} == AGAINST_THE_FLOW
    assert not any(module_level for _, _, module_level in found), "an import against the flow runs on import"


def test_the_check_sees_a_later_stage() -> None:
    """The check itself: scoring importing from the app would be caught."""
    assert STAGE[_part("perfrules.app.cli")] > STAGE[_part("perfrules.scoring.interpreter")]
    assert _part("perfrules.explain") == "shared" and _part("perfrules") == "__init__"
    assert ("readers/__init__.py", "perfrules.ruleset.catalog", False) in _against_the_flow()
