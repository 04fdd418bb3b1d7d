"""Ruleset and case data → readable TOML that tomllib reads back to the same values.

Hand-written rather than a TOML library: the output should look like the bundled
rulesets (a comment per section, ``applies``/``cite`` as inline tables, rules in
order), and every line remembers the workbook cell it came from, so an error the
loader finds in the generated file can be reported at ``规则!C7`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from perfrules.tomlkeys import KeyPath

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    return name if _BARE.match(name) else string(name)


def value(v: Any) -> str:
    """One TOML value; only the types a ruleset or case file holds."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return format(v, "f")  # 12.5, 20: never 1E+1, which TOML does not read
    if isinstance(v, str):
        return string(v)
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }" if v else "{}"
    if isinstance(v, Sequence):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")  # pragma: no cover - callers pass checked data


class Writer:
    """Lines of TOML, each remembering the workbook cell it was written from."""

    def __init__(self, cells: Mapping[KeyPath, str]) -> None:
        self.lines: list[str] = []
        self.line_cells: dict[int, str] = {}
        self._cells = cells

    def emit(self, line: str, path: KeyPath | None = None) -> None:
        self.lines.append(line)
        cell = self._cells.get(path) if path is not None else None
        if cell:
            self.line_cells[len(self.lines)] = cell

    def pair(self, name: str, v: Any, path: KeyPath, comment: str = "") -> None:
        tail = f"  # {comment}" if comment else ""
        self.emit(f"{key(name)} = {value(v)}{tail}", path)

    def gap(self, comment: str = "") -> None:
        self.emit("")
        if comment:
            self.emit(f"# {comment}")

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


TOP = (("id", "编号"), ("extends", "上级规则集"), ("name", "名称"), ("jurisdiction", "辖区，用 / 分级"),
       ("year", "适用年度"), ("kind", "类别"), ("version", "版本"), ("note", "备注"), ("binding", "约束性设置"), ("places", "地名"))


def ruleset_toml(data: Mapping[str, Any], cells: Mapping[KeyPath, str], banner: Sequence[str]) -> Writer:
    """The ruleset layer *data* as TOML, sections in the order the bundled files use."""
    w = Writer(cells)
    for line in banner:
        w.emit(f"# {line}" if line else "#")
    w.emit("")
    for name, comment in TOP:
        if name in data:
            w.pair(name, data[name], (name,), comment)
    for doc_key, doc in data.get("documents", {}).items():
        w.gap()
        w.emit(f"[documents.{key(doc_key)}]", ("documents", doc_key))
        for k, v in doc.items():
            w.pair(k, v, ("documents", doc_key, k))
    if "rounding" in data:
        w.gap("舍入：位数和方式")
        w.emit("[rounding]", ("rounding",))
        for k, v in data["rounding"].items():
            w.pair(k, v, ("rounding", k))
    if "weights" in data:
        w.gap("一级指标分值（合并继承链后合计 100）")
        w.emit("[weights]", ("weights",))
        for k, v in data["weights"].items():
            w.pair(k, v, ("weights", k))
    _array(w, "grades", data.get("grades", []), "总分等级")
    if "grade_words" in data:
        w.gap("定性档位的同义词")
        w.emit("[grade_words]", ("grade_words",))
        for k, v in data["grade_words"].items():
            w.pair(k, v, ("grade_words", k))
    for check, setting in data.get("audit", {}).items():
        w.gap("审核提示的阈值与出处")
        w.emit(f"[audit.{key(check)}]", ("audit", check))
        for k, v in setting.items():
            w.pair(k, v, ("audit", check, k))
    _array(w, "remove", data.get("remove", []), "删除上级规则集的规则")
    _array(w, "rules", data.get("rules", []), "规则，按顺序：每一行用第一条适用的规则")
    _array(w, "form", data.get("form", []), "自评表表式")
    return w


def cases_toml(data: Mapping[str, Any], cells: Mapping[KeyPath, str], banner: Sequence[str]) -> Writer:
    """A ``*.cases.toml``: include, ruleset, then every case with its rows one a line."""
    w = Writer(cells)
    for line in banner:
        w.emit(f"# {line}" if line else "#")
    w.emit("")
    for name in ("ruleset", "include"):
        if name in data:
            w.pair(name, data[name], (name,))
    for i, case in enumerate(data.get("cases", [])):
        w.gap()
        w.emit("[[cases]]", ("cases", i))
        for k, v in case.items():
            path: KeyPath = ("cases", i, k)
            if k in ("rows", "explanations") and v:
                w.emit(f"{k} = [", path)
                for j, item in enumerate(v):
                    w.emit(f"  {value(item)},", path + (j,))
                w.emit("]", path)
            else:
                w.pair(k, v, path)
    return w


def _array(w: Writer, name: str, items: Sequence[Mapping[str, Any]], comment: str) -> None:
    for i, item in enumerate(items):
        w.gap(comment if i == 0 else "")
        w.emit(f"[[{name}]]", (name, i))
        for k, v in item.items():
            w.pair(k, v, (name, i, k))
