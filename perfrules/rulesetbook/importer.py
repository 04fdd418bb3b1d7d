"""A ruleset workbook → ``ruleset.toml`` (and ``ruleset.cases.toml`` beside it).

The sheets become ruleset data (:mod:`~perfrules.rulesetbook.reader`), the data
becomes TOML (:mod:`~perfrules.rulesetbook.tomlwriter`), and the TOML is loaded by
the ordinary loader before anything is written: whatever the loader finds (a rule
text that does not parse, weights that do not total 100, an unknown document) is
reported at the cell it came from.  All problems of the workbook come in one run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from perfrules.errors import PerfrulesError, PerfrulesErrors, Position, did_you_mean, raise_all
from perfrules.limits import MAX_FILE_BYTES
from perfrules.rulesetbook import layout
from perfrules.rulesetbook.casesheet import read_cases, rebase_includes
from perfrules.rulesetbook.reader import Book, Cell, convert, read_sheets, records
from perfrules.rulesetbook.tomlwriter import Writer, cases_toml, ruleset_toml
from perfrules.tomlkeys import KeyPath

_SHEET_KEYS = {"文件": "documents", "分值": "weights", "等级": "grades", "等级同义词": "grade_words",
               "规则": "rules", "删除规则": "remove", "表式": "form"}


def import_workbook(path: str, out: str) -> list[str]:
    """Read the workbook *path*, write the ruleset to *out* (and its cases beside it); the files written."""
    from perfrules.output import write_atomic

    book = read_book(path)
    banner = [f"由 perfrules ruleset import 从 {os.path.basename(path)} 生成。", "改动请回到工作簿，或直接编辑本文件。"]
    rules_w = ruleset_toml(book.ruleset, book.cells, banner)
    _check_rules(book)
    errors = list(book.errors)
    _validate_ruleset(book, rules_w, out, errors)
    cases_out = os.path.join(os.path.dirname(out), _stem(out) + ".cases.toml")
    cases_w = None
    if book.has_cases:
        rebase_includes(book, os.path.dirname(os.path.abspath(out)))
        cases_w = cases_toml(book.cases, book.case_cells, banner)
        if not errors:
            _validate_cases(book, cases_w, cases_out, errors)
    raise_all(errors)
    write_atomic(out, rules_w.text())
    if cases_w is None:
        return [out]
    write_atomic(cases_out, cases_w.text())
    return [out, cases_out]


def _stem(path: str) -> str:
    base = os.path.basename(path)
    return base[: -len(".toml")] if base.endswith(".toml") else base


def read_book(path: str) -> Book:
    from openpyxl import load_workbook

    from perfrules.readers import files

    files.read_bytes(path, MAX_FILE_BYTES, why="，不像是规则集工作簿")
    files.check_zip(path, ".xlsx")
    book = Book(file=path)
    try:
        with open(path, "rb") as stream:
            wb = load_workbook(stream, read_only=True, data_only=False)  # formulas seen as formulas
            try:
                sheets = read_sheets(book, wb)
            finally:
                wb.close()
    except PerfrulesError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise files.error(f"无法打开 Excel 文件：文件已损坏或不是 .xlsx（{type(exc).__name__}）", path,
                          suggestion="请用 Excel/WPS 打开后重新另存为 .xlsx。") from None
    _settings(book, sheets.get(layout.HEADER, []))
    for sheet in layout.TABLE_SHEETS:
        _table(book, sheet, sheets.get(sheet.name, []))
    if layout.CASES in sheets:
        read_cases(book, sheets[layout.CASES], sheets.get(layout.EXPLANATIONS.name, []))
    if "id" not in book.ruleset:
        book.error("规则集缺少编号 id", f"{layout.HEADER}!C2", text="", expected="例如 hunan/zhuzhou/lusong/2023")
    return book


# ------------------------------------------------------------------ ruleset data
def _settings(book: Book, rows: list[list[Cell]]) -> None:
    kinds = {key: (kind, label) for key, label, kind, _ in layout.SETTINGS}
    for _row, values, where in records(book, layout.HEADER, rows, layout.HEADER_COLUMNS):
        key = values.get("key")
        if key is None:
            continue
        if key not in kinds:
            book.error(f"「{layout.HEADER}」表中未知的键「{key}」", where["key"], expected="、".join(kinds),
                       suggestion=did_you_mean(str(key), kinds))
            continue
        kind, label = kinds[key]
        value = convert(book, where["value"], kind, label) if "value" in where else None
        if value is None:
            continue
        if key == "source":
            book.source = str(value)
            continue
        target, parts = (book.cases, key.split(".")[1:]) if key.startswith("cases.") else (book.ruleset, key.split("."))
        node = target
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        if not isinstance(node, dict) or isinstance(node.get(parts[-1]), dict):
            book.error(f"「{label}」与同一出处的其他格冲突：出处要么写一句话，要么分文件、条款、依据、说明四格",
                       where["value"])
            continue
        node[parts[-1]] = value
        (book.case_cells if target is book.cases else book.cells)[tuple(parts)] = where["value"].ref
        book.has_cases = book.has_cases or target is book.cases
    for table in ("rounding", "weights"):  # their header lines point at the first of their cells
        first = next((c for k, c in book.cells.items() if k[0] == table), None)
        if first:
            book.cells[(table,)] = first


def _table(book: Book, sheet: layout.Sheet, rows: list[list[Cell]]) -> None:
    name = _SHEET_KEYS[sheet.name]
    if rows:
        book.cells[(name,)] = rows[0][0].ref
    items: list[dict[str, Any]] = []
    for _r, values, where in records(book, sheet.name, rows, sheet.columns):
        item = _unflatten(values)
        path: KeyPath = (name, len(items))
        if name in ("documents", "weights", "grade_words"):
            label = {"documents": "key", "weights": "level1", "grade_words": "grade"}[name]
            lacking = [k for k in (label, "weight" if name == "weights" else label) if k not in item]
            if lacking:
                book.error(f"「{sheet.name}」表的这一行缺少「{sheet.by_header_key(lacking[0])}」",
                           where.get(lacking[0], next(iter(where.values()))))
                continue
            k = str(item.pop(label))
            path = (name, k)
            value: Any = item.get("weight") if name == "weights" else item.get("words", []) if name == "grade_words" else item
            book.ruleset.setdefault(name, {})[k] = value
        else:
            items.append(item)
        lead = where["weight"] if name == "weights" and "weight" in where else next(iter(where.values()))
        book.cells[path] = lead.ref
        for key, cell in where.items():  # dotted keys too: the checks above look up cite.document
            book.cells[path + (key,)] = cell.ref
        for head, column in (("applies", "applies.kind"), ("cite", "cite.document")):  # inline-table lines
            if column in where:
                book.cells[path + (head,)] = where[column].ref
    if items:
        book.ruleset[name] = items
    if name == "weights" and "weights" in book.ruleset:
        cite = book.ruleset["weights"].pop("cite", None)
        if cite is not None:
            book.ruleset["weights"]["cite"] = cite


def _unflatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """{"applies.kind": [...]} → {"applies": {"kind": ...}}: one item written as text, several as a list."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        head, _, sub = key.partition(".")
        if sub:
            out.setdefault(head, {})[sub] = value[0] if isinstance(value, list) and len(value) == 1 else value
        else:
            out[key] = value
    return out


