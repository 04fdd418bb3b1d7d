"""What a 自评表 says about itself above its indicators: the label cells (单位名称,
项目名称, 主管部门, 实施单位, 辖区), its kind, unit, year and title, a total printed in the
header (自评得分), 年度总体目标, and the 资金构成 cells (``按收入性质分：9999.81``).

Read from the rows above the indicator header and the paragraphs around the table;
the layout (readers/layout.py) puts them into the submission.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from perfrules import model
from perfrules.errors import PerfrulesError, Position
from perfrules.readers.grid import Cell, Document, Table, cell_at, clean, header_key
from perfrules.readers.hanzi import simplified
from perfrules.values import normalize, short_text_cache, squash


LABEL_CELL = re.compile(r"^(?:.*?(?:单位|部门)(?:\(单位\))?名称|项目名称|主管部门|实施单位|填报单位|辖区)$")
_INLINE_LABEL = re.compile(r"^\s*([^:：]{2,20})[:：]\s*(\S.*)$", re.S)  # 单位名称：值 in one cell
_NEXT_LABEL = re.compile(r"\s+\S*[:：].*$", re.S)  # … and the next label after the value
_FILED_BY = re.compile(r"^\s*(?:填报单位|单位名称|部门名称|填报部门)\s*[:：]\s*(\S[^\s:：]*)")
_LEADING_YEAR = re.compile(r"^(?:19|20)\d\d年度?")
_YEARS = (re.compile(r"((?:19|20)\d\d)\s*年度"), re.compile(r"((?:19|20)\d\d)\s*年"))
_POINTS_ONLY = re.compile(r"[\d.,\s]+分?")
_FUND_PART = re.compile(r"^(?:其中[:：]\s*)?(.{2,30}?)[:：]\s*([\d.,，]*)\s*$")


@short_text_cache
def label_name(text: str) -> str | None:
    """The canonical name of a label cell (区级预算部门（单位）名称 → 单位名称).

    Kept per text: the header rows are asked this cell by cell, and again for the
    cells after each label."""
    key = simplified(squash(text)).rstrip(":")
    if not LABEL_CELL.match(key):
        return None
    if key in ("项目名称", "主管部门", "实施单位", "辖区"):
        return key
    return "单位名称"


def labels(rows: Iterable[Sequence[Cell]]) -> dict[str, Cell]:
    """Label → value cell for ``名称 | 值`` pairs (also ``单位名称：值`` in one cell)."""
    found: dict[str, Cell] = {}
    for row in rows:
        for index, cell in enumerate(row):
            if not cell.text:
                continue
            name = label_name(cell.text)
            if name is None:
                inline = _INLINE_LABEL.match(clean(cell.text))
                if inline and label_name(inline.group(1)):
                    label = label_name(inline.group(1))
                    assert label is not None
                    text = _NEXT_LABEL.sub("", clean(inline.group(2)))
                    found.setdefault(label, cell.with_text(text))
                continue
            value = next((c for c in row[index + 1 :] if clean(c.text) and not label_name(c.text)), None)
            if value is not None:
                found.setdefault(name, value)
    return found


def kind_of(table: Table, labels: Mapping[str, Cell]) -> str:
    """项目支出 when the form names a 项目 (header row or title), else 部门整体支出."""
    if "项目名称" in labels or any("项目支出绩效自评表" in simplified(squash(t)) for t in table.before):
        return model.KIND_PROJECT
    title = [simplified(squash(c.text)) for row in table.rows[:2] for c in row]
    if any("项目支出绩效自评表" in t for t in title):
        return model.KIND_PROJECT
    return model.KIND_DEPARTMENT


def unit_of(kind: str, labels: Mapping[str, Cell], table: Table, header: int, doc: Document,
          locations: dict[str, Position]) -> str:
    order = ("实施单位", "主管部门", "单位名称") if kind == model.KIND_PROJECT else ("单位名称", "实施单位", "主管部门")
    for label in order:
        if label in labels and clean(labels[label].text):
            locations["单位名称"] = labels[label].position
            return clean(labels[label].text)
    unit = unit_from_text(doc.paragraphs)
    if unit:
        return unit
    title = title_of(table, table.rows[:header])
    if title:
        return title  # no unit printed anywhere (达州's 得分表): the title stands for it, as in the TOML reader
    raise PerfrulesError(
        "未找到单位名称：自评表中没有「单位名称」一栏，标题和正文中也没有",
        position=Position(file=doc.file),
        expected="表中一行「单位名称 | …」，或标题「2023年度××单位部门整体支出绩效自评报告」",
        code="layout",
    )


_TITLE_TAIL = re.compile(r"(?:部门)?(?:整体支出|项目支出)?(?:绩效)?(?:自评|评价)(?:报告|表)$")


_FORM_WORDS = {"", "部门整体", "部门", "项目", "单位", "整体支出", "项目支出"}


def unit_from_text(paragraphs: Sequence[str]) -> str:
    """The unit named in the narrative: ``填报单位：…`` or the report's title lines."""
    for para in paragraphs:
        m = _FILED_BY.match(para)
        if m:
            return clean(m.group(1))
    title = ""
    for para in [p for p in paragraphs if clean(p)][:5]:
        title += squash(para)
        if _TITLE_TAIL.search(title):
            unit = _LEADING_YEAR.sub("", _TITLE_TAIL.sub("", title))
            return "" if unit in _FORM_WORDS else unit  # 部门整体绩效自评表 names no unit
    return ""


