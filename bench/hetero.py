"""Heterogeneous 自评表 for bench/run.py and tests/golden: many tables, all different.

``generate(n, seed)`` returns *n* tables made from the seed (examples/2023-dongjiaduan),
the tables of the ruleset cases (rulesets/**/*.cases.toml) and the corpus
(tests/corpus/*/*/table.toml), each one changed: its unit renamed (every table is
distinct, so no whole-table cache helps), indicator names, targets and actuals in every
form perfrules/values.py reads (≥10%, ≤386万元, ≥238天, =100%, 2023全年, 9月前, 11月底前,
full-width ≧ ＞ ﹦ and digits, 1,200万元, 个百分点, 元/平方米, qualitative text and numbered
parts, ranges, deadlines), weights redistributed inside each 一级指标 (so a table adds up to
what it added up to before, and a stated level weight stays true), self scores, reasons,
odd cells (blank, /, 不适用, 无, IO, ≥%, ≥**, XX%, a 40-digit number), rows dropped,
duplicated and added, the year, 辖区 and 类型 changed now and then, the budget block's
execution varied.

Deterministic: table *i* of seed *s* is drawn from ``random.Random(f"{s}-{i}")`` alone, so
``generate(100, s)`` is the first 100 of ``generate(10_000, s)`` and every run gives the
same bytes (``to_toml``).  Nothing here imports perfrules.
"""

from __future__ import annotations

import copy
import json
import random
import re
import tomllib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
SEED_TABLE = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
SEED_PROVENANCE = ROOT / "tests" / "corpus" / "real" / "hunan-dongjiaduan-2023-department" / "provenance.toml"
DEFAULT_COLUMNS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
DEFAULT_SEED = 20231231


@attrs.frozen
class Template:
    name: str  # seed, case:<file>#<n>, corpus:<folder>
    data: dict[str, Any]
    provenance: dict[str, Any]  # columns and money_columns, as tests/corpus/make_layouts.py wants them


@attrs.frozen
class Table:
    name: str  # h00001 …
    template: str
    data: dict[str, Any]
    provenance: dict[str, Any]

    def toml(self) -> str:
        return to_toml(self.data)


# ---------------------------------------------------------------------- templates
def templates() -> list[Template]:
    """The seed, every case table and every corpus table, in a fixed order."""
    out = [Template("seed", _load(SEED_TABLE), _provenance(SEED_PROVENANCE))]
    for path in sorted((ROOT / "rulesets").rglob("*.cases.toml")):
        data = _load(path)
        for n, case in enumerate(data.get("cases", [])):
            table: dict[str, Any] = {"单位名称": f"用例 {case.get('name', n)}", "年度": 2023, "类型": "部门整体支出",
                                     "指标": case.get("rows", [])}
            if "budget" in case:
                table["预算执行"] = case["budget"]
            out.append(Template(f"case:{path.relative_to(ROOT)}#{n}", table, {"columns": DEFAULT_COLUMNS}))
    for folder in sorted((ROOT / "tests" / "corpus").glob("*/*")):
        if (folder / "table.toml").is_file():
            out.append(Template(f"corpus:{folder.relative_to(ROOT / 'tests' / 'corpus')}", _load(folder / "table.toml"),
                                _provenance(folder / "provenance.toml")))
    return out


def _load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def _provenance(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"columns": DEFAULT_COLUMNS}
    data = _load(path)
    return {k: data[k] for k in ("columns", "money_columns") if k in data} or {"columns": DEFAULT_COLUMNS}