# ------------------------------------------------------------------ validation
def _check_rules(book: Book) -> None:
    """Each rule's text, documents and vocabulary checked here, so every such problem is
    reported at its cell in the same run as the others (the loader stops at the first stage
    that fails, and places a text error in the TOML, not in the cell)."""
    from perfrules.rules import compiler
    from perfrules.ruleset.loader import load_ruleset
    from perfrules.ruleset.model import DIRECTIONS, EVIDENCE, KINDS

    grades, documents = dict(compiler.DEFAULT_GRADES), set(book.ruleset.get("documents", {}))
    parent = book.ruleset.get("extends")
    if isinstance(parent, str):
        try:
            resolved = load_ruleset(parent)
            grades, documents = dict(resolved.grade_words), documents | set(resolved.documents)
        except PerfrulesError:
            pass  # a missing parent is the loader's to report
    for canon, words in (book.ruleset.get("grade_words") or {}).items():
        if canon in grades and isinstance(words, list):
            grades[canon] = tuple(dict.fromkeys([*grades[canon], *map(str, words)]))
    for i, rule in enumerate(book.ruleset.get("rules", [])):
        _check_rule(book, rule, ("rules", i), grades, {"cite.document": documents, "cite.evidence": EVIDENCE,
                                                      "applies.kind": KINDS, "applies.direction": DIRECTIONS})


