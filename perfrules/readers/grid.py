"""The cells a format reader hands over, and reading one cell: what every layout shares.

A :class:`Cell` is a grid position's text as written and where it is; a format reader
(Word, Excel, CSV, the text export) turns a file into :class:`Table` rows of them.  A
number cell is read here once for every layout: blank is None, and text that is no
number (``IO``, ``/``, a formula Excel never computed) is recorded, never an error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from perfrules import model
from perfrules.errors import PerfrulesError, Position
from perfrules.readers.hanzi import simplified
from perfrules.values import normalize, points, short_text_cache, squash, to_decimal

_STRIP = " \t\r\n\u3000\u00a0\u200b\ufeff"


Locate = Callable[[int, int], Position]  # (row, column) of a table → where that is in the file


class Cell:
    """One grid position: its own text (``""`` for a merge continuation) and where it is.

    A reader gives the position, or ``at=(locate, row, column)`` to have it made when
    first asked for: a table has many more cells than messages and locations point at,
    and a Position costs more to make than the cell.  A cell is never changed once made
    (:meth:`with_text` makes another); it compares and hashes as a value.
    """

    __slots__ = ("text", "merged", "formula", "_position", "_at")

    def __init__(self, text: str, position: Position | None = None, merged: bool = False, formula: str = "",
                 *, at: tuple[Locate, int, int] | None = None) -> None:
        self.text = text
        self.merged = merged  # covered by a merged cell that starts elsewhere
        self.formula = formula  # an Excel formula with no cached value (its text is then "")
        self._position = position
        self._at = at

    @property
    def position(self) -> Position:
        if self._position is None:
            if self._at is None:
                raise TypeError("a Cell needs a position or at=(locate, row, column)")
            locate, row, column = self._at
            self._position = locate(row, column)
        return self._position

    def with_text(self, text: str) -> Cell:
        """The same grid position holding *text* (a label's value split off its cell)."""
        return Cell(text, self._position, self.merged, self.formula, at=self._at)

    def _value(self) -> tuple[str, Position, bool, str]:
        return self.text, self.position, self.merged, self.formula

    def __eq__(self, other: object) -> bool:
        return self._value() == other._value() if isinstance(other, Cell) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._value())

    def __repr__(self) -> str:
        return (f"Cell(text={self.text!r}, position={self.position!r}, merged={self.merged!r}, "
                f"formula={self.formula!r})")



class CellPositions(Mapping[str, Position]):
    """Field → where its cell is in the file, each :class:`Position` made when first read:
    a row keeps where each of its cells is, and only the few a message or a report
    points at are ever worked out (as :class:`perfrules.tomlpositions.LazyPositions` for TOML)."""

    __slots__ = ("_cells",)

    def __init__(self, cells: Mapping[str, Cell]) -> None:
        self._cells = cells

    def __getitem__(self, field: str) -> Position:
        return self._cells[field].position

    def get(self, field: str, default: Any = None) -> Any:  # one call, not Mapping.get's two
        cell = self._cells.get(field)
        return default if cell is None else cell.position

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)

@attrs.frozen
class Table:
    rows: tuple[tuple[Cell, ...], ...]
    name: str  # "表2", "Sheet1", for messages
    before: tuple[str, ...] = ()  # the paragraphs just before it (its caption)
    ragged: bool = False  # rows differ in length (text export): align on the right


@attrs.frozen
class Document:
    """What a format reader hands over: the tables in order and the narrative text."""

    file: str | None
    reader: str
    tables: tuple[Table, ...]
    paragraphs: tuple[str, ...] = ()


def clean(text: str) -> str:
    """A cell's text without the blank space around it (inner line breaks kept)."""
    return text.strip(_STRIP)


_BRACKETED = re.compile(r"\([^)]*\)")


@functools.partial(short_text_cache, maxsize=4096)
def header_key(text: str) -> str:
    """A header cell reduced for matching: half-width, simplified, no spaces, no (…) or colon.

    The layout asks this of the same few dozen header and label cells many times
    while it looks for the form (kept per text, as the values module keeps cell texts)."""
    flat = simplified(squash(text))
    flat = _BRACKETED.sub("", flat)
    return flat.rstrip(":")


def columns_of(row: Sequence[Cell], name_of: Callable[[str], str | None]) -> dict[str, int]:
    """Field → column index for a header row (the first column naming a field wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = name_of(cell.text)
        if field is not None and field not in found:
            found[field] = index
    return found


def cell_at(row: Sequence[Cell], index: int | None, width: int | None) -> Cell | None:
    """The cell of *row* under header column *index*.

    *width* is the header's length in a ragged table, where a longer row is aligned on
    the right; None on a real grid, where columns line up.
    """
    if index is None:
        return None
    if width is not None:
        index += max(0, len(row) - width)
    return row[index] if 0 <= index < len(row) else None


_MONEY = (model.INITIAL_BUDGET, model.BUDGET, model.EXECUTED)


_MONEY_UNITS = ("万元", "元", "万")  # as the TOML reader strips them (150万 under a 万元 header)


UNCACHED = "=公式（无缓存值）: "  # how a formula Excel never computed is recorded in ``unreadable``


def read_number(cell: Cell | None, what: str, unreadable: dict[str, str]) -> Decimal | None:
    """The number in *cell*; None when blank.  Text that is no number is recorded in
    *unreadable* under *what*, never an error (one bad cell does not refuse a table)."""
    if cell is None:
        return None
    if cell.formula and not clean(cell.text):
        unreadable[what] = UNCACHED + cell.formula
        return None
    text = clean(cell.text)
    if not text:
        return None
    figure = normalize(text).strip().replace(",", "")
    if what in _MONEY:  # amounts printed with their unit (9,999.81万元)
        figure = next((figure[: -len(u)].strip() for u in _MONEY_UNITS if figure.endswith(u)), figure)
    try:
        number = to_decimal(figure, f"「{what}」")
        return number if what in _MONEY else points(number, f"「{what}」")
    except PerfrulesError:
        unreadable[what] = text
        return None
