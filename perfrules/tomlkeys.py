"""Where each key of a TOML text is written: key path → line and columns.

tomllib gives exact values (``parse_float=Decimal``) but no positions; errors about a
key must still say file:line:column.  :class:`Locator` scans the text once and maps
each key path (``("rules", 2, "text")``) to the line and columns of the key and of
its value.  It understands what hand-written rulesets use: ``[table]``,
``[[array]]``, dotted and quoted keys, inline tables, multi-line strings.  A position
asked before the scan has run is first looked for in the lines of its own table only
(what a scored table asks: a few keys in each row), the same line and columns.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, TypeVar

from perfrules.errors import PerfrulesError, Position
from perfrules.values import short_text_cache

KeyPath = tuple[str | int, ...]

# U+0370..U+FFFF written as a negated class: the same characters, but re compiles it in
# 0.2 ms instead of 3-8 ms (a positive range that large is expanded char by char).
_BARE_KEY = r"(?:[A-Za-z0-9_\-\u00b7]|[^\x00-\u036f\U00010000-\U0010ffff])+"
_KEY = rf'(?:{_BARE_KEY}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_PAIR = re.compile(rf"\s*({_DOTTED})\s*=\s*")
_HEADER_LINE = re.compile(r"^[^\S\n]*\[", re.M)  # a line _HEADER may match: white space, then [

_KEY_PART = re.compile(_KEY)


def _split_dotted(text: str) -> tuple[str, ...]:
    """The parts of a dotted key as written (quotes taken off).  A key of one part, the
    commonest by far (``"实际完成值"``, ``name``), is taken as it is, with no regex."""
    first = text[:1]
    if first == '"' or first == "'":
        if text.count(first) == 2 and text[-1] == first and (first == "'" or "\\" not in text):
            return (text[1:-1],)
    elif "." not in text and '"' not in text and "'" not in text:
        return (text,)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in _KEY_PART.findall(text))


def _pair(line: str) -> tuple[tuple[str, ...], int, int] | None:
    """(key parts, key column, value column) of a ``key = value`` line, or None.  A line
    that starts ``"键" = `` (how perfrules writes a table) is read with str.find: what
    :data:`_PAIR` matches there, found with no regex."""
    close = line.find('" = ', 1) if line[:1] == '"' else -1
    if close > 0 and line.find('"', 1) == close and line.find("\\", 1, close) < 0 \
            and not line[close + 4:close + 5].isspace():
        return (line[1:close],), 1, close + 5
    pair = _PAIR.match(line)
    if pair is None:
        return None
    return _split_dotted(pair.group(1)), pair.start(1) + 1, pair.end() + 1


#: A [table] or [[array]] line read: (its names, an array's entry, the column of its key).
Header = tuple[tuple[str, ...], bool, int]


def _read_header(line: str) -> Header | None:
    """The header a line opens, or None."""
    found = _HEADER.match(line)
    return None if found is None else (_split_dotted(found.group(2)), found.group(1) == "[[", found.start(2) + 1)


# A table repeats its headers ([["指标"]] once a row, the same across tables): each read once.
_header = short_text_cache(_read_header, maxsize=4096)

_V = TypeVar("_V")


def _keep_header(store: dict[KeyPath, _V], names: tuple[str, ...], table: KeyPath, value: _V) -> None:
    """Where a header is written, kept as the scan and the quick path both keep it: for
    the table it opens, and for its names ([[rules]]: the array is first written at its
    first entry); a position already kept stays."""
    store.setdefault(table, value)
    store.setdefault(names, value)


class KeySpot(NamedTuple):
    """Where a key is written: a tuple, as the scan makes one for every key of a file."""

    line: int  # 1-based
    key_column: int  # 1-based, characters
    value_column: int


_spot = tuple.__new__  # KeySpot(...) without its Python-level __new__: one per key of a file


class Locator:
    """Key path → where the key and its value are written."""

    def __init__(self, text: str, file: str | None) -> None:
        self.file = file
        self.text = text
        self._lines: list[str] | None = None
        self._spots: dict[KeyPath, KeySpot] | None = None
        self._spans: dict[KeyPath, tuple[int, int]] | None = None
        self._heads: dict[KeyPath, tuple[KeySpot, str]] = {}  # table → (spot, line) of its header
        self._counted = (0, 1)  # (offset, its line): lines are counted on from the last asked, as rows ask in order

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")  # tomllib counts only \n (not \x1e, \u2028 …)
        return self._lines

    @property
    def spots(self) -> dict[KeyPath, KeySpot]:
        """Where every key is written, scanned the first time it is needed: a position
        :meth:`_quick` cannot find, a string's characters (:meth:`text_position`)."""
        if self._spots is None:
            self._spots = {}
            self._scan()
        return self._spots

    def _scan(self) -> None:
        assert self._spots is not None
        spots = self._spots
        table: KeyPath = ()
        counts: dict[KeyPath, int] = {}
        in_multiline: str | None = None
        for number, line in enumerate(self.lines, start=1):
            if in_multiline:
                if in_multiline in line:
                    in_multiline = None
                continue
            header = _header(line) if "[" in line else None
            if header:
                names, table = self._entered(header, counts)
                _keep_header(spots, names, table, _spot(KeySpot, (number, header[2], header[2])))
                continue
            pair = _pair(line)
            if pair is None:  # a blank line, a comment (# is no key), a value continued …
                continue
            keys, key_column, value_column = pair
            path = table + keys
            spots[path] = _spot(KeySpot, (number, key_column, value_column))
            end = value_column - 1
            opens = line[end:end + 3]
            if opens == '"""' or opens == "'''":
                if line.count(opens, end) == 1:
                    in_multiline = opens
            elif opens[:1] == "{":
                self._scan_inline(path, number, line, end)

    def _entered(self, header: Header, counts: dict[KeyPath, int]) -> tuple[tuple[str, ...], KeyPath]:
        """(the header's names, the table it opens): a [[header]] counts one more entry."""
        names, array, _ = header
        if array:
            counts[names] = counts.get(names, -1) + 1
        return names, self._indexed(names, counts)

    def _indexed(self, path: tuple[str, ...], counts: dict[KeyPath, int]) -> KeyPath:
        """Insert array-of-tables indices: [[rules]] then [rules.cite] → rules.<n>.cite."""
        if len(path) == 1:  # [[指标]], [预算执行]: the commonest header, with no loop
            return path + (counts[path],) if path in counts else path
        out: list[str | int] = []
        for name in path:
            out.append(name)
            key = tuple(p for p in out if isinstance(p, str))
            if key in counts:
                out.append(counts[key])
        return tuple(out)

    def _scan_inline(self, path: KeyPath, number: int, line: str, start: int) -> None:
        for m in re.finditer(rf"[{{,]\s*({_DOTTED})\s*=\s*", line[start:]):
            keys = _split_dotted(m.group(1))
            assert self._spots is not None
            self._spots[path + keys] = _spot(KeySpot, (number, start + m.start(1) + 1, start + m.end() + 1))

    def _tables(self) -> dict[KeyPath, tuple[int, int]]:
        """Table path → the offsets of its lines (from the end of its header line to the
        start of the next header), read from the header lines alone, as :meth:`_scan`
        reads them (valid TOML opens a table once); where each header is written goes to
        ``_heads``.  Empty when the text has a multi-line string, which could hide a
        header or a key: the scan then runs."""
        if self._spans is None:
            spans: dict[KeyPath, tuple[int, int]] = {}
            self._spans = spans
            text = self.text
            if '"""' in text or "'''" in text:
                return spans
            counts: dict[KeyPath, int] = {}
            table: KeyPath = ()
            start = counted = 0
            number = 1
            for found in _HEADER_LINE.finditer(text):
                line_start = found.start()
                line_end = text.find("\n", line_start)
                if line_end < 0:
                    line_end = len(text)
                line = text[line_start:line_end]
                header = _header(line)
                if header is None:
                    continue
                spans[table] = (start, line_start)
                names, table = self._entered(header, counts)
                number += text.count("\n", counted, line_start)
                counted = line_start
                _keep_header(self._heads, names, table, (_spot(KeySpot, (number, header[2], header[2])), line))
                start = line_end
            spans[table] = (start, len(text))
        return self._spans

    def _quick(self, path: KeyPath) -> tuple[KeySpot, str] | None:
        """(spot, line) of *path* from the lines of its table that contain its last key (or
        from its header, for a table), without scanning the file: what the scan would
        find, or None (then the scan runs).
        A table is scored asking for about two keys in each of its rows; reading only the
        lines that hold them is a fraction of the scan (bench/run.py, "key positions")."""
        spans = self._tables()
        head = self._heads.get(path)
        if head is not None or not path:  # a table: its header
            return head
        key = path[-1]
        if key.__class__ is not str or not key or "\n" in key:  # (each line past the key: the loop moves on)
            return None
        span = spans.get(path[:-1])
        if span is None:
            return None
        start, end = span
        text = self.text
        at = text.find(key, start, end)
        while at >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            if line_end < 0:
                line_end = len(text)
            line = text[line_start:line_end]
            pair = _pair(line)
            if pair is not None and pair[0] == (key,):
                return _spot(KeySpot, (self._line_at(line_start), pair[1], pair[2])), line
            at = text.find(key, line_end, end)
        return None

    def _line_at(self, offset: int) -> int:
        """The line number of *offset*, counted on from the offset last asked when it is past
        it: a table's keys asked in order cost one pass over the text, not one per key."""
        counted, line = self._counted
        if offset < counted:
            counted, line = 0, 1
        line += self.text.count("\n", counted, offset)
        self._counted = (offset, line)
        return line

    def find(self, path: KeyPath) -> KeySpot | None:
        """The spot of *path*, or of its nearest written ancestor."""
        while path:
            spot = self.spots.get(path)
            if spot:
                return spot
            path = path[:-1]
        return None

    def position(self, path: KeyPath, *, value: bool = True, length: int = 1) -> Position:
        quick = self._quick(path) if self._spots is None else None
        if quick is not None:
            spot, source_line = quick
            exact = True
        else:
            found = self.find(path)
            if found is None:  # a top-level key, written nowhere: it belongs at the top of the file
                return Position(file=self.file, line=1, column=1, source_line=self.lines[0], length=length)
            spot, source_line, exact = found, self.lines[found.line - 1], path in self.spots
        column = spot.value_column if value and exact else spot.key_column
        return Position(file=self.file, line=spot.line, column=column, source_line=source_line, length=length)

    def string_start(self, path: KeyPath) -> tuple[int, int] | None:
        """(line, column) of the first character inside the string value at *path*."""
        spot = self.spots.get(path)
        if spot is None:
            return None
        line = self.lines[spot.line - 1]
        rest = line[spot.value_column - 1 :]
        for quote in ('"""', "'''", '"', "'"):
            if rest.startswith(quote):
                if len(quote) == 3 and rest[3:].strip() == "":
                    return spot.line + 1, 1  # a newline right after """ is trimmed
                return spot.line, spot.value_column + len(quote)
        return spot.line, spot.value_column

    def text_position(self, path: KeyPath, offset: int) -> tuple[int, int] | None:
        """(line, column) in the file of character *offset* of the string value at *path*.

        tomllib hands over the value with its escapes decoded (``\\n``, ``\\u6ee1``), so an
        offset into it is walked through the text as written; counting it as written put
        errors on lines past the end of the file.
        """
        spot, start = self.spots.get(path), self.string_start(path)
        if spot is None or start is None:
            return None
        rest = self.lines[spot.line - 1][spot.value_column - 1 :]
        quote = next((q for q in ('"""', "'''", '"', "'") if rest.startswith(q)), "")
        line, col = start
        escapes = quote.startswith('"')
        for _ in range(offset):
            if line > len(self.lines) or (col > len(self.lines[line - 1]) and len(quote) != 3):
                break
            line, col = self._after(line, col, escapes=escapes)
        if escapes and line <= len(self.lines):
            line, col = self._continued(line, col)
        if line > len(self.lines):
            return len(self.lines), len(self.lines[-1]) + 1
        return line, min(col, len(self.lines[line - 1]) + 1)

    def _after(self, line: int, col: int, *, escapes: bool) -> tuple[int, int]:
        """Where the next decoded character of a string starts, after the one at (line, col)."""
        if escapes:
            line, col = self._continued(line, col)
        if line > len(self.lines):
            return line, col
        text = self.lines[line - 1]
        if col > len(text):
            return line + 1, 1  # a line break inside a multi-line string
        if not escapes or text[col - 1] != "\\":
            return line, col + 1
        return line, col + {"u": 6, "U": 10}.get(text[col : col + 1], 2)

    def _continued(self, line: int, col: int) -> tuple[int, int]:
        """Past a line-ending backslash (with the white space and breaks it removes), if any."""
        text = self.lines[line - 1] if line <= len(self.lines) else ""
        if text[col - 1 : col] != "\\" or text[col:].strip(" \t"):
            return line, col
        line, col = line + 1, 1
        while line <= len(self.lines) and not self.lines[line - 1].strip(" \t"):
            line += 1
        if line > len(self.lines):
            return line, col
        rest = self.lines[line - 1]
        return line, 1 + len(rest) - len(rest.lstrip(" \t"))

    def error(self, message: str, path: KeyPath, *, value: bool = True, **kw: Any) -> PerfrulesError:
        length = kw.pop("length", 1)
        err = PerfrulesError(message, position=self.position(path, value=value, length=length), **kw)
        err.key = err.key or render_path(path)
        return err


def render_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
