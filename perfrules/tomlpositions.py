"""Where a scored row's cells are written, worked out only when a report reads it.

Every row of a scored TOML table carries the position of its cells (file, line,
column), but only a report or a message reads one; a batch that keeps totals never
does.  :class:`LazyPositions` hands out :class:`DeferredPosition` objects that ask
the locator (:class:`perfrules.tomlkeys.Locator`) on the first read of a field.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from perfrules.errors import Position
from perfrules.tomlkeys import KeyPath, Locator


class DeferredPosition(Position):
    """A :class:`~perfrules.errors.Position` whose line and columns are worked out when one
    of its fields is first read, not when it is made.

    Every row of a scored table carries where its 实际完成值 is written, but only a report
    or a message reads it; a batch that keeps totals never does.  Working them out when
    scored was a quarter of ``score()`` of a table just read (bench/run.py, "key
    positions").  The fields are Position's own slots, left unset until then: reading an
    unset slot falls through to :meth:`__getattr__`, which fills all of them from the
    locator at once.  It equals, hashes, prints and pickles as the Position it stands
    for (pickled as that plain Position)."""

    __slots__ = ("_locator", "_path")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        with _RESOLVING:  # a submission kept between requests (perfrules serve) is rendered from several threads
            locator = self._locator
            if locator is not None:  # (None: another thread has just filled it)
                found = locator.position(self._path)
                for field in _POSITION_FIELDS:
                    object.__setattr__(self, field, getattr(found, field))
                object.__setattr__(self, "_locator", None)  # the file's text is no longer held for it
        return object.__getattribute__(self, name)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, field) for field in _POSITION_FIELDS)

    def plain(self) -> Position:
        """The Position this stands for."""
        return Position(*self._fields())

    def __eq__(self, other: object) -> bool:
        return self.plain() == other if isinstance(other, Position) else NotImplemented

    def __ne__(self, other: object) -> bool:
        return self.plain() != other if isinstance(other, Position) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.plain())

    def __repr__(self) -> str:
        return repr(self.plain())

    def __reduce__(self) -> tuple[Any, ...]:
        return Position, self._fields()


_POSITION_FIELDS = tuple(f.name for f in attrs.fields(Position))
_RESOLVING = threading.Lock()  # a locator fills its maps as it goes: one thread at a time


def deferred(locator: Locator, path: KeyPath) -> Position:
    """Where the value at *path* is written, worked out when first read."""
    position = object.__new__(DeferredPosition)
    object.__setattr__(position, "_locator", locator)
    object.__setattr__(position, "_path", path)
    return position


class LazyPositions(Mapping[str, Position]):
    """Field → position of the keys under one table, each worked out when its line or
    column is first read (:class:`DeferredPosition`)."""

    def __init__(self, locator: Locator, path: KeyPath, keys: Iterable[str]) -> None:
        self._locator, self._path, self._keys = locator, path, tuple(keys)
        self._done: dict[str, Position] = {}

    def __getitem__(self, key: str) -> Position:
        found: Position | None = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: str, default: Any = None) -> Any:  # one call, not Mapping.get's two
        done = self._done.get(key)
        if done is None:
            if key not in self._keys:
                return default
            done = self._done[key] = deferred(self._locator, self._path + (key,))
        return done

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
