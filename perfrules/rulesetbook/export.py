"""One ruleset layer (the file as written, with its ``extends``) → an Excel workbook.

The layer is exported, not the resolved ruleset: importing the workbook gives back
a file that extends the same parent and so resolves to the same ruleset.  The
ruleset is loaded first, so a broken file is refused with the loader's messages.
Every value must fit a column of :mod:`perfrules.rulesetbook.layout`; one that does
not (a key the workbook has no column for, a table where text is expected) is an
error at its TOML position, never dropped.

Every text goes in as a string cell (``data_type = "s"``): a rule text starting with
``=`` stays text and Excel never evaluates it.  Characters XML cannot hold are shown
as their control pictures (U+0001 → ␁).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from perfrules.app.casetest import cases_file_for
from perfrules.errors import PerfrulesError, raise_all
from perfrules.rulesetbook import layout
from perfrules.rulesetbook.layout import BOOL, INT, LIST, NUMBER, TEXT, VALUE, Column, Sheet
from perfrules.tomlkeys import KeyPath, Locator
from perfrules.tomlsource import load_toml, read_text

EXCEL_CELL_CHARS = 32_767  # Excel's limit for one cell


class Problems:
    """Values the workbook cannot hold, each at its TOML position."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.errors: list[PerfrulesError] = []

    def add(self, message: str, path: KeyPath) -> None:
        self.errors.append(self.locator.error(message, path, code="workbook",
                                              suggestion="工作簿没有对应的格子；请先在 TOML 中改写这一项再导出。"))


def export_workbook(ref: str, out: str) -> None:
    """Write the ruleset *ref* (id or file) and its ``.cases.toml`` to the workbook *out*."""
    from perfrules.output import write_atomic
    from perfrules.ruleset.loader import load_ruleset, resolve_ruleset_path

    path = resolve_ruleset_path(ref)
    ruleset = load_ruleset(path)
    data, locator = load_toml(read_text(path), path)
    cases_path = cases_file_for(path)
    cases = load_toml(read_text(str(cases_path)), str(cases_path)) if cases_path else None
    book = workbook_bytes(data, locator, cases, chain=ruleset.chain, source=os.path.abspath(path))
    write_atomic(out, book)


def workbook_bytes(data: Mapping[str, Any], locator: Locator, cases: tuple[dict[str, Any], Locator] | None,
                   *, chain: tuple[str, ...], source: str) -> bytes:
    """The workbook as .xlsx bytes; every unrepresentable value is reported at once."""
    import io

    from openpyxl import Workbook

    problems = Problems(locator)
    wb = Workbook()
    readme = wb.active
    assert readme is not None
    readme.title = layout.README
    _readme(readme, data, chain, source)
    _header(wb.create_sheet(layout.HEADER), data, cases, source, problems)
    _check_keys(data, problems)
    for sheet in layout.TABLE_SHEETS:
        ws = wb.create_sheet(sheet.name)
        _table(ws, sheet, list(_records(sheet, data, problems)), problems)
    case_problems = Problems(cases[1]) if cases else problems
    from perfrules.rulesetbook.casesheet import write_cases

    write_cases(wb, cases[0] if cases else {}, case_problems)
    raise_all(problems.errors + (case_problems.errors if cases else []))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------- cells
def put(ws: Any, row: int, col: int, v: Any, kind: str, path: KeyPath, problems: Problems) -> None:
    """One value into one cell, as the column's kind says; text always as text."""
    if v is None:
        return
    cell = ws.cell(row=row, column=col)
    if kind in (INT, NUMBER, VALUE) and _is_number(v) and (kind != INT or isinstance(v, int)):
        cell.value = v
        cell.number_format = "0" if isinstance(v, int) else "General"
        return
    text = _as_text(v, kind, path, problems)
    if text is None:
        return
    if len(text) > EXCEL_CELL_CHARS:
        problems.add(f"文字过长（{len(text)} 个字符），Excel 一格最多 {EXCEL_CELL_CHARS} 个字符", path)
        return
    cell.value = visible(text)
    cell.data_type = "s"  # never a formula, whatever the text starts with


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def _as_text(v: Any, kind: str, path: KeyPath, problems: Problems) -> str | None:
    if kind == BOOL and isinstance(v, bool):
        return "是" if v else "否"
    if kind == LIST and isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "\n".join(_list_item(x, path, problems) for x in v)
    if kind in (TEXT, LIST, VALUE) and isinstance(v, str):
        return _list_item(v, path, problems) if kind == LIST else v
    if kind == TEXT and (_is_number(v) or isinstance(v, (datetime.date, datetime.time))):
        return str(v)  # the loader reads these fields with str(): the same value comes back
    want = {TEXT: "文字", INT: "整数", NUMBER: "数字", BOOL: "true 或 false", LIST: "文字或文字列表", VALUE: "文字或数字"}[kind]
    problems.add(f"这一项应当是{want}，实际是 {_toml_type(v)}，工作簿无法表示", path)
    return None