# ---------------------------------------------------------------------- generation
NAMES = [
    "新引进项目数增长率", "规模以上工业增加值增长率", "空气质量优良天数", "新开工5000万元以上项目数", "新增专精特新企业数",
    "盘活存量资产收益", "企业获得知识价值信用贷款", "企业满意度", "基本支出", "公用经费", "物管及餐费", "单位面积物业管理成本",
    "完成产业“十四五”规划中期评估", "营商环境持续优化", "党建工作规范开展", "园区管理长效机制建立", "项目按期完工率",
    "招商引资到位资金", "年度重点任务完成率", "培训人次", "道路保洁面积", "设备购置数量", "资金拨付及时率", "群众满意度",
    "服务对象投诉率", "项目验收合格率", "信息公开及时性", "受益人口数", "新增就业岗位", "单位成本控制",
    "政府采购执行率", "档案管理规范性", "安全生产事故数", "垃圾无害化处理率", "绿化覆盖率", "村级道路硬化里程",
]
REASONS = ["", "", "", "资金拨付滞后", "受疫情影响，部分项目推迟", "市场下行，企业投资意愿下降", "项目尚在建设中",
           "1.政策调整；2.审批时间较长。", "无"]
COUNT_UNITS = ["个", "家", "人", "次", "项", "天", "件", "户", "场", "人次", "篇", "所", "条", "套", "台", "亩"]
QUAL_TARGETS = ["持续优化", "逐步提升", "有效提升", "达到预期", "显著改善", "按要求完成", "推进园区建设", "规范开展",
                "1.推进园区建设；2.促进产业发展", "群众满意", "达成"]
QUAL_ACTUALS = ["达成", "部分达成", "未达成", "已完成", "基本完成", "持续优化", "较好", "好", "一般", "有效提升",
                "1.已推进园区建设；2.已促进产业发展", "达到预期", "按要求完成"]
ODD_CELLS = ["", "/", "不适用", "无", "IO", "—", "≥%", "≥**", "XX%", "见附件", "1" * 40, "≤××万元", "？"]
PLACES = ["湖南省/株洲市/芦淞区", "湖南省/株洲市", "湖南省", "四川省", "湖北省", "广西壮族自治区", "北京市", "安徽省/六安市", ""]
_FW_DIGITS = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


def generate(n: int, seed: int = DEFAULT_SEED, only: str | None = None) -> list[Table]:
    """*n* distinct tables; *only* ("seed", "case", "corpus") draws from one kind of template."""
    pool = templates()
    kinds = {"seed": [t for t in pool if t.name == "seed"], "case": [t for t in pool if t.name.startswith("case:")],
             "corpus": [t for t in pool if t.name.startswith("corpus:")]}
    return [_table(i, seed, kinds, only) for i in range(n)]


def _table(i: int, seed: int, kinds: dict[str, list[Template]], only: str | None) -> Table:
    rng = random.Random(f"{seed}-{i}")
    kind = only or rng.choices(["seed", "corpus", "case"], weights=[25, 50, 25])[0]
    tpl = rng.choice(kinds[kind])
    data = copy.deepcopy(tpl.data)
    base = str(data.get("单位名称") or data.get("实施单位") or data.get("项目名称") or "某单位")
    data["单位名称"] = f"{base}（样本{i + 1:05d}）"
    if rng.random() < 0.25:
        data["年度"] = rng.choice([2019, 2020, 2021, 2022, 2023, 2023, 2024, 2025])
    if rng.random() < 0.15:
        place = rng.choice(PLACES)
        if place:
            data["辖区"] = place
        else:
            data.pop("辖区", None)
    if rng.random() < 0.08:
        data["类型"] = "项目支出" if data.get("类型") == "部门整体支出" else "部门整体支出"
    rows = [r for r in data.get("指标", []) if isinstance(r, dict)]
    _reshape(rng, rows)
    for row in rows:
        _mutate_row(rng, row)
    if rng.random() < 0.6:
        _reweigh(rng, rows)
    data["指标"] = rows
    if isinstance(data.get("预算执行"), dict) and rng.random() < 0.5:
        _vary_budget(rng, data["预算执行"])
    if "自评总分" in data and rng.random() < 0.3:
        data["自评总分"] = _self_total(rows, data["自评总分"])
    return Table(f"h{i + 1:05d}", tpl.name, data, tpl.provenance)


