"""Batch progress: a rich progress bar on a terminal, plain lines otherwise.

Plain lines keep logs and CI output readable; rich is imported only for a TTY.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from perfrules.batchrecords import Failure, Outcome


def _line(outcome: Outcome) -> str:
    if isinstance(outcome, Failure):
        return f"失败 {outcome.input}（{outcome.location}）"
    return f"完成 {outcome.name}：{format(outcome.total, 'f')} {outcome.grade or '—'}"


@contextmanager
def reporter(total: int, stream: IO[str], tty: bool) -> Iterator[Callable[[Outcome], None]]:
    """A callback to call once per finished unit."""
    if not tty:
        count = 0

        def plain(outcome: Outcome) -> None:
            nonlocal count
            count += 1
            stream.write(f"[{count}/{total}] {_line(outcome)}\n")

        yield plain
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("计分"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=Console(file=stream), transient=False) as bar:
        task = bar.add_task("", total=total)

        def fancy(outcome: Outcome) -> None:
            bar.update(task, advance=1, description=_line(outcome))

        yield fancy
