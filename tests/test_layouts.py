"""The layouts real 自评表 use (issue 13, item 3), each read from .xlsx, .docx and CSV alike.

Every grid below is written in all three formats (merged cells in Excel and Word,
blank "same as above" cells in CSV) and must read to the same rows.  The tables are
small made-up ones, each showing one layout feature; the corpus tests
(test_corpus_paths.py) read whole tables.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from perfrules import model
from perfrules.model import Submission
from perfrules.readers import read_submission
from perfrules.values import Malformed, Quantity, read_value

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "corpus"))

from make_fixtures import UP, Grid, Item, write_csv  # noqa: E402
from make_layouts import write_docx, write_xlsx  # noqa: E402

FORMATS = ["xlsx", "docx", "csv"]
D = Decimal


def read_grid(fmt: str, rows: list[list[Item]], tmp_path: Path, title: str = "2023年度项目支出绩效自评表") -> Submission:
    grid = Grid(rows)
    path = tmp_path / f"table.{fmt}"
    if fmt == "xlsx":
        write_xlsx(path, [title], grid)
    elif fmt == "docx":
        write_docx(path, [title], grid)
    else:
        write_csv(path, grid, head=[[title]])
    sub = read_submission(str(path))
    assert sub.reader == fmt
    return sub


def facts(sub: Submission) -> list[tuple[object, ...]]:
    return [(r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.self_score, dict(r.unreadable))
            for r in sub.indicators]


UNIT = [["单位名称", ("某局", 6)]]


# ------------------------------------------------------------------- column orders
@pytest.mark.parametrize("fmt", FORMATS)
def test_weight_before_target_and_target_over_three_columns(fmt: str, tmp_path: Path) -> None:
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "二级指标", "三级指标", "分值", "指标性质", "指标值", "度量单位", "实际完成值", "得分"],
        ["产出指标(60分)", "数量指标", "培训人次", "30", "≥", "500", "人次", "520人次", "30"],
        [UP, "质量指标", "合格率", "30", "≥", "95", "%", "93%", "28"],
        ["满意度指标(40分)", "服务对象满意度指标", "满意度", "40", "≥", "90", "%", "92%", "40"],
        ["总分", "", "", "100", "", "", "", "", "98"],
    ], tmp_path)
    assert facts(sub) == [
        ("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", D(30), D(30), {}),
        ("产出指标", "质量指标", "合格率", "≥95%", "93%", D(30), D(28), {}),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", D(40), D(40), {}),
    ]
    assert dict(sub.indicators[0].more) == {"指标性质": "≥", "指标值": "500", "度量单位": "人次"}
    assert (sub.self_total, sub.header["总分"]) == (D(98), "100")
    assert dict(sub.level_weights) == {"产出指标": D(60), "满意度指标": D(40)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_chongqing_columns(fmt: str, tmp_path: Path) -> None:
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "二级指标", "三级指标", "年初指标值", "调整指标值", "全年完成值", "得分系数", "指标权重", "指标得分"],
        ["产出指标", "数量指标", "保洁面积", "≧120万平方米", "≧118万平方米", "121万平方米", "1", "60", "60"],
        ["效益指标", "社会效益指标", "投诉下降", "＞5%", "", "6%", "0.9", "40", "36"],
    ], tmp_path)
    assert facts(sub) == [
        ("产出指标", "数量指标", "保洁面积", "≧120万平方米", "121万平方米", D(60), D(60), {}),
        ("效益指标", "社会效益指标", "投诉下降", "＞5%", "6%", D(40), D(36), {}),
    ]
    assert dict(sub.indicators[0].more) == {"调整指标值": "≧118万平方米", "得分系数": "1"}
    assert sub.self_total is None  # no 总分 row: nothing was filed, nothing to compare


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_weight_column_weights_from_block_headers(fmt: str, tmp_path: Path) -> None:
    """Hubei: 年初目标值(A) | 实际完成值(B) | 得分, weights only in the block headers."""
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "二级指标", "三级指标", "年初目标值(A)", "实际完成值(B)", "得分"],
        ["(50分)", "数量指标", "新建农田", "≥2万亩", "2.1万亩", "25"],
        [UP, "质量指标", "验收合格率", "≥**", "100%", "24"],
        ["(30分)", "社会效益指标", "受益农户", "≥3000户", "3120户", "30"],
    ], tmp_path)
    rows = sub.indicators
    # unprinted 一级 names inferred from the 二级 names, the two blocks kept apart
    assert [(r.level1, r.level1_inferred) for r in rows] == [("产出指标", True)] * 2 + [("效益指标", True)]
    assert dict(sub.level_weights) == {"产出指标": D(50), "效益指标": D(30)}
    # a one-row block takes its header's points; the others keep their printed score and no weight
    assert [(r.weight, r.self_score) for r in rows] == [(None, D(25)), (None, D(24)), (D(30), D(30))]
    placeholder = read_value(rows[1].target)
    assert isinstance(placeholder, Malformed) and "模板占位符" in placeholder.problem


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_two_blocks_with_the_same_printed_points_stay_apart(fmt: str, tmp_path: Path) -> None:
    """Two merged 一级 cells both printed "(50分)": the merge tells the blocks apart."""
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["(50分)", "数量指标", "完成数", "≥10个", "10个", "25", "25"],
        [UP, "时效指标", "及时率", "100%", "100%", "25", "25"],
        ["(50分)", "社会效益指标", "带动就业", "≥20人", "21人", "25", "25"],
        [UP, "可持续影响指标", "长效机制", "建立", "建立", "25", "25"],
    ], tmp_path)
    assert [r.level1 for r in sub.indicators] == ["产出指标"] * 2 + ["效益指标"] * 2
    assert dict(sub.level_weights) == {"产出指标": D(50), "效益指标": D(50)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_scorecard_with_level_points_in_their_own_columns(fmt: str, tmp_path: Path) -> None:
    """Hunan 部门整体 scorecard: 一级 | 分值 | 二级 | 分值 | 三级 | 分值 | 评价标准 | 得分, no actuals."""
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评价标准", "得分"],
        ["投入", "13", "预算配置", "13", "在职人员控制率", "5", "≤100%计5分", "5"],
        [UP, UP, UP, UP, "“三公经费”变动率", "8", "≤0计8分", "8"],
    ], tmp_path, title="2022年度部门整体支出绩效评价指标表")
    assert [(r.level1, r.level2, r.name, r.weight, r.self_score) for r in sub.indicators] == [
        ("投入", "预算配置", "在职人员控制率", D(5), D(5)),
        ("投入", "预算配置", "“三公经费”变动率", D(8), D(8)),
    ]
    assert dict(sub.level_weights) == {"投入": D(13)}
    assert sub.indicators[0].more["评分标准"] == "≤100%计5分"
    assert sub.kind == model.KIND_DEPARTMENT


# ----------------------------------------------------------------- unreadable cells
@pytest.mark.parametrize("fmt", FORMATS)
def test_one_bad_cell_never_refuses_the_table(fmt: str, tmp_path: Path) -> None:
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "完成数", "≥10个", "10个", "50", "IO"],
        [UP, "质量指标", "扬尘投诉", "/", "/", "/", ""],
        ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", "50", "50"],
        ["总分", "", "", "", "", "100", "十分"],
    ], tmp_path)
    first, na, last = sub.indicators
    assert (first.self_score, dict(first.unreadable)) == (None, {"得分": "IO"})
    assert first.where("得分") is not None
    assert na.not_applicable and dict(na.unreadable) == {"分值": "/"}
    assert (last.weight, last.self_score) == (D(50), D(50))
    assert (sub.self_total, dict(sub.unreadable)) == (None, {"自评总分": "十分"})


@pytest.mark.parametrize("fmt", FORMATS)
def test_self_total_only_from_the_score_column(fmt: str, tmp_path: Path) -> None:
    """An unfilled 总分 row: 分值 100 printed, 得分 blank → no filed total (never the 100)."""
    sub = read_grid(fmt, UNIT + [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "完成数", "≥10个", "", "100", ""],
        ["总分", "", "", "", "", "100", ""],
    ], tmp_path)
    assert sub.self_total is None
    assert sub.header["总分"] == "100"


def test_formula_without_cached_value_is_recorded_not_lost(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for line in [["单位名称", "某局"], ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                 ["产出指标", "数量指标", "完成数", "≥10个", "10个", "50", None],
                 ["效益指标", "社会效益指标", "带动就业", "≥20人", None, "50", "50"]]:
        ws.append(line)
    ws["G3"] = "=F3*1"  # written by a program: no cached value
    ws["E4"] = "=D4"
    cell = ws["H4"]
    cell.value, cell.data_type = "=不是公式", "s"  # text that starts with = is text
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    first, second = read_submission(str(path)).indicators
    assert (first.self_score, dict(first.unreadable)) == (None, {"得分": "=公式（无缓存值）: =F3*1"})
    assert (second.actual, dict(second.unreadable)) == ("", {"实际完成值": "=公式（无缓存值）: =D4"})


# ------------------------------------------------------------------------ the fund
@pytest.mark.parametrize("fmt", FORMATS)
def test_fund_block_in_yuan_with_its_parts(fmt: str, tmp_path: Path) -> None:
    sub = read_grid(fmt, UNIT + [
        ["项目资金\n（元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [UP, "年度资金总额", "1,200,000.00", "1,150,000.00", "1,100,000.00", "10", "95.65", "9.5"],
        [UP, "其中：当年财政拨款", "1,000,000.00", "950,000.00", "900,000.00", "—", "94.74", "/"],
        [UP, "上年结转资金", "200,000.00", "200,000.00", "200,000.00", "—", "100", "/"],
        [UP, "其他资金", "", "", "", "", "", ""],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", ""],
        ["产出指标", "数量指标", "完成数", "≥10个", "10个", "90", "90", ""],
    ], tmp_path)
    budget = sub.budget
    assert budget is not None
    assert (budget.money_unit, budget.budget, budget.executed, budget.self_rate, budget.self_score) == (
        "元", D("1150000.00"), D("1100000.00"), "95.65", D("9.5"))
    assert [(p.name, p.budget, p.executed, p.self_rate, dict(p.unreadable)) for p in budget.parts] == [
        ("当年财政拨款", D(950000), D(900000), "94.74", {"得分": "/"}),
        ("上年结转资金", D(200000), D(200000), "100", {"得分": "/"}),
        ("其他资金", None, None, "", {}),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_amounts_with_a_wanyuan_suffix(fmt: str, tmp_path: Path) -> None:
    sub = read_grid(fmt, UNIT + [
        ["年度预算", "年初预算数", "调整预算数(A)", "预算执行数(B)", "分值", "执行率(B/A)", "得分"],
        ["年度资金总额", "9,999.81万元", "9,999.81万元", "8,045.00万元", "10", "80.45%", "8"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "完成数", "≥10个", "10个", "90", "90"],
    ], tmp_path)
    budget = sub.budget
    assert budget is not None
    assert (budget.initial_budget, budget.budget, budget.executed, budget.money_unit) == (
        D("9999.81"), D("9999.81"), D("8045.00"), "万元")


# -------------------------------------------------------------- traditional and glyphs
@pytest.mark.parametrize("fmt", FORMATS)
def test_traditional_headers_and_labels(fmt: str, tmp_path: Path) -> None:
    sub = read_grid(fmt, [["單位名稱", ("某館", 6)],
        ["一級指標", "二級指標", "三級指標", "年度指標值", "實際完成值", "分值", "得分"],
        ["產出指標(60分)", "數量指標", "演出場次", "≥40場", "42場", "60", "60"],
        ["滿意度指標(40分)", "服務對象滿意度指標", "觀眾滿意度", "≥90%", "96%", "40", "38"],
        ["總分", "", "", "", "", "100", "98"],
    ], tmp_path, title="2023年度部門整體支出績效自評表")
    assert [(r.level1, r.level2, r.name, r.target, r.actual) for r in sub.indicators] == [
        ("产出指标", "数量指标", "演出場次", "≥40場", "42場"),  # the form's words read; values as printed
        ("满意度指标", "服务对象满意度指标", "觀眾滿意度", "≥90%", "96%"),
    ]
    assert (sub.unit, sub.self_total) == ("某館", D(98))


@pytest.mark.parametrize("text, comparator", [
    ("≧90%", ">="), ("≦5天", "<="), ("═100%", "="), ("﹦1", "="), ("＞3人", ">"), ("＜2次", "<"),
    (">=10%", ">="), ("<=386万元", "<="), ("≥ 10 %", ">="),
])
def test_comparison_glyphs(text: str, comparator: str) -> None:
    value = read_value(text)
    assert isinstance(value, Quantity) and value.comparator == comparator
    assert value.text == text  # kept as printed


@pytest.mark.parametrize("text, number, unit, comparator", [
    ("不少于12种", "12", "种", ">="), ("不少于6 种", "6", "种", ">="), ("不低于95%", "95", "%", ">="),
    ("大于等于90%", "90", "%", ">="), ("至少3次", "3", "次", ">="), ("大于90%", "90", "%", ">"),
    ("不超过386万元", "386", "万元", "<="), ("不高于5%", "5", "%", "<="), ("小于或等于5天", "5", "天", "<="),
    ("12种以上", "12", "种", ">="), ("95%及以上", "95", "%", ">="), ("5%以下", "5", "%", "<="),
    ("386万元以内", "386", "万元", "<="), ("控制在386万元", "386", "万元", "<="), ("控制在95%以上", "95", "%", ">="),
    ("≥12种以上", "12", "种", ">="), ("100%(百分比)", "100", "%", None), ("≥98 %(百分比)", "98", "%", ">="),
])
def test_comparisons_in_words(text: str, number: str, unit: str, comparator: str | None) -> None:
    """Targets as units write them (稷山 2021: 不少于12 种; 成安 2020: %(百分比)); 以上、以下、以内
    include the number (《民法典》第一千二百五十九条), so 12种以上 is ≥ 12 种, never a unit 种以上."""
    value = read_value(text)
    assert isinstance(value, Quantity) and value.text == text
    assert (value.number, str(value.unit), value.comparator) == (D(number), unit, comparator)


@pytest.mark.parametrize("text", [">=530元/人*月", "530元/人·月", "530元/(人·月)", "530元/人/月", "530元/人×月"])
def test_a_rate_per_two_things_is_one_unit_however_it_is_written(text: str) -> None:
    """濉溪 2019: 临时救助 ≥530元/人*月.  Read as text, a missed target hid behind it."""
    value = read_value(text)
    assert isinstance(value, Quantity) and (value.number, str(value.unit)) == (D(530), "元/人/月")
    assert value.unit == read_value("530元/人/月").unit  # type: ignore[union-attr]


def test_a_rate_of_a_known_unit_converts_as_that_unit_does() -> None:
    ten_thousand, one = read_value("1.2万元/人*年"), read_value("12000元/人/年")
    assert isinstance(ten_thousand, Quantity) and isinstance(one, Quantity) and one.unit is not None
    assert ten_thousand.in_unit(one.unit) == D(12000)


@pytest.mark.parametrize("text", ["不低于", "高于上年", "控制在预算内", "以上项目", "不低于≥5"])
def test_words_of_comparison_without_a_number_stay_text(text: str) -> None:
    assert not isinstance(read_value(text), Quantity)


@pytest.mark.parametrize("text", ["≥**", "XX%", "**", "≤××万元", "≥？？"])
def test_template_placeholders(text: str) -> None:
    value = read_value(text)
    assert isinstance(value, Malformed) and value.problem.startswith("模板占位符")
