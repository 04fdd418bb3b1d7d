"""The canonical submission formats: TOML (and the same structure as JSON).

Keys are the 自评表's own words (单位名称, 年度指标值 …), so a submission file reads
like the table.  Unknown keys are errors with a suggestion, never ignored: a
misspelt 实际完成值 would otherwise score a row as blank.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from perfrules import model
from perfrules.errors import PerfrulesError, Position, did_you_mean
from perfrules.limits import MAX_CELL_CHARS, MAX_DATA_NESTING, MAX_ROWS
from perfrules.nesting import nesting_offset
from perfrules.tomlkeys import KeyPath, Locator, render_path
from perfrules.tomlpositions import LazyPositions
from perfrules.tomlsource import error_at, load_toml, newlines
from perfrules.readers.hanzi import simplified
from perfrules.readers.levels import block_weights, name_levels
from perfrules.values import normalize, points, to_decimal

HEADER_KEYS = ("项目名称", "主管部门", "实施单位", "标题", "等级", "自评得分")
TOP_KEYS = {"单位名称", "年度", "类型", "辖区", "总分", "自评总分", "预算执行", "一级指标分值", "指标", "年度总体目标", "资金构成",
            "说明", *HEADER_KEYS}
BUDGET_KEYS = {*model.BUDGET_FIELDS, "项目", "名称", "金额单位", "其中", "偏差原因"}
PART_KEYS = {"名称", model.INITIAL_BUDGET, model.BUDGET, model.EXECUTED, model.RATE, model.SCORE, model.WEIGHT}
# A target printed over three columns (指标性质 | 指标值 | 度量单位), and columns some forms add.
SPLIT_TARGET = ("指标性质", "指标值", "度量单位")
MORE_KEYS = ("调整指标值", "得分系数", "评分标准", "指标权重")
ROW_KEYS = {*model.INDICATOR_FIELDS, "编号", "偏差原因分析及改进措施", *SPLIT_TARGET, *MORE_KEYS}


class Where:
    """Positions for a parsed document: TOML has a locator; JSON only key paths."""

    def __init__(self, file: str | None, locator: Locator | None) -> None:
        self.file = file
        self.locator = locator

    def position(self, path: KeyPath, *, value: bool = True) -> Position:
        if self.locator is not None:
            return self.locator.position(path, value=value)
        return Position(file=self.file)

    def positions(self, path: KeyPath, keys: Iterable[str]) -> Mapping[str, Position]:
        """Where each key under *path* is written, worked out only when a message asks."""
        return LazyPositions(self.locator, path, keys) if self.locator is not None else {}

    def error(self, message: str, path: KeyPath, *, value: bool = True, **kw: Any) -> PerfrulesError:
        err = PerfrulesError(message, position=self.position(path, value=value), key=render_path(path), **kw)
        return err


def read_toml_submission(text: str, file: str | None = None) -> model.Submission:
    text = newlines(text)
    _count_rows(text, file)
    data, locator = load_toml(text, file)
    return build_submission(data, Where(file, locator), reader="toml")


_ROW_HEADER = re.compile(r'^[ \t]*\[\[[ \t]*(?:"指标"|指标|\'指标\')[ \t]*\]\]', re.M)


def _count_rows(text: str, file: str | None) -> None:
    """Refuse more than MAX_ROWS [[指标]] before parsing: 100,000 rows would take tomllib
    and the locator half a minute only to be refused afterwards."""
    for count, m in enumerate(_ROW_HEADER.finditer(text), start=1):
        if count > MAX_ROWS:
            raise error_at(f"指标行数过多（超过 {MAX_ROWS} 行），不像是一份自评表", text, m.start(), file, code="limit")


def read_json_submission(text: str, file: str | None = None) -> model.Submission:
    def no_constants(name: str) -> Any:
        raise ValueError(f"不允许的数值 {name}")

    text = newlines(text)
    deep = nesting_offset(text, MAX_DATA_NESTING, comments=False)
    if deep is not None:
        raise error_at(f"JSON 嵌套过深（上限 {MAX_DATA_NESTING} 层）", text, deep, file, code="json")
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        lines = text.split("\n")
        src = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        raise PerfrulesError(
            f"JSON 语法错误：{exc.msg}",
            position=Position(file=file, line=exc.lineno, column=exc.colno, source_line=src),
            code="json",
        ) from None
    except ValueError as exc:
        raise PerfrulesError(f"JSON 内容错误：{exc}", position=Position(file=file), code="json") from None
    if not isinstance(data, dict):
        raise PerfrulesError("JSON 顶层应当是一个对象（{…}）", position=Position(file=file, line=1, column=1), code="json")
    return build_submission(data, Where(file, None), reader="json")


def build_submission(data: Mapping[str, Any], where: Where, reader: str) -> model.Submission:
    _check_keys(data, TOP_KEYS, (), where)
    header = {k: _text(data, k, (), where) for k in HEADER_KEYS if k in data}
    unit = next((t for t in (_text(data, "单位名称", (), where), header.get("实施单位", ""), header.get("主管部门", ""),
                             header.get("项目名称", ""), header.get("标题", "")) if t.strip()), "")
    if not unit:
        raise where.error("缺少「单位名称」", (), expected='单位名称 = "…"')
    if "总分" in data:
        header["总分"] = _text(data, "总分", (), where) if isinstance(data["总分"], str) else str(data["总分"])
    budget = None
    if "预算执行" in data:
        budget = _budget(_table(data, "预算执行", (), where), ("预算执行",), where)
    rows_raw = data.get("指标", [])
    if not isinstance(rows_raw, list):
        raise where.error("「指标」应当是表格数组 [[指标]]", ("指标",))
    if len(rows_raw) > MAX_ROWS:
        raise where.error(f"指标行数过多（{len(rows_raw)} 行，上限 {MAX_ROWS} 行），不像是一份自评表", ("指标", MAX_ROWS))
    rows = tuple(_row(_table_at(r, ("指标", i), where), ("指标", i), where) for i, r in enumerate(rows_raw))
    level_weights = {
        str(k): _number(v, ("一级指标分值", k), where, "一级指标分值")
        for k, v in _table(data, "一级指标分值", (), where).items()
    }
    rows, printed = name_levels(rows)
    level_weights.update((k, v) for k, v in printed.items() if k not in level_weights)
    if rows and not any(isinstance(r, dict) and (model.WEIGHT in r or "指标权重" in r) for r in rows_raw):
        rows = block_weights(rows, level_weights)  # a form with no 分值 column, as the layout reader does
    extra = {
        f"{section}.{k}": str(v)
        for section in ("年度总体目标", "资金构成")
        for k, v in _table(data, section, (), where).items()
    }
    year = data.get("年度")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200):
        raise where.error(f"「年度」应当是四位年份，实际是「{year}」", ("年度",), expected="例如 年度 = 2023")
    unreadable: dict[str, str] = {}
    self_total = _optional_number(data, "自评总分", (), where, unreadable)
    if self_total is None and "自评得分" in data:  # a total printed in the header, not in a 总分 row
        self_total = _optional_number(data, "自评得分", (), where, unreadable, "自评总分")
    locations = where.positions((), data)
    return model.Submission(
        unit=unit,
        year=year,
        kind=_text(data, "类型", (), where) or model.KIND_DEPARTMENT,
        indicators=rows,
        budget=budget,
        jurisdiction=_text(data, "辖区", (), where),
        level_weights=level_weights,
        self_total=self_total,
        source=where.file,
        reader=reader,
        extra=extra,
        locations=locations,
        header=header,
        unreadable=unreadable,
    )


def _row(raw: Mapping[str, Any], path: KeyPath, where: Where) -> model.IndicatorRow:
    _check_keys(raw, ROW_KEYS, path, where)
    reason = _text(raw, model.REASON, path, where) or _text(raw, "偏差原因分析及改进措施", path, where)
    unreadable: dict[str, str] = {}
    target = _text(raw, model.TARGET, path, where)
    if not target and any(k in raw for k in SPLIT_TARGET):  # ≥ | 10 | % over three columns
        target = "".join(_text(raw, k, path, where).strip() for k in SPLIT_TARGET)
    weight_key = model.WEIGHT if model.WEIGHT in raw else "指标权重"
    return model.IndicatorRow(
        level1=_text(raw, model.LEVEL1, path, where),
        level2=_text(raw, model.LEVEL2, path, where),
        name=_text(raw, model.NAME, path, where),
        target=target,
        actual=_text(raw, model.ACTUAL, path, where),
        weight=_optional_number(raw, weight_key, path, where, unreadable, model.WEIGHT),
        self_score=_optional_number(raw, model.SCORE, path, where, unreadable),
        reason=reason,
        locations=where.positions(path, raw),
        key=_text(raw, "编号", path, where) or None,
        unreadable=unreadable,
        more={k: _text(raw, k, path, where) for k in (*MORE_KEYS, *SPLIT_TARGET) if k in raw},
    )


def _budget(raw: Mapping[str, Any], path: KeyPath, where: Where) -> model.BudgetBlock:
    _check_keys(raw, BUDGET_KEYS, path, where)
    unreadable: dict[str, str] = {}
    parts_raw = raw.get("其中", [])
    if not isinstance(parts_raw, list):
        raise where.error('「其中」应当是表格数组 [["预算执行"."其中"]]', path + ("其中",))
    parts = tuple(_part(_table_at(p, path + ("其中", i), where), path + ("其中", i), where)
                  for i, p in enumerate(parts_raw))
    return model.BudgetBlock(
        initial_budget=_optional_number(raw, model.INITIAL_BUDGET, path, where, unreadable),
        budget=_optional_number(raw, model.BUDGET, path, where, unreadable),
        executed=_optional_number(raw, model.EXECUTED, path, where, unreadable),
        weight=_optional_number(raw, model.WEIGHT, path, where, unreadable),
        self_rate=_text(raw, model.RATE, path, where),
        self_score=_optional_number(raw, model.SCORE, path, where, unreadable),
        locations=where.positions(path, raw),
        parts=parts,
        unreadable=unreadable,
        money_unit=simplified(_text(raw, "金额单位", path, where)) or "万元",  # 萬元 is 万元
        reason=_text(raw, "偏差原因", path, where),
    )


def _part(raw: Mapping[str, Any], path: KeyPath, where: Where) -> model.FundPart:
    _check_keys(raw, PART_KEYS, path, where)
    unreadable: dict[str, str] = {}
    return model.FundPart(
        name=_text(raw, "名称", path, where),
        initial_budget=_optional_number(raw, model.INITIAL_BUDGET, path, where, unreadable),
        budget=_optional_number(raw, model.BUDGET, path, where, unreadable),
        executed=_optional_number(raw, model.EXECUTED, path, where, unreadable),
        self_rate=_text(raw, model.RATE, path, where),
        self_score=_optional_number(raw, model.SCORE, path, where, unreadable),
        unreadable=unreadable,
        locations=where.positions(path, raw),
    )


# ----------------------------------------------------------------------- field access
def _check_keys(raw: Mapping[str, Any], allowed: set[str], path: KeyPath, where: Where) -> None:
    for key in raw:
        if key not in allowed:
            raise where.error(
                f"未知的键「{key}」",
                path + (key,),
                value=False,  # the caret under the misspelt key, not its value
                expected="、".join(sorted(allowed)),
                suggestion=did_you_mean(str(key), allowed),
            )


def _table(data: Mapping[str, Any], key: str, path: KeyPath, where: Where) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise where.error(f"「{key}」应当是一个表（[{key}]）", path + (key,))
    return value


def _table_at(value: Any, path: KeyPath, where: Where) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise where.error("每一行指标应当是一个表", path)
    return value


def _text(data: Mapping[str, Any], key: str, path: KeyPath, where: Where) -> str:
    value = data.get(key, "")
    if value.__class__ is str and len(value) <= MAX_CELL_CHARS:  # nearly every cell
        return value
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise where.error(f"「{key}」应当是文字", path + (key,), expected=f'{key} = "…"')
    text = "" if value is None else str(value)
    if len(text) > MAX_CELL_CHARS:
        raise where.error(f"「{key}」过长（{len(text)} 个字符，上限 {MAX_CELL_CHARS}）", path + (key,))
    return text


def _number(value: Any, path: KeyPath, where: Where, what: str) -> Decimal:
    try:
        return _read_number(value, what)
    except PerfrulesError as err:
        raise err.at(where.position(path)).located(key=render_path(path)) from None


def _read_number(value: Any, what: str) -> Decimal:
    """A number of money (全年预算数 …) or of points (分值, 得分); PerfrulesError with no position."""
    label = f"「{what}」"
    number = to_decimal(value, label)
    return number if what in _MONEY else points(number, label)


_MONEY = (model.INITIAL_BUDGET, model.BUDGET, model.EXECUTED)
# What a blank cell may hold, as the grid readers clean it (a \x1f is no blank: it is kept, unreadable).
_BLANK = " \t\r\n\u3000\u00a0\u200b\ufeff"


def _optional_number(raw: Mapping[str, Any], key: str, path: KeyPath, where: Where,
                     unreadable: dict[str, str] | None = None, field: str | None = None) -> Decimal | None:
    """The number in a cell, or None when blank.  A cell written as text that is no
    number ("IO", "/", "8分?") goes into *unreadable* under *field* (the interpreter
    reports it on its row); a TOML value of the wrong type stays an error."""
    value = raw.get(key)
    if value is None:
        return None
    if value.__class__ is not str:  # a number (or a value of the wrong type: an error)
        return _number(value, path + (key,), where, key)
    if not value.strip(_BLANK):
        return None
    if unreadable is not None:
        text = normalize(value).strip().replace(",", "")
        for unit in ("万元", "元", "万"):  # amounts printed with their unit (150万 under a 万元 header)
            if key in _MONEY and text.endswith(unit):
                text = text[: -len(unit)].strip()
        try:
            return _read_number(text, key)
        except PerfrulesError:  # kept as text for the interpreter's finding: no position needed here
            unreadable[field or key] = value
            return None
    return _number(value, path + (key,), where, key)
