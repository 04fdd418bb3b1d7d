"""How the benchmarks start perfrules in a child process: the command, and an environment
that makes the child import the same perfrules as the parent."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process, PYTHONPATH made absolute: ``PYTHONPATH=. bench/run.py``
    measures the checkout's perfrules in the children too, although they run elsewhere
    (with a relative PYTHONPATH they would import whatever perfrules is installed)."""
    env = {**os.environ, **extra}
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    return env


def perfrules_command() -> list[str]:
    """``perfrules`` as installed beside this Python, else ``python -m perfrules``."""
    exe = Path(sys.executable).parent / "perfrules"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "perfrules"]