def _check_rule(book: Book, rule: Mapping[str, Any], path: KeyPath, grades: Mapping[str, tuple[str, ...]],
                vocabularies: Mapping[str, Any]) -> None:
    from perfrules.rules import compiler

    text, cell = rule.get("text"), book.cells.get(path + ("text",))
    if isinstance(text, str) and cell is not None:
        try:
            compiler.compile_rule(text, grades)
        except PerfrulesError as err:
            err.position = Position(file=book.file, cell=cell)
            book.errors.append(err)
    for dotted, vocabulary in vocabularies.items():
        head, _, sub = dotted.partition(".")
        value = (rule.get(head) or {}).get(sub)
        cell = book.cells.get(path + (dotted,))
        for word in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if word not in vocabulary and cell is not None:
                book.error(_PROBLEMS[dotted].format(word), cell, text=str(word),
                           expected="、".join(vocabulary) if len(vocabulary) < 20 else None,
                           suggestion=did_you_mean(str(word), vocabulary))


_PROBLEMS = {"cite.document": "出处文件「{}」在「文件」表和上级规则集中都没有登记", "cite.evidence": "未知的依据类型「{}」",
             "applies.kind": "未知的指标类型「{}」", "applies.direction": "未知的方向「{}」"}


def _validate_ruleset(book: Book, writer: Writer, out: str, errors: list[PerfrulesError]) -> None:
    from perfrules.ruleset.loader import load_ruleset_text

    if "id" not in book.ruleset:
        return
    try:
        load_ruleset_text(writer.text(), file=out)
    except PerfrulesError as err:
        _add_mapped(book, writer, err, out, errors)


def _validate_cases(book: Book, writer: Writer, cases_out: str, errors: list[PerfrulesError]) -> None:
    import tempfile

    from perfrules.app.casetest import load_cases

    from perfrules.errors import os_reason

    folder = os.path.dirname(os.path.abspath(cases_out))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".perfrules-", suffix=".cases.toml", dir=folder)
    except OSError as exc:
        raise PerfrulesError(f"无法写入输出文件：{os_reason(exc)}", code="io") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(writer.text())
        load_cases(tmp)
    except PerfrulesError as err:
        _add_mapped(book, writer, err, tmp, errors)
    finally:
        os.remove(tmp)


def _add_mapped(book: Book, writer: Writer, err: PerfrulesError, generated: str, errors: list[PerfrulesError]) -> None:
    """Errors in the generated TOML, moved to the cells their lines came from (duplicates dropped)."""
    seen = {e.position.cell for e in errors}
    for e in err.errors if isinstance(err, PerfrulesErrors) else [err]:
        line = e.position.line if e.position.file == generated else None
        cell = _cell_of(writer, line)
        if cell is None and e.position.file == generated:
            cell = f"{layout.HEADER}!C2"
        if cell is not None and cell in seen:
            continue
        if cell is not None:
            in_text = e.text is not None and e.offset is not None
            e.position = Position(file=book.file, cell=cell)
            e.key = None
            if not in_text:
                e.text = e.offset = None
        errors.append(e)


def _cell_of(writer: Writer, line: int | None) -> str | None:
    while line:
        if line in writer.line_cells:
            return writer.line_cells[line]
        line -= 1
    return None
