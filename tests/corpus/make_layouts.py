"""Render a corpus table.toml as the .xlsx and .docx a unit would have filed.

``python tests/corpus/make_layouts.py tests/corpus/real/<name> OUT`` writes
``OUT/<name>.xlsx``, ``OUT/<name>.docx`` and ``OUT/<name>.csv``.  The test (tests/test_corpus_paths.py)
renders into a temporary folder; nothing generated is committed.

The layout is the printed one: the title, the header label rows (项目名称, 主管部门,
实施单位 / 单位名称), the fund block (its columns in provenance.toml's
``money_columns`` order, the 年度资金总额 row, then its 其中 rows), 年度总体目标, the
indicator header exactly as ``columns`` prints it, the rows with 一级/二级 cells merged
vertically over the rows they span (Word keeps a merged cell's text once: vMerge),
and the 总分 row last.  Where the form prints a level's points in a 分值 column of its
own (一级指标 | 分值 | 二级指标 | 分值 …), ``投入(13分)`` is printed as 投入 | 13.  Every
cell is text as printed; a text starting with ``=`` stays text.  Only plain figures in
the 分值/得分/amount columns are stored as numbers in Excel, as units' files hold them.

This mapping of printed headers to table.toml keys is written out here on purpose,
apart from the reader's own header table, so the test does not read back its own
assumptions.
"""

from __future__ import annotations

import re
import sys
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Union

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fixtures"))

from make_fixtures import UP, Grid, Item, _set_cell, write_csv  # noqa: E402

# Printed indicator header (its words, (A)/(B) and spaces removed) → table.toml key.
ROW_COLUMNS = {
    "一级指标": "一级指标", "二级指标": "二级指标", "三级指标": "三级指标", "指标名称": "三级指标",
    "年度指标值": "年度指标值", "指标值": "年度指标值", "年初目标值": "年度指标值", "年初指标值": "年度指标值",
    "实际完成值": "实际完成值", "全年实际值": "实际完成值", "完成值": "实际完成值", "全年完成值": "实际完成值",
    "分值": "分值", "权重": "分值", "指标权重": "分值", "指标分值": "分值", "绩效目标值": "年度指标值",
    "得分": "得分", "指标得分": "得分", "自评得分": "得分",
    "指标性质": "指标性质", "度量单位": "度量单位", "计量单位": "度量单位",
    "调整指标值": "调整指标值", "得分系数": "得分系数",
    "评分标准": "评分标准", "评价标准": "评分标准", "评扣分标准": "评分标准", "得分计算方法": "评分标准",
}
MONEY_COLUMNS = {
    "年初预算数": "年初预算数", "年初预算": "年初预算数",
    "全年预算数": "全年预算数", "调整后预算数": "全年预算数", "调整预算数": "全年预算数",
    "全年执行数": "全年执行数", "预算执行数": "全年执行数", "预算数": "全年预算数", "执行数": "全年执行数",
    "执行率": "执行率", "预算执行率": "执行率",
    # 福建 资金结构 (circled numbers and "=①+②" dropped by _word)
    "年初部门预算安排金额": "年初预算数", "小计": "全年预算数", "年度拨付金额": "全年执行数", "支出实现率": "执行率",
    "分值": "分值", "权重": "分值", "得分": "得分", "自评得分": "得分", "原因": "偏差原因",
    "执行率权重": "分值", "执行率得分": "得分",
}
DEFAULT_MONEY = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
NUMBER_KEYS = {"分值", "得分", "年初预算数", "全年预算数", "全年执行数"}
_POINTS = re.compile(r"^(.*?)[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]$")


def _word(header: str) -> str:
    """A printed header's word: no (A)/(扣), no spaces, traditional characters read as
    simplified (績效指標 → 绩效指标; the form's vocabulary only, perfrules/readers/hanzi.py)."""
    from perfrules.readers.hanzi import simplified

    return simplified(re.sub(r"[(（][^)）]*[)）]|\s|[①-⑳]|=.*$", "", header))


def row_key(header: str) -> str | None:
    word = _word(header)
    if word.startswith(("偏差原因", "未完成原因")):
        return "偏差原因"
    if word == "指标值":
        return "指标值"  # resolved against 指标性质 below
    return ROW_COLUMNS.get(word)


def money_key(header: str) -> str | None:
    return MONEY_COLUMNS.get(_word(header))


