"""TOML with positions: tomli for the values, :mod:`perfrules.tomlkeys` for where each key is.

:func:`load_toml` parses a text into exact values (Decimal, never float) and a
:class:`~perfrules.tomlkeys.Locator` for its keys; a syntax error, a number too long or
nesting too deep becomes a positioned error in Chinese, never a traceback.

The parser is tomli, the code the standard library ships as tomllib, installed from its
wheels compiled with mypyc: the same values, errors and messages, three times faster
(bench/run.py, "read").  tomli 2.4 reads TOML 1.1 (a comma before ``}``, an inline table
over several lines), which :mod:`perfrules.tomlkeys` does not locate, so the dependency
stops below it.  Without tomli, tomllib parses the same TOML 1.0.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

try:
    import tomli as tomllib
except ImportError:  # pragma: no cover - a declared dependency; the standard library's copy then parses
    import tomllib  # type: ignore[no-redef]

__all__ = ["decoded", "error_at", "load_toml", "newlines", "read_text", "toml_error", "tomllib"]

from perfrules.errors import PerfrulesError, Position
from perfrules.limits import MAX_DATA_NESTING, MAX_TEXT_FILE_BYTES
from perfrules.nesting import nesting_offset
from perfrules.tomlkeys import Locator

_MESSAGES = {
    "Expected '=' after a key in a key/value pair": "键后面应当是「=」",
    "Invalid value": "无法识别的值（字符串要加引号）",
    "Invalid statement": "无法识别的语句",
    "Cannot declare": "重复定义了同一个表或键",
    "Cannot overwrite a value": "重复定义了同一个键",
    "Unterminated string": "字符串没有结束的引号",
    "Illegal character": "非法字符",
    "Expected newline or end of document after a statement": "一条语句之后应当换行",
    "Invalid initial character for a key part": "键的开头字符无效",
}


def load_toml(text: str, file: str | None) -> tuple[dict[str, Any], Locator]:
    """Parse TOML into exact values (Decimal, never float) and a locator for its keys.

    tomllib recurses into nested arrays and tables and converts integers with int(),
    which refuses more than 4300 digits with a ValueError: both are caught here and
    turned into positioned errors, never a traceback.  Line breaks are normalised as
    :func:`read_text` does, so text given directly is located like a file's.
    """
    text = newlines(text)
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        _too_deep(text, file)  # a syntax error past the depth limit: the depth is the problem
        raise toml_error(exc, text, file) from None
    except (ValueError, RecursionError):
        _too_deep(text, file)
        long_number = re.search(r"[0-9][0-9_]{30,}", text)
        raise error_at("TOML 中的数字过长，无法读取", text, long_number.start() if long_number else 0, file,
                       code="toml", expected="不超过 30 位的数字") from None
    if _deeper_than(data, MAX_DATA_NESTING - 2):  # [[a]] headers nest 2 in the text and 1 in the data
        _too_deep(text, file)
    return data, Locator(text, file)


def _too_deep(text: str, file: str | None) -> None:
    """Refuse text whose [ and { nest deeper than the limit, at the first too-deep bracket.

    The text is scanned only when the parsed data is that deep (or tomllib failed): a
    bracket in the text always opens a list or table in the data, so shallow data
    proves shallow text without reading it twice."""
    deep = nesting_offset(text, MAX_DATA_NESTING, comments=True)
    if deep is not None:
        raise error_at(f"TOML 嵌套过深（上限 {MAX_DATA_NESTING} 层）", text, deep, file, code="toml")


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and tables nest more than *limit* deep in parsed TOML (iteratively: no
    recursion limit; tomllib builds only dict and list containers)."""
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        for child in item.values() if item.__class__ is dict else item:
            if child.__class__ is dict or child.__class__ is list:
                stack.append((child, level + 1))
    return False


def error_at(message: str, text: str, offset: int, file: str | None, **kw: Any) -> PerfrulesError:
    """An error at a character offset of a whole file's text (line and column from it)."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    lines = text.split("\n")
    return PerfrulesError(message, position=Position(file=file, line=line, column=column, source_line=lines[line - 1]), **kw)


def toml_error(exc: tomllib.TOMLDecodeError, text: str, file: str | None) -> PerfrulesError:
    """Re-render tomllib's message with our position format, in Chinese."""
    raw = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", raw)
    detail = re.sub(r"\s*\(at .*\)$", "", raw)
    message = next((zh for en, zh in _MESSAGES.items() if detail.startswith(en)), None)
    if "Illegal character '\\n'" in detail or 'Illegal character "\\n"' in detail:
        message = "字符串没有结束的引号（这一行末尾缺少 \"）"
    message = f"TOML 语法错误：{message or detail}"
    lines = text.split("\n")
    if m:
        line, column = int(m.group(1)), int(m.group(2))
    else:
        line = max(1, len(lines))
        column = len(lines[-1]) + 1 if lines else 1
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    suggestion = None
    if re.match(r"^\s*\[*[\u3000-\u9fff]", src):
        suggestion = '中文键名要加英文双引号，例如 "单位名称" = "…"，表名写成 ["预算执行"]、[["指标"]]。'
    elif "Invalid value" in detail or "Invalid statement" in detail:
        suggestion = "文字的值要用英文双引号括起来，例如 name = \"产出指标\"。"
    return PerfrulesError(
        message,
        position=Position(file=file, line=line, column=column, source_line=src),
        suggestion=suggestion,
        code="toml",
    )


def read_text(path: str) -> str:
    """Read a UTF-8 text file (BOM allowed); a clear error for anything else."""
    from perfrules.readers.files import read_bytes

    return decoded(read_bytes(path, MAX_TEXT_FILE_BYTES, why="", code="io"), path)


def decoded(raw: bytes, path: str) -> str:
    """A text file's bytes as text: UTF-8 (BOM allowed), LF line ends; a clear error else."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PerfrulesError(
            f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节无法解码）",
            position=Position(file=path),
            suggestion="请用 UTF-8 编码另存该文件。",
            code="encoding",
        ) from None
    return newlines(text)


def newlines(text: str) -> str:
    """CRLF and a lone CR become LF: lines are then counted the same way everywhere."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