def _list_item(x: str, path: KeyPath, problems: Problems) -> str:
    if "\n" in x or x != x.strip() or not x:
        problems.add(f"列表中的文字「{x}」为空、含换行或首尾有空格：工作簿一格一行一项，无法原样表示", path)
    return x


def _toml_type(v: Any) -> str:
    return {dict: "表", list: "数组", bool: "布尔值", int: "整数", Decimal: "小数", str: "文字"}.get(type(v), "日期时间")


def visible(text: str) -> str:
    """*text* with the characters XML cannot hold shown as control pictures (␁)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group())), text)


def style_header(ws: Any, columns: tuple[Column, ...]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=column.header)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# ---------------------------------------------------------------------- sheets
def _readme(ws: Any, data: Mapping[str, Any], chain: tuple[str, ...], source: str) -> None:
    lines = [
        "perfrules 规则集工作簿",
        f"规则集：{data.get('id', '')}　{data.get('name', '')}",
        f"继承链：{' → '.join(chain)}（本工作簿只含最后一层；上级规则集「{data.get('extends', '无')}」不在这里）",
        f"来源文件：{source}",
        "",
        "这是什么：把一个规则集文件（TOML）摊成几张表，便于在 Excel/WPS 中查看和修改。",
        "怎样修改：只改「值」和各表第二行起的内容；不要改表名、列名和「基本信息」的「键」列。",
        "一格里写多项（适用条件、约束性设置、同义词、审核提示）时，一行一项（Alt+Enter 换行）。",
        "不要写公式：导入时公式一律拒绝（不会计算）。数字格只填数字。",
        "改完后导入：perfrules ruleset import 本文件.xlsx -o 规则集.toml",
        "导入会检查全部内容，一次列出所有问题，每个问题注明「表名!单元格」；然后用 perfrules check 规则集.toml 复查。",
        "若有用例（「用例」表），导入时同时写出 规则集.cases.toml，可用 perfrules test 规则集.toml 运行。",
        "",
        "各表：",
        f"{layout.HEADER}：编号、上级规则集、名称、辖区、年度、版本、舍入等单项设置，一行一项。",
        *(f"{s.name}：{s.note}" for s in layout.TABLE_SHEETS),
        f"{layout.CASES}：用例，一行是用例表格的一行；同一用例的各行「用例」序号相同，用例名称等只写在第一行。",
        f"{layout.EXPLANATIONS.name}：{layout.EXPLANATIONS.note}",
    ]
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=visible(line))
        cell.data_type = "s"
    ws.column_dimensions["A"].width = 110


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _header(ws: Any, data: Mapping[str, Any], cases: tuple[dict[str, Any], Locator] | None, source: str,
            problems: Problems) -> None:
    style_header(ws, layout.HEADER_COLUMNS)
    case_data = cases[0] if cases else {}
    for r, (key, label, kind, hint) in enumerate(layout.SETTINGS, start=2):
        for c, text in ((1, key), (2, label), (4, hint)):
            put(ws, r, c, text, TEXT, (), problems)
        if key == "source":
            v: Any = source
        elif key.startswith("cases."):
            v = case_data.get(key.split(".", 1)[1])
        else:
            v = _get(data, key)
            if isinstance(v, Mapping) and key in ("rounding.cite", "weights.cite"):
                v = None  # a cite table: its four rows below hold it
        put(ws, r, 3, v, kind, tuple(key.split(".")), problems)


def _check_keys(data: Mapping[str, Any], problems: Problems) -> None:
    """Keys of the header-like tables that no row of 基本信息 holds."""
    known = {k for k, *_ in layout.SETTINGS}
    sheets = {"documents", "weights", "grades", "grade_words", "rules", "remove", "form"}
    for k, v in data.items():
        if k in sheets:
            continue
        if isinstance(v, Mapping) and k in ("rounding",):
            for sub, sv in v.items():
                if isinstance(sv, Mapping) and sub == "cite":
                    unknown_keys(sv, {c.split(".")[-1] for c in known if c.startswith("rounding.cite.")}, (k, sub), problems)
                elif f"{k}.{sub}" not in known:
                    problems.add(f"「{k}.{sub}」在工作簿中没有对应的格子", (k, sub))
        elif isinstance(v, Mapping) and k == "audit":  # audit.<check>.threshold / .cite.<field>
            for name, setting in v.items():
                rows = {c for c in known if c.startswith(f"audit.{name}.")}
                if not rows or not isinstance(setting, Mapping):
                    problems.add(f"「audit.{name}」在工作簿中没有对应的格子", (k, name))
                    continue
                unknown_keys(setting, {"threshold", "cite"}, (k, name), problems)
                if isinstance(setting.get("cite"), Mapping):
                    unknown_keys(setting["cite"], {"document", "article", "evidence", "note"}, (k, name, "cite"), problems)
        elif k not in known:
            problems.add(f"「{k}」在工作簿中没有对应的格子", (k,))
    cite = _get(data, "weights.cite")
    if cite is not None and not isinstance(cite, str):
        if isinstance(cite, Mapping):
            unknown_keys(cite, {"document", "article", "evidence", "note"}, ("weights", "cite"), problems)
        else:
            problems.add("weights.cite 应当是 { document = …, article = … }", ("weights", "cite"))


def unknown_keys(raw: Mapping[str, Any], allowed: set[str], path: KeyPath, problems: Problems) -> None:
    for k in raw:
        if k not in allowed:
            problems.add(f"「{'.'.join(map(str, path + (k,)))}」在工作簿中没有对应的格子", path + (k,))


def _records(sheet: Sheet, data: Mapping[str, Any], problems: Problems) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    """The rows of one table sheet as (TOML path, {column key: value})."""
    name = {"文件": "documents", "分值": "weights", "等级": "grades", "等级同义词": "grade_words", "规则": "rules",
            "删除规则": "remove", "表式": "form"}[sheet.name]
    raw = data.get(name)
    if raw is None:
        return
    if name == "documents":
        for k, doc in raw.items():
            yield ("documents", k), {"key": k, **doc} if isinstance(doc, Mapping) else {"key": k}
    elif name == "weights":
        for k, v in raw.items():
            if k != "cite":
                yield ("weights", k), {"level1": k, "weight": v}
    elif name == "grade_words":
        for k, v in raw.items():
            yield ("grade_words", k), {"grade": k, "words": v}
    else:
        for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
            if isinstance(item, Mapping):
                yield (name, i), _flatten(item)
            else:
                problems.add(f"{name} 的每一项应当是一个表", (name, i))


def _flatten(item: Mapping[str, Any]) -> dict[str, Any]:
    """{applies = {kind = …}} → {"applies.kind": …}: nested tables become dotted columns."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        if k in ("applies", "cite") and isinstance(v, Mapping):
            out.update({f"{k}.{sub}": x for sub, x in v.items()})
        else:
            out[k] = v
    return out


def _table(ws: Any, sheet: Sheet, records: list[tuple[KeyPath, dict[str, Any]]], problems: Problems) -> None:
    columns = {c.key: (i, c) for i, c in enumerate(sheet.columns, start=1)}
    for r, (path, record) in enumerate(records, start=2):
        for k, v in record.items():
            if k not in columns:
                problems.add(f"「{k}」在「{sheet.name}」表中没有对应的列", path + tuple(k.split(".")))
                continue
            col, column = columns[k]
            put(ws, r, col, v, column.kind, path + tuple(k.split(".")), problems)
    style_header(ws, sheet.columns)
