"""The 用例 and 用例失分 sheets, both ways: a ``*.cases.toml`` ↔ rows staff can edit.

A case becomes one sheet row per 自评表 row (its 预算执行 row marked as such), the
case's own fields on its first row; each expected explanation is a row of 用例失分.
The 自评表 columns are whatever keys the cases use, so a column added in Excel is a
new key of the rows.  Included case files are named relative to the exported file and
are found again from the folder the import writes to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from perfrules.rulesetbook import layout
from perfrules.rulesetbook.export import Problems, style_header, unknown_keys, put
from perfrules.rulesetbook.layout import INT, VALUE, Column
from perfrules.rulesetbook.reader import Book, Cell, records
from perfrules.tomlkeys import KeyPath


def write_cases(wb: Any, data: Mapping[str, Any], problems: Problems) -> None:
    """用例 (one sheet row per 自评表 row of a case) and 用例失分 (one row per explanation)."""
    raw_cases = data.get("cases", [])
    if not isinstance(raw_cases, list):
        problems.add("cases 应当是表格数组 [[cases]]", ("cases",))
        raw_cases = []
    row_keys: dict[str, None] = {}
    for case in raw_cases:
        for row in [*(case.get("rows") or []), case.get("budget") or {}] if isinstance(case, Mapping) else []:
            row_keys.update(dict.fromkeys(row if isinstance(row, Mapping) else {}))
    columns = layout.CASE_COLUMNS + tuple(Column(k, k, VALUE, 12) for k in row_keys)
    ws = wb.create_sheet(layout.CASES)
    explained = wb.create_sheet(layout.EXPLANATIONS.name)
    at, at_e = 2, 2
    for number, case in enumerate(raw_cases, start=1):
        path: KeyPath = ("cases", number - 1)
        if not isinstance(case, Mapping):
            problems.add("每个用例应当是一个表 [[cases]]", path)
            continue
        unknown_keys(case, {"name", "rows", "budget", "total", "explanations", "findings", "no_findings", "note"},
                 path, problems)
        lines = [("指标", r, path + ("rows", j)) for j, r in enumerate(case.get("rows") or [])]
        if "budget" in case:
            lines.append(("预算执行", case["budget"], path + ("budget",)))
        for j, (kind, row, row_path) in enumerate(lines or [("", {}, path)]):
            fields = {"case": number, "row_kind": kind}
            if j == 0:
                fields.update({k: case.get(k) for k in ("name", "total", "findings", "no_findings", "note")})
            fields.update(row if isinstance(row, Mapping) else {})
            for col, column in enumerate(columns, start=1):
                put(ws, at, col, fields.get(column.key), column.kind, row_path, problems)
            at += 1
        for j, e in enumerate(case.get("explanations") or []):
            e_path = path + ("explanations", j)
            unknown_keys(e, {"row", "points_lost", "rule", "clause", "layer"}, e_path, problems)
            put(explained, at_e, 1, number, INT, e_path, problems)
            for col, column in enumerate(layout.EXPLANATIONS.columns[1:], start=2):
                put(explained, at_e, col, e.get(column.key), column.kind, e_path + (column.key,), problems)
            at_e += 1
    style_header(ws, columns)
    style_header(explained, layout.EXPLANATIONS.columns)


def read_cases(book: Book, rows: list[list[Cell]], explained: list[list[Cell]]) -> None:
    cases: dict[int, dict[str, Any]] = {}
    current: int | None = None
    fields = {c.key for c in layout.CASE_COLUMNS}
    for _r, values, where in records(book, layout.CASES, rows, layout.CASE_COLUMNS, dynamic=True):
        number = values.get("case", current)
        if not isinstance(number, int):
            book.error("用例序号缺失：第一行必须写用例序号", where.get("case", next(iter(where.values()))))
            continue
        current = number
        index = list(cases).index(number) if number in cases else len(cases)
        case = cases.setdefault(number, {})
        path: KeyPath = ("cases", index)
        book.case_cells.setdefault(path, where.get("case", next(iter(where.values()))).ref)
        for key in ("name", "total", "findings", "no_findings", "note"):
            if key in values:
                case[key] = values[key]
                book.case_cells[path + (key,)] = where[key].ref
        row = {k: v for k, v in values.items() if k not in fields}
        kind = values.get("row_kind", "指标" if row else None)
        if kind is None:
            continue
        if kind not in layout.ROW_KINDS:
            book.error(f"未知的行类型「{kind}」", where["row_kind"], expected="指标、预算执行")
        elif kind == "预算执行":
            case["budget"] = row
            book.case_cells[path + ("budget",)] = where["row_kind"].ref
        else:
            book.case_cells[path + ("rows", len(case.setdefault("rows", [])))] = where.get("row_kind", where["case"]).ref
            case["rows"].append(row)
    numbers = list(cases)
    for _r, values, where in records(book, layout.EXPLANATIONS.name, explained, layout.EXPLANATIONS.columns):
        number = values.pop("case", None)
        if number not in cases:
            book.error(f"「用例」表中没有序号为 {number} 的用例", where["case"])
            continue
        lst = cases[number].setdefault("explanations", [])
        book.case_cells[("cases", numbers.index(number), "explanations", len(lst))] = where["case"].ref
        lst.append(values)
    ordered = ("name", "rows", "budget", "total", "explanations", "findings", "no_findings", "note")
    book.cases["cases"] = [{k: c[k] for k in ordered if k in c} for c in cases.values()]
    book.has_cases = book.has_cases or bool(cases)  # an empty 用例 sheet writes no cases file


def rebase_includes(book: Book, out_dir: str) -> None:
    """Included case files are named relative to the exported file; find them from the new folder."""
    includes = book.cases.get("include")
    if not isinstance(includes, list):
        return
    src_dir = os.path.dirname(book.source) if book.source else ""
    rebased = []
    for inc in includes:
        if not os.path.exists(os.path.join(out_dir, inc)) and src_dir and os.path.exists(os.path.join(src_dir, inc)):
            inc = os.path.relpath(os.path.join(src_dir, inc), out_dir)
        rebased.append(inc)
    book.cases["include"] = rebased
