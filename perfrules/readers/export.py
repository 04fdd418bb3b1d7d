"""Writing a submission back out as the canonical TOML, for staff to review.

``perfrules import`` reads a Word/Excel/CSV/text 自评表 and writes this file: the
same structure and quoted keys as ``examples/*/submission.toml``, with every value's
original cell in a comment (``# 来源：表3 第12行 第5列``), so a reviewer can check
each figure against the table the unit filed.  Reading the output with
:func:`~perfrules.readers.structured.read_toml_submission` gives the same submission.
"""

from __future__ import annotations

from decimal import Decimal

from perfrules import model
from perfrules.errors import Position

_ROW_TEXTS = (model.LEVEL1, model.LEVEL2, model.NAME, model.TARGET, model.ACTUAL)
_EXTRA_SECTIONS = ("资金构成", "年度总体目标")
_HEADER_KEYS = ("项目名称", "主管部门", "实施单位", "标题", "等级")
_MORE_KEYS = ("指标性质", "指标值", "度量单位", "调整指标值", "得分系数", "评分标准")


def submission_to_toml(sub: model.Submission) -> str:
    """The canonical TOML text of *sub*, each value annotated with where it came from."""
    out: list[str] = _preamble(sub)
    out.append(_pair("单位名称", sub.unit, sub.where("单位名称")))
    for key in _HEADER_KEYS:
        if sub.header.get(key):
            out.append(_pair(key, sub.header[key], sub.where(key)))
    if sub.year is not None:
        out.append(_pair("年度", sub.year, sub.where("年度")))
    out.append(_pair("类型", sub.kind, None))
    if sub.jurisdiction:
        out.append(_pair("辖区", sub.jurisdiction, None))
    if sub.header.get("总分"):
        out.append(_pair("总分", sub.header["总分"], sub.where("总分")))
    total = sub.self_total if sub.self_total is not None else sub.unreadable.get("自评总分")
    if total is not None:
        out.append(_pair("自评总分", total, sub.where("自评总分")))
    if sub.budget is not None:
        out += ["", f"# 年度预算申请（{sub.budget.money_unit}）：年度资金总额 一行", '["预算执行"]', *_budget(sub.budget)]
        for part in sub.budget.parts:
            out += ["", '[["预算执行"."其中"]]', *_part(part)]
    if sub.level_weights:
        out += ["", '["一级指标分值"]']
        out += [_pair(name, w, sub.where(f"一级指标分值.{name}")) for name, w in sub.level_weights.items()]
    for section in _EXTRA_SECTIONS:
        items = {k.split(".", 1)[1]: v for k, v in sub.extra.items() if k.startswith(section + ".")}
        if items:
            out += ["", f'["{section}"]', *(_pair(k, v, sub.where(f"{section}.{k}")) for k, v in items.items())]
    for row in sub.indicators:
        out += ["", '[["指标"]]', *_row(row)]
    return "\n".join(out) + "\n"


def _preamble(sub: model.Submission) -> list[str]:
    year = f"{sub.year}年度" if sub.year else ""
    lines = [f"# {year}{sub.kind}绩效自评表，{_one_line(sub.unit)}"]
    if sub.source:
        lines.append(f"# 由 perfrules 从 {sub.source} 导入（读取器：{sub.reader}）。")
    lines.append("# 请逐格核对：「# 来源：」注释指出每个值在原表中的位置。")
    return lines + [""]


def _budget(block: model.BudgetBlock) -> list[str]:
    values: dict[str, Decimal | str | None] = {
        model.INITIAL_BUDGET: block.initial_budget,
        model.BUDGET: block.budget,
        model.EXECUTED: block.executed,
        model.WEIGHT: block.weight,
        model.RATE: block.self_rate or None,
        model.SCORE: block.self_score,
    }
    lines = [_pair(k, _or_text(v, block.unreadable.get(k)), block.locations.get(k)) for k, v in values.items()
             if v is not None or k in block.unreadable]
    if block.money_unit != "万元":
        lines.append(_pair("金额单位", block.money_unit, None))
    if block.reason:
        lines.append(_pair("偏差原因", block.reason, block.locations.get("偏差原因")))
    return lines


def _part(part: model.FundPart) -> list[str]:
    values: dict[str, Decimal | str | None] = {
        model.INITIAL_BUDGET: part.initial_budget,
        model.BUDGET: part.budget,
        model.EXECUTED: part.executed,
        model.RATE: part.self_rate or None,
        model.SCORE: part.self_score,
    }
    lines = [_pair("名称", part.name, part.locations.get("名称"))]
    return lines + [_pair(k, _or_text(v, part.unreadable.get(k)), part.locations.get(k)) for k, v in values.items()
                    if v is not None or k in part.unreadable]


def _or_text(number: Decimal | str | None, text: str | None) -> Decimal | str:
    """A number, or the text of a cell that held none (written back as printed)."""
    if number is None:
        assert text is not None
        return text
    return number


def _row(row: model.IndicatorRow) -> list[str]:
    lines: list[str] = []
    if row.key:
        lines.append(_pair("编号", row.key, None))
    texts = dict(zip(_ROW_TEXTS, (row.level1, row.level2, row.name, row.target, row.actual)))
    for field, text in texts.items():
        if text or not row.is_blank:
            lines.append(_pair(field, text, row.locations.get(field)))
    for field, number in ((model.WEIGHT, row.weight), (model.SCORE, row.self_score)):
        if number is not None or field in row.unreadable:
            lines.append(_pair(field, _or_text(number, row.unreadable.get(field)), row.locations.get(field)))
        elif field == model.WEIGHT and not row.is_blank:
            # Written blank, not left out: a TOML with no 分值 key at all is a form without the
            # column, whose one-row blocks take their header's points; this row's points were read.
            lines.append(_pair(field, "", row.locations.get(field)))
    lines += [_pair(k, row.more[k], row.locations.get(k)) for k in _MORE_KEYS if row.more.get(k)]
    if row.reason or not row.is_blank:
        lines.append(_pair(model.REASON, row.reason, row.locations.get(model.REASON)))
    return lines


# ------------------------------------------------------------------------- values
def _pair(key: str, value: object, where: Position | None) -> str:
    line = f"{_basic(key)} = {_value(value)}"
    return f"{line}  # 来源：{describe(where)}" if where is not None else line


def _value(value: object) -> str:
    if isinstance(value, bool):
        raise TypeError("booleans are not submission values")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _number(value)
    text = str(value)
    return _multiline(text) if "\n" in text else _basic(text)


def _number(number: Decimal) -> str:
    """A TOML number that reads back as the same Decimal (no exponent notation)."""
    text = format(number, "f")
    return text if text.lstrip("-").replace(".", "", 1).isdigit() else f'"{text}"'


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\f": "\\f", "\r": "\\r"}


def _escape(text: str, keep_newlines: bool) -> str:
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _basic(text: str) -> str:
    return f'"{_escape(text, keep_newlines=False)}"'


def _multiline(text: str) -> str:
    """Multi-line cells as the seed writes them: a triple-quoted string, line for line."""
    return f'"""\n{_escape(text, keep_newlines=True)}"""'


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe(where: Position) -> str:
    """A position as staff say it: the cell (``Sheet1!E12``, ``表3 第12行 第5列``) or the line."""
    if where.cell:
        return where.cell
    if where.line is not None:
        return f"第{where.line}行" + (f" 第{where.column}字" if where.column not in (None, 2) else "")
    return where.file or "未知位置"

