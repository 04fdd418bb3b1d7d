"""The ``perfrules`` command.  ``run(argv, stdout, stderr) -> int`` is tested like a function.

Exit codes: 0 scored (or checked) cleanly, 1 some inputs of a batch failed,
2 an input error (the message says file:line:column and what to do), 3 an internal
error (a bug: the message says so; ``--debug`` shows the traceback).
Imports are lazy so that ``perfrules score`` loads only what scoring needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, NoReturn

from perfrules.errors import PerfrulesError
from perfrules.output import writable, write_atomic

EXIT_OK, EXIT_SOME_FAILED, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _UsageError(Exception):
    pass


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, told the terminal's width as shutil would work it out
    (COLUMNS, else the terminal, else 80): argparse imports shutil for it, and shutil its
    compressors, on every start of the command line, help or not."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            width = _columns() - 2  # as argparse leaves a margin
        super().__init__(prog, indent_increment, max_help_position, width)


def _columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: 参数错误：{message}")


#: One module per command, each with ``register(subparsers)`` and ``run(args, stdout, stderr)``.
#: Command modules import only argparse at the top; their work is imported when they run.
COMMAND_MODULES = ("score", "check", "import_", "stream", "test", "ruleset", "schema", "serve")


def _parser(argv: Sequence[str] = ()) -> _Parser:
    """The command line's parser: with only the command *argv* names (importing one
    command module, not eight, when perfrules starts), else with every command (for
    ``perfrules --help`` and a command misspelt)."""
    import importlib

    p = _Parser(prog="perfrules", description="预算绩效自评表的规则化计分与解释")
    p.add_argument("--debug", action="store_true", help="出现内部错误时显示完整的调用栈")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    named = next((a for a in argv if not a.startswith("-")), None)
    chosen = [m for m in COMMAND_MODULES if m.rstrip("_") == named]
    for name in chosen or COMMAND_MODULES:
        module = importlib.import_module(f"perfrules.app.commands.{name}")
        parser = module.register(sub)
        parser.set_defaults(handler=module.run)
        # The internal-error text says "add --debug": accept it after the command too.
        parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                            help="出现内部错误时显示完整的调用栈")
    return p


def run(argv: Sequence[str], stdout: IO[str], stderr: IO[str]) -> int:
    """Run one perfrules command; never raises (errors are printed, the code returned)."""
    try:
        args = _parser(argv).parse_args(list(argv))
    except _UsageError as exc:
        stderr.write(f"{exc}\n")
        return EXIT_INPUT
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if not args.command:
        _parser().print_help(stdout)
        return EXIT_INPUT
    handler: Callable[[argparse.Namespace, IO[str], IO[str]], int] = args.handler
    debug = bool(args.debug)
    try:
        return handler(args, stdout, stderr)
    except PerfrulesError as err:
        stderr.write(err.render(getattr(args, "lang", "zh")) + "\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        stderr.write("已中断。\n")
        return 130
    except Exception as exc:  # a bug: say so plainly, no traceback unless asked
        if debug:
            raise
        stderr.write(f"perfrules 内部错误（这是程序的缺陷，不是输入的问题）：{type(exc).__name__}: {exc}\n"
                     "请加 --debug 重新运行，并把输出报告给维护者。\n")
        return EXIT_INTERNAL


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))


# ----------------------------------------------------------------------- helpers
def is_tty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("NO_COLOR") is None


def emit(out: str | bytes, path: str | None, stdout: IO[str]) -> None:
    if path is None:
        text = writable(out) if isinstance(out, str) else out.decode("utf-8")
        stdout.write(text if text.endswith("\n") or not text else text + "\n")  # the next line starts clean
        return
    write_atomic(path, out)


