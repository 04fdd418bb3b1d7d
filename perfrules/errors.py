"""One error type for every input problem, positioned and rendered in one place.

Inner code raises :class:`PerfrulesError` with what it knows (a message, maybe an
offset into a rule text); outer code adds the file, the line and column and the
source line on the way up (see :meth:`PerfrulesError.located`).  Rendering lives
here too, so every message a user sees has the same shape::

    rules.toml:12:28: 错误：未知的名称「满份」
       12 | text = "实际值 ≥ 目标值 → 满份"
          |                            ^^
      你是否想写「满分」？
"""

from __future__ import annotations

import errno
import unicodedata
from collections.abc import Iterable, Sequence

import attrs


def char_width(ch: str) -> int:
    """Terminal columns taken by one character: two for CJK and full-width, else one."""
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_width(text: str) -> int:
    """Terminal columns taken by *text* (CJK and full-width characters take two)."""
    return len(text) if text.isascii() else sum(map(char_width, text))


@attrs.frozen
class Position:
    """Where a problem is: file and 1-based line and column, counted in characters."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    source_line: str | None = None
    length: int = 1
    cell: str | None = None  # a table cell as the user knows it: "E12", "表3 第12行 第5列"

    def __str__(self) -> str:
        parts = [self.file or "<输入>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        text = ":".join(parts)
        return f"{text}（{self.cell}）" if self.cell else text


class PerfrulesError(Exception):
    """An input problem: a message, where it is, what was expected, a suggestion.

    ``offset`` is a 0-based character offset into ``text`` (a rule text or a cell),
    for errors raised before the caller knows where that text sits in a file.
    """

    def __init__(
        self,
        message: str,
        *,
        position: Position | None = None,
        text: str | None = None,
        offset: int | None = None,
        length: int = 1,
        expected: str | None = None,
        suggestion: str | None = None,
        key: str | None = None,
        code: str = "input",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position or Position()
        self.text = text
        self.offset = offset
        self.length = max(1, length)
        self.expected = expected
        self.suggestion = suggestion
        self.key = key
        self.code = code

    # -- building up the position on the way out -------------------------------------
    def located(
        self,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
        key: str | None = None,
        cell: str | None = None,
    ) -> PerfrulesError:
        """Fill in what the caller knows of where; keeps what is already known."""
        pos = self.position
        self.position = Position(
            file=pos.file or file,
            line=pos.line if pos.line is not None else line,
            column=pos.column if pos.column is not None else column,
            source_line=pos.source_line if pos.source_line is not None else source_line,
            length=self.length,
            cell=pos.cell or cell,
        )
        if key and not self.key:
            self.key = key
        return self

    def at(self, pos: Position) -> PerfrulesError:
        """Place the error where *pos* says, keeping what is already known."""
        return self.located(file=pos.file, line=pos.line, column=pos.column, source_line=pos.source_line)

    # -- rendering ------------------------------------------------------------------
    def render(self, lang: str = "zh") -> str:
        pos = self.position
        head = "错误" if lang == "zh" else "error"
        lines = [f"{pos}: {head}：{visible(self.message)}" if lang == "zh" else f"{pos}: {head}: {self.message}"]
        if self.key:
            lines.append(f"  键：{self.key}" if lang == "zh" else f"  key: {self.key}")
        src, col = pos.source_line, pos.column
        if src is None and self.text is not None and self.offset is not None and "\n" not in self.text:
            src, col = self.text, self.offset + 1
        if src is not None and col is not None:
            number = str(pos.line) if pos.line is not None else ""
            gutter = " " * len(number)
            shown, col = clip(src.rstrip("\n"), col)
            lead = display_width(visible(shown[: col - 1]))  # widths after the pictures: the caret stays put
            mark = max(1, display_width(visible(shown[col - 1 : col - 1 + self.length])))
            shown = visible(shown)
            lines.append(f"  {number} | {shown}")
            lines.append(f"  {gutter} | {' ' * lead}{'^' * mark}")
        if self.expected:
            lines.append(f"  期望：{self.expected}" if lang == "zh" else f"  expected: {self.expected}")
        if self.suggestion:
            lines.append(f"  {self.suggestion}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def visible(text: str) -> str:
    """*text* with control and direction-changing characters shown, never sent raw.

    An echoed source line must not send a NUL, an escape or a right-to-left override
    to the terminal: C0 controls become their pictures (␀ ␁ …, one column each), C1
    controls, bidi marks and lone surrogates become ``\\x85`` / ``\\u202e``.
    """
    return text.translate(_PICTURES)


# Line feeds stay: a message may hold several lines; a source line never does.
_PICTURES: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20) if code != 0x0A}
_PICTURES[0x7F] = "\u2421"
_PICTURES.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})
_PICTURES.update({code: f"\\u{code:04x}" for code in (0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F),
                                                      *range(0x2066, 0x206A), *range(0xD800, 0xE000))})


SHOWN_CONTEXT = 80  # characters of a source line shown either side of the column


def clip(line: str, column: int) -> tuple[str, int]:
    """A window of a long source line around *column* (a 50 MB line is never echoed whole)."""
    if len(line) <= 2 * SHOWN_CONTEXT:
        return line, column
    start = max(0, column - 1 - SHOWN_CONTEXT)
    end = column - 1 + SHOWN_CONTEXT
    head = "…" if start else ""
    tail = "…" if end < len(line) else ""
    return head + line[start:end] + tail, column - start + len(head)


class PerfrulesErrors(PerfrulesError):
    """Several problems found in one pass (checks yield all of them, not the first)."""

    def __init__(self, errors: Sequence[PerfrulesError]) -> None:
        first = errors[0]
        super().__init__(first.message, position=first.position, code=first.code)
        self.errors = list(errors)

    def render(self, lang: str = "zh") -> str:
        return "\n\n".join(e.render(lang) for e in self.errors)


def raise_all(errors: Iterable[PerfrulesError]) -> None:
    """Raise every collected problem at once, or nothing."""
    found = list(errors)
    if len(found) == 1:
        raise found[0]
    if found:
        raise PerfrulesErrors(found)


_OS_ERRORS = {
    errno.ENOENT: "文件不存在", errno.EACCES: "没有读取或写入的权限", errno.EPERM: "操作不被允许",
    errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹", errno.ELOOP: "符号链接成环",
    errno.ENOSPC: "磁盘空间不足", errno.EROFS: "文件系统是只读的", errno.ENAMETOOLONG: "文件名过长",
    errno.EDQUOT: "磁盘配额已满",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese when the reason is a common one."""
    reason = _OS_ERRORS.get(exc.errno or -1)
    detail = exc.strerror or str(exc)
    return f"{reason}（{detail}）" if reason else detail


def did_you_mean(word: str, candidates: Iterable[str], lang: str = "zh") -> str | None:
    """A "did you mean" line for an unknown word, or None when nothing is close."""
    import difflib

    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.5)
    if not close:
        # CJK words are short: one character in common is already a hint.
        scored = [(sum(ch in c for ch in word) / max(len(word), len(c)), c) for c in pool]
        scored = [s for s in scored if s[0] >= 0.5]
        if not scored:
            return None
        close = [max(scored)[1]]
    return f"你是否想写「{close[0]}」？" if lang == "zh" else f"did you mean '{close[0]}'?"
