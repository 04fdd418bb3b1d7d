"""What ``pip install .`` puts in the wheel: every package and every file perfrules reads.

The package list in pyproject.toml is explicit (the bundled rulesets are mapped in from
the top-level rulesets/ folder), so a new sub-package must be added there by hand.
CI installs perfrules in editable mode, which finds every sub-package anyway; these
tests hold the list itself to the tree, so a missing one fails here and not on a user's
machine (``perfrules ruleset export`` once failed there with ModuleNotFoundError:
perfrules.rulesetbook was not in the list).
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "perfrules"
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]

#: Files in the tree that are not installed on purpose: the studio editor's build inputs
#: (``serve/static/editor.js`` is what is served, built from these by build.sh).
NOT_INSTALLED = ("serve/assets/*",)


def _packages_in_tree() -> set[str]:
    return {".".join(("perfrules", *init.parent.relative_to(PACKAGE).parts)) for init in PACKAGE.rglob("__init__.py")
            if "__pycache__" not in init.parts}


def test_every_package_in_the_tree_is_installed() -> None:
    listed = set(SETUPTOOLS["packages"]) - set(SETUPTOOLS.get("package-dir", {}))
    assert _packages_in_tree() == listed


def test_every_data_file_in_the_tree_is_installed() -> None:
    data = SETUPTOOLS["package-data"]
    missing = []
    for path in PACKAGE.rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(PACKAGE).as_posix()
        if any(fnmatch.fnmatch(relative, pattern) for pattern in NOT_INSTALLED):
            continue
        # The package-data patterns of the innermost listed package that holds the file.
        owner = max((p for p in data if p == "perfrules" or relative.startswith(p.removeprefix("perfrules.")
                                                                                 .replace(".", "/") + "/")),
                    key=len)
        inside = relative if owner == "perfrules" else relative.removeprefix(owner.removeprefix("perfrules.")
                                                                            .replace(".", "/") + "/")
        if not any(fnmatch.fnmatch(inside, pattern) for pattern in data[owner]):
            missing.append(relative)
    assert missing == []


def test_the_bundled_rulesets_are_installed_as_package_data() -> None:
    assert SETUPTOOLS["package-dir"] == {"perfrules.rulesets_data": "rulesets"}
    assert "perfrules.rulesets_data" in SETUPTOOLS["packages"]
    assert (ROOT / "rulesets" / "__init__.py").exists()