# ------------------------------------------------------------------------- the grid
def layout(table: dict[str, Any], provenance: dict[str, Any]) -> tuple[list[str], Grid]:
    """The paragraphs above the table (its title) and the table's grid."""
    columns: list[str] = list(provenance["columns"])
    if "偏差原因" not in _row_keys(columns) and any(r.get("偏差原因") for r in table.get("指标", [])):
        columns.append("偏差原因")  # transcribed with no printed column (provenance says where): nothing is lost
    money = list(provenance.get("money_columns") or []) or DEFAULT_MONEY
    keys = _row_keys(columns)
    width = max(len(columns), 2 + len(money))
    rows: list[list[Item]] = []
    rows += _labels(table, width)
    if "预算执行" in table:
        rows += _budget(table["预算执行"], money, width)
    if table.get("资金构成"):
        rows += _structure(table["资金构成"], width)
    goals = table.get("年度总体目标", {})
    if goals:
        half = (width - 1) // 2
        rows.append(["年度总体目标", ("预期目标", half), ("实际完成情况", width - 1 - half)])
        rows.append([UP, (goals.get("预期目标", ""), half), (goals.get("实际完成情况", ""), width - 1 - half)])
    rows.append([*columns, *[""] * (width - len(columns))])
    rows += _indicators(table.get("指标", []), keys, width)
    if "总分" in table or "自评总分" in table:
        rows.append(_total(table, keys, width))
    return _title(table), Grid(rows)


def _title(table: dict[str, Any]) -> list[str]:
    title = table.get("标题", "")
    lines = [title] if title else []
    if table.get("年度") and not re.search(rf"{table['年度']}\s*年", title):
        lines.append(f"（{table['年度']}年度）")
    return lines


def _labels(table: dict[str, Any], width: int) -> list[list[Item]]:
    out: list[list[Item]] = []
    labels = [k for k in ("项目名称", "主管部门", "实施单位") if k in table]
    if table.get("单位名称") and table.get("单位名称") != table.get("实施单位"):
        labels.insert(0, "单位名称")  # the filing unit, where the form names it apart from 实施单位
    for label in labels:
        out.append([label, (str(table.get(label, "")), width - 1)])
    if "辖区" in table:  # only where the table prints one (tests/corpus/README.md)
        out.append(["辖区", (str(table["辖区"]), width - 1)])
    if "自评得分" in table:
        out.append(["自评得分", (str(table["自评得分"]), width - 1)])
    return out


def _budget(block: dict[str, Any], money: list[str], width: int) -> list[list[Item]]:
    unit = block.get("金额单位", "万元")
    keys = [money_key(h) for h in money]
    pad = [""] * (width - 2 - len(money))
    head: list[Item] = [f"项目资金\n（{unit}）", "", *money, *pad]
    rows: list[list[Item]] = [head, [UP, "年度资金总额", *(_cell(block, k) for k in keys), *pad]]
    for index, part in enumerate(block.get("其中", [])):
        name = ("其中：" if index == 0 else "") + part.get("名称", "")
        rows.append([UP, name, *(_cell(part, k) for k in keys), *pad])
    return rows


def _structure(block: dict[str, Any], width: int) -> list[list[Item]]:
    """湖南 年度预算申请: 按收入性质分：X | 按支出性质分：Y, then their parts side by side,
    each cell ``名称：金额`` as the seed prints them."""
    income = [k for k in block if k not in ("按收入性质分", "按支出性质分", "基本支出", "项目支出")]
    spending = [k for k in ("基本支出", "项目支出") if k in block]
    rows: list[list[Item]] = [["年度预算申请", f"按收入性质分：{block.get('按收入性质分', '')}",
                               (f"按支出性质分：{block.get('按支出性质分', '')}", width - 2)]]
    for i in range(max(len(income), len(spending))):
        left = f"{'其中：' if i == 0 else ''}{income[i]}：{block[income[i]]}" if i < len(income) else ""
        right = f"{'其中：' if i == 0 else ''}{spending[i]}：{block[spending[i]]}" if i < len(spending) else ""
        rows.append([UP, left, (right, width - 2)])
    return rows


def _cell(data: dict[str, Any], key: str | None) -> str:
    return "" if key is None or data.get(key) is None else str(data[key])


def _row_keys(columns: list[str]) -> list[str | None]:
    """Each printed column's key; a 分值 right after 一级/二级指标 (when a later 分值 is
    the row's) holds that level's points."""
    keys = [row_key(h) for h in columns]
    if "指标性质" not in keys:
        keys = ["年度指标值" if k == "指标值" else k for k in keys]
    weights = [i for i, k in enumerate(keys) if k == "分值"]
    for i in weights[:-1]:
        if i > 0 and keys[i - 1] in ("一级指标", "二级指标"):
            keys[i] = f"{keys[i - 1]}.分值"
    return keys


def _indicators(rows: list[dict[str, Any]], keys: list[str | None], width: int) -> list[list[Item]]:
    out: list[list[Item]] = []
    previous: dict[str, Any] | None = None
    for row in rows:
        line: list[Item] = []
        for key in keys:
            line.append(_indicator_cell(row, previous, key))
        out.append([*line, *[""] * (width - len(keys))])
        previous = row
    return out


def _indicator_cell(row: dict[str, Any], previous: dict[str, Any] | None, key: str | None) -> Item:
    if key is None:
        return ""
    level = key.split(".")[0]
    if level in ("一级指标", "二级指标"):
        same = previous is not None and previous.get("一级指标") == row.get("一级指标") and (
            level == "一级指标" or previous.get("二级指标") == row.get("二级指标"))
        if same and row.get(level):
            return UP  # merged with the cell above: Word keeps the text once
        name, points = _split(str(row.get(level, "")))
        if key.endswith(".分值"):
            return points
        if f"{level}.分值" in _KEYS_IN_USE:
            return name
        text = str(row.get(level, ""))
        if level == "一级指标" and not points and text in _LEVEL_POINTS:  # [一级指标分值]: printed in the cell
            return f"{text}\n({_LEVEL_POINTS[text]}分)"
        return text
    if key == "分值" and "分值" not in row and "指标权重" in row:
        return str(row["指标权重"])
    return _cell(row, key)


