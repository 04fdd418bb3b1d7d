"""How deep [ and { nest in TOML or JSON text, strings and comments skipped: tomllib and
json recurse per level, so a depth over the limit is refused before (or instead of)
reaching Python's recursion limit."""

from __future__ import annotations

import re


def nesting_offset(text: str, limit: int, *, comments: bool) -> int | None:
    """Offset of the first [ or { nested deeper than *limit* outside strings (TOML/JSON).

    tomllib and json recurse per level; checking first keeps deep input from ever
    reaching Python's recursion limit.  Strings are skipped (a rule text holds
    brackets); *comments* skips TOML's # comments.
    """
    depth, i = 0, 0
    special = _SPECIAL_TOML if comments else _SPECIAL_JSON
    while (m := special.search(text, i)) is not None:
        i, ch = m.start(), m.group()
        if ch in "[{":
            depth += 1
            if depth > limit:
                return i
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "#":
            i = _end_of(text, "\n", i)
            continue
        else:
            i = _skip_string(text, i, comments)
            continue
        i += 1
    return None


_SPECIAL_TOML = re.compile(r"[\[\]{}#\"']")
_SPECIAL_JSON = re.compile(r'[\[\]{}"]')


def _skip_string(text: str, i: int, toml: bool) -> int:
    """The index after the string starting at *i* (basic, literal, multi-line)."""
    quote = text[i]
    if toml and text.startswith(quote * 3, i):
        pattern = _ML_LITERAL if quote == "'" else _ML_BASIC
    else:
        pattern = _LITERAL if quote == "'" else _BASIC
    m = pattern.match(text, i)
    return m.end() if m else len(text)


_BASIC = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_LITERAL = re.compile(r"'[^']*'")
_ML_BASIC = re.compile(r'"""(?:[^\\]|\\.)*?"""', re.S)
_ML_LITERAL = re.compile(r"'''.*?'''", re.S)


def _end_of(text: str, ch: str, i: int) -> int:
    end = text.find(ch, i)
    return len(text) if end < 0 else end