def year_of(before: Sequence[str], top: Sequence[Sequence[Cell]], doc: Document, goals: Iterable[Cell]) -> int | None:
    """The year from the table's title, else from the narrative (``2023年度…``); never from
    the 年度总体目标 text (``中心2021年较好地完成了…`` says what was done, not the form's year)."""
    skip = {id(c) for c in goals}
    texts = [*before, *(c.text for row in top for c in row if id(c) not in skip), *doc.paragraphs]
    for pattern in _YEARS:
        for text in texts:
            m = pattern.search(normalize(text))
            if m:
                return int(m.group(1))
    return None


def header_total(top: Sequence[Sequence[Cell]]) -> Cell | None:
    """``自评得分 | 98`` in the header rows of a form with no 总分 row (Ningxia)."""
    for row in top:
        for index, cell in enumerate(row):
            if header_key(cell.text) in ("自评得分", "自评总分"):
                value = next((c for c in row[index + 1 :] if clean(c.text)), None)
                if value is not None and _POINTS_ONLY.fullmatch(normalize(clean(value.text))):
                    return value
    return None


def title_of(table: Table, top: Sequence[Sequence[Cell]]) -> str:
    """The table's printed title: a one-text row above the form, else its caption."""
    for row in top:
        texts = {clean(c.text) for c in row if clean(c.text)}
        if len(texts) == 1:
            text = texts.pop()
            if "表" in text and ("绩效" in simplified(text) or "自评" in simplified(text)):
                return text
    return next((t for t in reversed(table.before) if "表" in t), "")


def goals(rows: Sequence[Sequence[Cell]], ragged: bool) -> dict[str, Cell]:
    """年度总体目标: 预期目标 / 实际完成情况, kept as extra (not scored)."""
    for index, row in enumerate(rows):
        keys = [header_key(c.text) for c in row]
        if not any(k.startswith("年度总体目标") or k == "总体目标" for k in keys):
            continue
        heads = {k: i for i, k in enumerate(keys) if k.startswith(("预期目标", "实际完成情况"))}
        if len(heads) < 2 or index + 1 >= len(rows):
            return {}
        nxt = rows[index + 1]
        out: dict[str, Cell] = {}
        for key, col in heads.items():
            cell = cell_at(nxt, col, len(row) if ragged else None)
            name = "预期目标" if key.startswith("预期目标") else "实际完成情况"
            if cell is not None and clean(cell.text):
                out[f"年度总体目标.{name}"] = cell
        return out
    return {}


def fund_parts(rows: Sequence[Sequence[Cell]]) -> dict[str, Cell]:
    """``按收入性质分：9999.81`` cells of the budget block, kept as extra (not scored)."""
    out: dict[str, Cell] = {}
    for row in rows:
        for cell in row:
            m = _FUND_PART.match(clean(cell.text)) if cell.text else None
            if m and label_name(m.group(1)) is None:
                out.setdefault(f"资金构成.{squash(m.group(1))}", cell.with_text(m.group(2)))
    return out