_KEYS_IN_USE: set[str] = set()  # the keys of the table being rendered
_LEVEL_POINTS: dict[str, str] = {}  # its [一级指标分值]


def _split(text: str) -> tuple[str, str]:
    m = _POINTS.match(text)
    return (m.group(1), m.group(2)) if m else (text, "")


def _total(table: dict[str, Any], keys: list[str | None], width: int) -> list[Item]:
    line: list[Item] = [""] * width
    line[0] = "总分"
    if "分值" in keys:
        line[keys.index("分值")] = str(table.get("总分", ""))
    if "得分" in keys:
        line[keys.index("得分")] = str(table.get("自评总分", ""))
    return line


# ------------------------------------------------------------------------ writers
def render(folder: Path, out: Path) -> tuple[Path, Path, Path]:
    """Write ``out/<name>.xlsx``, ``.docx`` and ``.csv`` (merged cells left blank, as Excel
    saves them) for the corpus table in *folder*."""
    table = tomllib.loads((folder / "table.toml").read_text(encoding="utf-8"))
    provenance = tomllib.loads((folder / "provenance.toml").read_text(encoding="utf-8"))
    _KEYS_IN_USE.clear()
    _KEYS_IN_USE.update(k for k in _row_keys(list(provenance["columns"])) if k)
    _LEVEL_POINTS.clear()
    _LEVEL_POINTS.update((k, str(v)) for k, v in table.get("一级指标分值", {}).items())
    title, grid = layout(table, provenance)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, docx = out / f"{folder.name}.xlsx", out / f"{folder.name}.docx"
    csv = out / f"{folder.name}.csv"
    write_xlsx(xlsx, title, grid)
    write_docx(docx, title, grid)
    write_csv(csv, grid, head=[[line] for line in title])
    return xlsx, docx, csv


def write_docx(path: Path, title: list[str], grid: Grid) -> None:
    """The table in Word.  python-docx's ``table.cell(r, c)`` walks the whole table on every
    call, so the cells are listed once, after the merges (row-major, a merged cell repeated
    over its span, as ``table.cell()`` reads it)."""
    from docx import Document  # type: ignore[import-untyped,unused-ignore]

    doc = Document()
    for line in title:
        doc.add_paragraph(line)
    table = doc.add_table(rows=len(grid.cells), cols=grid.width)
    for r0, c0, r1, c1 in grid.spans():
        table.cell(r0, c0).merge(table.cell(r1, c1))
    cells = table._cells
    for r, c in grid.merges:
        _set_cell(cells[r * grid.width + c], grid.cells[r][c])
    doc.save(str(path))


def write_xlsx(path: Path, title: list[str], grid: Grid) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "自评表"
    head = len(title)
    for r, line in enumerate(title, start=1):
        ws.cell(row=r, column=1, value=line)
        ws.merge_cells(f"A{r}:{get_column_letter(grid.width)}{r}")
    numeric = _numeric_columns(grid)
    for r, line in enumerate(grid.plain(), start=head + 1):
        for c, text in enumerate(line, start=1):
            if not text:
                continue
            cell = ws.cell(row=r, column=c)
            figure = _figure(text) if (r - head - 1, c - 1) in numeric else None
            cell.value = text if figure is None else figure
            if figure is None:
                cell.data_type = "s"  # "=B1" printed in a cell is text, not a formula
    for r0, c0, r1, c1 in grid.spans():
        ws.merge_cells(f"{get_column_letter(c0 + 1)}{r0 + head + 1}:{get_column_letter(c1 + 1)}{r1 + head + 1}")
    wb.save(str(path))


def _numeric_columns(grid: Grid) -> set[tuple[int, int]]:
    """Cells under a 分值/得分/amount header: where a unit's Excel holds numbers."""
    out: set[tuple[int, int]] = set()
    heads: dict[int, bool] = {}
    for r, line in enumerate(grid.cells):
        words = [_word(t) for t in line]
        if any(w in ("一级指标", "年初预算数", "年初预算", "全年执行数", "预算执行数") for w in words):
            heads = {c: (row_key(t) in NUMBER_KEYS or money_key(t) in NUMBER_KEYS) for c, t in enumerate(line)}
            continue
        out.update((r, c) for c, numeric in heads.items() if numeric)
    return out


def _figure(text: str) -> Union[int, float, None]:
    """A plain figure as Excel stores it (12.5, 100), or None to keep the text."""
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral_value() and "." not in text else float(text)


if __name__ == "__main__":
    for written in render(Path(sys.argv[1]), Path(sys.argv[2])):
        print(written)