def _reshape(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    """Rows dropped, duplicated (renamed) and added, now and then."""
    if len(rows) > 1 and rng.random() < 0.2:
        del rows[rng.randrange(len(rows))]
    if rows and rng.random() < 0.2:
        at = rng.randrange(len(rows))
        twin = copy.deepcopy(rows[at])
        twin["三级指标"] = rng.choice(NAMES) + "（二）"
        rows.insert(at + 1, twin)
    if rows and rng.random() < 0.15:
        like = rows[rng.randrange(len(rows))]
        new = {k: like[k] for k in ("一级指标", "二级指标") if k in like}
        new.update({"三级指标": rng.choice(NAMES), "年度指标值": "", "实际完成值": "", "分值": 0, "得分": 0, "偏差原因": ""})
        new["年度指标值"], new["实际完成值"] = value_pair(rng)
        rows.append(new)


def _mutate_row(rng: random.Random, row: dict[str, Any]) -> None:
    split = any(k in row for k in ("指标性质", "指标值", "度量单位"))
    if rng.random() < 0.5:
        row["三级指标"] = rng.choice(NAMES) + rng.choice(["", "", "", "（%）", "率", str(rng.randint(1, 9))])
    if rng.random() < 0.6:
        target, actual = value_pair(rng)
        if not split:
            row["年度指标值"] = target
        row["实际完成值"] = actual
    if rng.random() < 0.05:
        row["实际完成值"] = rng.choice(ODD_CELLS)
    if not split and rng.random() < 0.03:
        row["年度指标值"] = rng.choice(ODD_CELLS)
    if rng.random() < 0.3:
        row["偏差原因"] = rng.choice(REASONS)
    if rng.random() < 0.03:
        row["分值"] = rng.choice(["/", "不适用", "", "IO"])
    elif rng.random() < 0.3:
        weight = _number(row.get("分值"))
        if weight is not None:
            row["得分"] = _self_score(rng, weight, row.get("得分"))


def value_pair(rng: random.Random) -> tuple[str, str]:
    """A 年度指标值 and an 实际完成值 in one of the forms real tables use."""
    form = rng.randrange(15)
    if form == 0:  # at least, percent
        t = Decimal(rng.choice(["5", "8.5", "10", "80", "85", "90", "95", "98", "100"]))
        a = _q(t * Decimal(rng.uniform(0.5, 1.4)), rng.choice([0, 1, 2]))
        return f"≥{t}%", (f"≥{t}%" if rng.random() < 0.06 else f"{a}%")
    if form == 1:  # at most, money, the actual in 万元, 元 or 亿元
        t = _q(Decimal(rng.uniform(10, 5000)), 2)
        a = t * Decimal(rng.uniform(0.6, 1.3))
        unit = rng.choice(["万元", "万元", "元", "亿元"])
        shown = a * {"万元": 1, "元": 10000, "亿元": Decimal("0.0001")}[unit]
        return f"≤{_grouped(t) if rng.random() < 0.3 else t}万元", f"{_q(shown, 2 if unit != '亿元' else 4)}{unit}"
    if form == 2:  # counts
        unit = rng.choice(COUNT_UNITS)
        t = rng.randint(1, 500)
        return f"{rng.choice(['≥', '≥', '>=', '>'])}{t}{unit}", f"{max(0, int(t * rng.uniform(0.4, 1.5)))}{unit}"
    if form == 3:  # exact, or no comparator
        unit = rng.choice(["%", "个", "次", "万元"])
        t = rng.choice([100, 12, 4, 1, 50])
        return f"{rng.choice(['=', '', '＝'])}{t}{unit}", f"{rng.choice([t, t, t - 1, t + 1])}{unit}"
    if form == 4:  # strict comparisons and ceilings on counts
        t = rng.randint(1, 60)
        return rng.choice([(f"<{t}天", f"{rng.randint(0, t * 2)}天"), (f"≤{t}%", f"{_q(Decimal(rng.uniform(0, t * 1.5)), 1)}%"),
                           (f">{t}%", f"{_q(Decimal(rng.uniform(t * 0.5, t * 1.5)), 1)}%")])
    if form == 5:  # full-width glyphs and digits
        t = rng.randint(5, 99)
        a = _q(Decimal(rng.uniform(t * 0.6, t * 1.3)), 1)
        cmp = rng.choice(["≧", "＞", "﹦", "≦", "＞＝", "＜"])
        return f"{cmp}{t}%".translate(_FW_DIGITS) if rng.random() < 0.5 else f"{cmp}{t}%", f"{a}%".translate(_FW_DIGITS)
    if form == 6:  # periods
        year = rng.choice([2022, 2023, 2024])
        return (rng.choice([f"{year}全年", f"{year}年度", "全年", "年度", f"{year}年全年"]),
                rng.choice([f"{year}年", f"{year - 1}年", "全年", f"{year + 1}年", f"{year}年度"]))
    if form == 7:  # deadlines
        m = rng.randint(3, 12)
        return (rng.choice([f"{m}月前", f"{m}月底前", f"{m}月之前", f"{m}月末前"]),
                rng.choice([f"{max(1, m + rng.randint(-3, 2))}月", f"{m}月底", "按期完成", "已完成"]))
    if form in (8, 9):  # qualitative
        return rng.choice(QUAL_TARGETS), rng.choice(QUAL_ACTUALS)
    if form == 10:  # ranges (read as text)
        lo = rng.randint(60, 90)
        return rng.choice([f"{lo}%-{lo + 5}%", f"{lo}%～{lo + 10}%", f"{lo // 10}-{lo // 10 + 3}个"]), f"{lo + 2}%"
    if form == 11:  # percentage points
        t = _q(Decimal(rng.uniform(0.5, 5)), 1)
        return f"≥{t}个百分点", f"{_q(t * Decimal(rng.uniform(0.3, 1.5)), 1)}个百分点"
    if form == 12:  # compound units and 亿元
        t = _q(Decimal(rng.uniform(1, 50)), 2)
        unit = rng.choice(["元/平方米", "亿元", "元/人", "公里", "平方米", "㎡"])
        cmp = "≤" if unit.startswith("元/") else "≥"
        return f"{cmp}{t}{unit}", f"{_q(t * Decimal(rng.uniform(0.7, 1.3)), 2)}{unit}"
    if form == 13:  # thousands separators
        t = rng.randint(1000, 99999)
        return f"≥{_grouped(Decimal(t))}万元", f"{_grouped(_q(Decimal(t * rng.uniform(0.8, 1.2)), 2))}万元"
    t = Decimal(rng.choice([-5, -2, 0, 3]))  # growth that may be negative
    return f"≥{t}%", f"{_q(Decimal(rng.uniform(-10, 10)), 1)}%"


def _reweigh(rng: random.Random, rows: list[dict[str, Any]]) -> None:
    """New weights inside each 一级指标: the level keeps its sum (half points allowed)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get("一级指标", "")), []).append(row)
    for members in groups.values():
        weights = [_number(r.get("分值")) for r in members]
        if any(w is None or w < 0 for w in weights):
            continue
        total = sum(weights, Decimal(0))  # type: ignore[arg-type]
        halves = int(total * 2)
        if halves != total * 2 or halves < len(members):
            continue
        cuts = sorted(rng.sample(range(1, halves), len(members) - 1)) if len(members) > 1 else []
        parts = [Decimal(b - a) / 2 for a, b in zip([0, *cuts], [*cuts, halves])]
        for row, part in zip(members, parts):
            old = row.get("分值")
            row["分值"] = int(part) if part == part.to_integral_value() and isinstance(old, int) else _plain(part)
            row["得分"] = _self_score(rng, part, row.get("得分"))


def _self_score(rng: random.Random, weight: Decimal, old: Any) -> Any:
    r = rng.random()
    if r < 0.55:
        value = weight
    elif r < 0.85:
        value = _q(weight * Decimal(rng.uniform(0, 1)), rng.choice([0, 1, 2]))
    elif r < 0.93:
        return ""
    else:
        return f"{_plain(weight)}分"
    return int(value) if isinstance(old, int) and value == value.to_integral_value() else _plain(value)


def _self_total(rows: list[dict[str, Any]], old: Any) -> Any:
    scores = [_number(r.get("得分")) for r in rows]
    total = sum((s for s in scores if s is not None), Decimal(0))
    return int(total) if isinstance(old, int) and total == total.to_integral_value() else _plain(total)


def _vary_budget(rng: random.Random, block: dict[str, Any]) -> None:
    budget = _number(block.get("全年预算数"))
    if budget is None or budget <= 0:
        return
    executed = _q(budget * Decimal(rng.choice([1, 1, rng.uniform(0.5, 1.05)])), 2)
    grouped = "," in str(block.get("全年预算数", ""))
    block["全年执行数"] = _grouped(executed) if grouped else _plain(executed)
    rate = _q(executed / budget * 100, 2)
    if rng.random() < 0.1:
        rate += rng.choice([-3, 2, 10])  # a 执行率 the amounts do not give
    if "执行率" in block:
        block["执行率"] = f"{_plain(rate)}%"
    if "得分" in block:
        weight = _number(block.get("分值")) or Decimal(10)
        block["得分"] = _plain(_q(weight * min(executed / budget, Decimal(1)), 2))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").removesuffix("分")
        if not re.fullmatch(r"-?\d+(?:\.\d+)?", text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return None


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _grouped(value: Decimal) -> str:
    return f"{value:,}"


# ---------------------------------------------------------------------- TOML out
def to_toml(data: dict[str, Any]) -> str:
    """*data* as submission TOML, the same bytes every time: scalars first, then tables,
    then arrays of tables, keys quoted."""
    lines: list[str] = []
    _section(lines, [], data, array=False)
    return "\n".join(lines).lstrip("\n") + "\n"


def _section(lines: list[str], path: list[str], data: dict[str, Any], array: bool) -> None:
    if path:
        head = ".".join(_key(p) for p in path)
        lines.append("")
        lines.append(f"[[{head}]]" if array else f"[{head}]")
    nested: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        if isinstance(value, dict):
            _section(lines, [*path, key], value, array=False)
        else:
            for item in value:
                _section(lines, [*path, key], item, array=True)


def _key(key: str) -> str:
    return _string(str(key))


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


# ---------------------------------------------------------------------- .docx / .xlsx
def write_layouts(table: Table, folder: Path, kinds: tuple[str, ...] = ("docx", "xlsx")) -> list[Path]:
    """*table* as the .docx / .xlsx a unit files, in its printed layout (tests/corpus/make_layouts.py)."""
    ml = _make_layouts()
    ml._KEYS_IN_USE.clear()
    ml._KEYS_IN_USE.update(k for k in ml._row_keys(list(table.provenance["columns"])) if k)
    ml._LEVEL_POINTS.clear()
    ml._LEVEL_POINTS.update((k, str(v)) for k, v in table.data.get("一级指标分值", {}).items())
    title, grid = ml.layout(table.data, table.provenance)
    out = []
    for kind in kinds:
        path = folder / f"{table.name}.{kind}"
        (ml.write_docx if kind == "docx" else ml.write_xlsx)(path, title, grid)
        out.append(path)
    return out


def _make_layouts() -> Any:
    folder = str(ROOT / "tests" / "corpus")
    if folder not in __import__("sys").path:
        __import__("sys").path.insert(0, folder)
    import make_layouts  # type: ignore[import-not-found]

    return make_layouts
