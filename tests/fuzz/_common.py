"""Shared harness for the atheris targets (see README.md in this folder).

Every target feeds bytes to one perfrules entry point.  The contract checked is
the project's: an input ends in a result or in a ``PerfrulesError`` whose line and
column lie inside the input.  Anything else is a bug.

By default a bug raises (libFuzzer stops and writes ``crash-…``).  With
``PERFRULES_FUZZ_COLLECT=<dir>`` each *distinct* bug (exception type + innermost
perfrules frame) is written to ``<dir>`` with its traceback and the run goes on, so
one long run reports every kind of crash it meets rather than the first.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SEED_TOML = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
DISTRICT = "hunan/zhuzhou/lusong/2023"
_COLLECT = os.environ.get("PERFRULES_FUZZ_COLLECT")
_SEEN: set[str] = set()


class ContractBroken(AssertionError):
    """A PerfrulesError that points outside its input."""


def check_position(err: object, text: str | None) -> None:
    """Line ≤ number of lines and column ≤ len(line)+1, when the error has a line."""
    from perfrules.errors import PerfrulesErrors

    errors = err.errors if isinstance(err, PerfrulesErrors) else [err]
    for one in errors:
        pos = one.position  # type: ignore[attr-defined]
        one.render()  # rendering must not fail either
        if pos.line is None or text is None:
            continue
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not 1 <= pos.line <= max(1, len(lines)):
            raise ContractBroken(f"line {pos.line} outside 1..{len(lines)}: {one}")
        if pos.column is not None and not 1 <= pos.column <= len(lines[pos.line - 1]) + 1:
            raise ContractBroken(f"column {pos.column} outside line {pos.line} (len {len(lines[pos.line - 1])}): {one}")


def _signature(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "perfrules" in f.filename]
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__}@{where}"


def report(exc: BaseException, data: bytes) -> None:
    """Raise (plain libFuzzer crash) or, when collecting, save one input per distinct bug."""
    if not _COLLECT:
        raise exc
    sig = _signature(exc)
    if sig in _SEEN:
        return
    _SEEN.add(sig)
    out = Path(_COLLECT)
    out.mkdir(parents=True, exist_ok=True)
    name = sig.replace("@", "_").replace(":", "_") + "-" + hashlib.sha1(data).hexdigest()[:10]
    (out / f"{name}.input").write_bytes(data)
    (out / f"{name}.txt").write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    print(f"\n### new bug {sig} → {out / name}", file=sys.stderr, flush=True)


def run_guarded(data: bytes, text: str | None, call: Callable[[], object]) -> None:
    """Call *call*; PerfrulesError must point inside *text*; anything else is reported."""
    from perfrules.errors import PerfrulesError

    try:
        call()
    except PerfrulesError as err:
        try:
            check_position(err, text)
        except Exception as broken:  # noqa: BLE001 - the contract itself failed
            report(broken, data)
    except RecursionError as exc:
        report(exc, data)
    except Exception as exc:  # noqa: BLE001 - every other exception is a bug
        report(exc, data)


_TMP = tempfile.mkdtemp(prefix="perfrules-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
atexit.register(shutil.rmtree, _TMP, True)


def temp_file(data: bytes, suffix: str) -> str:
    """Write *data* to a reused temporary file named with *suffix* (readers look at names)."""
    path = os.path.join(_TMP, f"input{suffix}")
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def score_file(path: str) -> None:
    """Read and score under the district ruleset: the whole pipeline a user runs."""
    from perfrules.scoring.interpreter import score
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.readers import read_submission
    from perfrules.render import render

    result = score(read_submission(path), load_ruleset(DISTRICT))
    render(result, "text")
    render(result, "json")


def write_seeds(corpus: Path, seeds: dict[str, bytes]) -> None:
    """Put the starting inputs in the corpus folder (once)."""
    corpus.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        target = corpus / name
        if not target.exists():
            target.write_bytes(data)


def main(test_one: Callable[[bytes], None], seeds: Callable[[], dict[str, bytes]], name: str) -> None:
    """atheris entry point: seed ``corpus/<name>`` unless a corpus folder is given, then fuzz."""
    import atheris

    argv = list(sys.argv)
    if not any(not a.startswith("-") for a in argv[1:]):
        corpus = Path(os.environ.get("PERFRULES_FUZZ_CORPUS", "/tmp/perfrules-corpus")) / name
        write_seeds(corpus, seeds())
        argv.append(str(corpus))
    atheris.Setup(argv, test_one)
    atheris.Fuzz()


def import_all() -> None:
    """Import every perfrules module now, so atheris instruments them (lazy imports would not be)."""
    import importlib
    import pkgutil

    import perfrules

    for info in pkgutil.walk_packages(perfrules.__path__, "perfrules."):
        importlib.import_module(info.name)
