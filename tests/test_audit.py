"""Scoring real-world tables: ruleset fallback, not-applicable rows, unreadable and unfilled
cells, and the audit checks of perfrules/scoring/audit.py (issue 13).  Each test builds the table
the way a reader hands it over, and asserts the finding's code, severity, row and numbers."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import attrs
import pytest

from perfrules.ruleset.catalog import choose_ruleset
from perfrules.errors import PerfrulesError
from perfrules.explain import Result
from perfrules.scoring.interpreter import score
from perfrules.ruleset.loader import load_ruleset
from perfrules.model import BudgetBlock, FundPart, IndicatorRow, Submission

NATIONAL = "national/cz2021-101"


def row(name: str, target: str, actual: str, weight: str | None, got: str | None, level1: str = "产出指标",
        reason: str = "", **kw: object) -> IndicatorRow:
    return IndicatorRow(level1, "数量指标", name, target, actual, None if weight is None else D(weight),
                        None if got is None else D(got), reason, **kw)  # type: ignore[arg-type]


def table(*rows: IndicatorRow, budget: BudgetBlock | None = None, total: str | None = None,
          jurisdiction: str = "", unit: str = "某单位", kind: str = "项目支出", year: int = 2022) -> Submission:
    return Submission(unit, year, kind, rows, budget, jurisdiction, self_total=None if total is None else D(total))


def run(sub: Submission, ruleset: str | None = None) -> Result:
    if ruleset:
        return score(sub, load_ruleset(ruleset))
    chosen = choose_ruleset(sub)
    return score(sub, chosen.ruleset, notes=chosen.findings, scale_levels=not chosen.fallback)


def codes(result: Result, severity: str | None = None) -> set[tuple[str, int | None]]:
    return {(f.code, f.row) for f in result.findings if severity in (None, f.severity)}


FULL = BudgetBlock(D(100), D(100), D(100), D(10), "100%", D(10))
CONSISTENT = (row("培训人次", "≥100人次", "120人次", "50", "50"),
              row("群众满意度", "≥90%", "95%", "10", "10", level1="满意度指标"),
              row("带动效果", "效果明显", "达成", "30", "30", level1="效益指标"))


def test_a_table_from_a_province_with_no_ruleset_falls_back_to_the_national_rules() -> None:
    sub = table(*CONSISTENT, budget=FULL, total="100", unit="天长市水利局")
    chosen = choose_ruleset(sub)
    assert chosen.fallback and chosen.ruleset.id == NATIONAL
    assert "安徽" not in chosen.why and "全国规则集" in chosen.why
    result = run(sub)
    assert result.total == D("100.00")
    assert ("ruleset_fallback", None) in codes(result, "info")
    assert not codes(result, "error")


def test_the_province_is_read_from_a_city_name_the_table_prints() -> None:
    chosen = choose_ruleset(table(*CONSISTENT, budget=FULL, unit="中江县水利局"))
    assert chosen.ruleset.id == "sichuan" and not chosen.fallback
    chosen = choose_ruleset(table(*CONSISTENT, budget=FULL, unit="襄阳市中心医院"))
    assert chosen.ruleset.id == "hubei"


def test_a_project_table_in_lusong_is_not_scored_with_the_department_ruleset() -> None:
    sub = table(*CONSISTENT, budget=FULL, jurisdiction="湖南省/株洲市/芦淞区", kind="项目支出", year=2023)
    chosen = choose_ruleset(sub)
    assert chosen.ruleset.id == "hunan/zhuzhou"
    assert any("只适用于部门整体支出" in n for n in chosen.notes)
    assert choose_ruleset(attrs.evolve(sub, kind="部门整体支出")).ruleset.id == "hunan/zhuzhou/lusong/2023"


def test_a_2019_table_takes_the_earliest_national_ruleset_and_says_so() -> None:
    chosen = choose_ruleset(table(*CONSISTENT, year=2019))
    assert chosen.ruleset.id == "national/cz2020-10" and "晚于表的年度" in chosen.notes[-1]


def test_an_unfilled_table_is_refused_not_graded() -> None:
    blank = [attrs.evolve(r, actual="", self_score=None) for r in CONSISTENT]
    with pytest.raises(PerfrulesError) as refused:  # amounts alone (the finance system prints them) are no filling
        run(table(*blank, budget=attrs.evolve(FULL, self_score=None), total=None))
    assert refused.value.code == "unfilled" and "未填写" in str(refused.value)
    partly = run(table(*blank, budget=FULL, total=None), NATIONAL)  # the execution score was filed
    assert {("row_unfilled", 1), ("row_unfilled", 2), ("row_unfilled", 3)} <= codes(partly, "warning")


def test_a_table_with_no_indicator_rows_is_refused_unless_something_was_scored() -> None:
    """A header alone, or a fund block's amounts alone (a table cut off before its first
    row), has nothing to grade; a fund block with its 得分 filed is scored."""
    for budget in (None, attrs.evolve(FULL, self_score=None)):
        with pytest.raises(PerfrulesError) as refused:
            run(table(budget=budget), NATIONAL)
        assert refused.value.code == "unfilled" and "没有读到指标行" in str(refused.value)
    assert run(table(budget=FULL), NATIONAL).total == D("10.00")


def test_no_execution_points_are_made_up_for_a_form_that_has_none() -> None:
    """A fund block with no 分值 takes the ruleset's 10 on the ruleset's own form only; on
    a form of other levels (here 决策/管理) the rate is checked, never scored from nothing."""
    block = BudgetBlock(D(100), D(100), D(90), None, "80%", None)
    other = (row("立项依据充分性", "充分", "充分", "50", "50", level1="决策"),
             row("资金到位率", "100%", "100%", "50", "50", level1="管理"))
    result = run(table(*other, budget=block, total="100"), NATIONAL)
    assert [r.row for r in result.rows] == [1, 2] and result.full_marks == D(100)
    assert ("execution_unweighted", 0) in codes(result, "info") and ("rate_differs", 0) in codes(result, "error")
    assert ("missing_weight", 0) not in codes(result)
    own = run(table(*CONSISTENT, budget=block), NATIONAL)
    assert own.rows[0].row == 0 and own.rows[0].weight == D(10) and own.rows[0].score == D(9)
    assert ("execution_unweighted", 0) not in codes(own)


def test_a_row_with_no_points_is_not_scored_but_its_cells_are_still_read() -> None:
    """忠县 2021 (a 目标自评表 with no 分值 column): an actual copied from its target is
    flagged on an unscored row too, with no word on how its target would be scored; a
    yes/no target answered 是, or a year answered with that year, is an answer, not a copy."""
    rows = (row("道路交通设施", "降低村民出行和农产品运输成本", "降低村民出行和农产品运输成本", None, None),
            row("新建道路", "2公里", "2公里", None, None), row("评审程序是否公正", "是", "是", "10", "10"),
            row("完成时间", "2021年", "2021年", None, None), *CONSISTENT[:2])
    result = run(table(*rows, budget=FULL), NATIONAL)
    assert {("missing_weight", 1), ("actual_repeats_target", 1), ("missing_weight", 2)} <= codes(result, "warning")
    assert not {("target_without_sign", 2), ("actual_repeats_target", 2), ("actual_repeats_target", 3),
                ("actual_repeats_target", 4)} & codes(result)


def test_a_blank_row_is_never_a_zero() -> None:
    rows = (*CONSISTENT[:2], attrs.evolve(CONSISTENT[2], actual="", self_score=None))
    result = run(table(*rows, budget=FULL), NATIONAL)
    assert ("row_unfilled", 3) in codes(result, "warning")
    assert result.total == D("70.00")
    left = next(f for f in result.findings if f.code == "rows_not_scored")
    assert "最多为 100.00" in left.message


def test_an_unreadable_score_is_an_error_on_its_row_and_the_rest_is_scored() -> None:
    rows = (attrs.evolve(CONSISTENT[0], weight=None, unreadable={"分值": "IO"}), *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL, total="100"), NATIONAL)
    bad = [f for f in result.findings if f.code == "unreadable_cell"]
    assert [(f.severity, f.row) for f in bad] == [("error", 1)] and "「IO」" in bad[0].message
    assert result.total == D("50.00")
    assert ("rows_not_scored", None) in codes(result)
    assert ("weights_not_100", None) not in codes(result)  # the weights cannot be summed


def test_not_applicable_rows_are_left_out_and_the_rest_rescaled_to_100() -> None:
    na = row("回收率", "≥95%", "/", None, None, unreadable={"分值": "/", "得分": "/"})
    rows = (row("培训人次", "≥100人次", "120人次", "40", "40"), na, *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL, total="100"), NATIONAL)
    assert ("not_applicable", 2) in codes(result, "info")
    assert not codes(result, "error")  # no 没有填写分值 alarm on a "/" row
    assert result.total == D("100.00")
    rows = (row("培训人次", "≥100人次", "60人次", "40", "24", reason="疫情"), na, *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL, total="84"), NATIONAL)
    assert result.total == D("82.22")  # (24+10+30+10) / 90 × 100


def test_a_rate_printed_wrong_is_an_error_at_the_printed_precision() -> None:
    block = BudgetBlock(None, D("310.2"), D("249.56"), D(10), "100%", D(10))
    result = run(table(*CONSISTENT, budget=block), NATIONAL)
    rate = next(f for f in result.findings if f.code == "rate_differs")
    assert rate.severity == "error" and rate.row == 0 and "80.45%" in rate.message
    for printed in ("80.45%", "80.4%", "80%", "0.8045", "80.45"):
        ok = run(table(*CONSISTENT, budget=attrs.evolve(block, self_rate=printed)), NATIONAL)
        assert ("rate_differs", 0) not in codes(ok), printed


def test_a_fund_row_against_its_parts() -> None:
    part = FundPart("当年财政拨款", D(90), D(90), D("89.974"))
    block = BudgetBlock(D(0), D(0), D(0), D(10), "0", D(0), parts=(part,))
    result = run(table(*CONSISTENT, budget=block), NATIONAL)
    funds = [f for f in result.findings if f.code == "fund_parts_mismatch"]
    assert funds and all(f.severity == "error" for f in funds) and "89.974" in funds[1].message


def test_claimed_total_above_what_the_rows_allow() -> None:
    rows = (row("培训人次", "≥100人次", "120人次", "44", "44"), *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL, total="98"), NATIONAL)
    assert ("claimed_above_max", None) in codes(result, "error")
    assert ("weights_not_100", None) in codes(result, "error")


def test_full_marks_on_a_missed_target_and_on_a_broken_ceiling() -> None:
    rows = (row("培训人次", "≥100人次", "80人次", "25", "25"), row("单位成本", "≤30万元", "33万元", "25", "25"),
            *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL), NATIONAL)
    assert {("full_marks_when_missed", 1), ("ceiling_broken_full_marks", 2)} <= codes(result, "warning")
    assert ("score_differs", 1) not in codes(result)  # said once, by the specific finding


def test_points_taken_off_a_met_target_and_a_reason_that_says_nothing() -> None:
    rows = (row("培训人次", "≥100人次", "100人次", "50", "45", reason="0"), *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL), NATIONAL)
    assert {("deducted_when_met", 1), ("reason_is_placeholder", 1)} <= codes(result, "warning")


def test_placeholders_and_boilerplate_actuals() -> None:
    rows = (row("培训人次", "≥**人次", "达成预期指标", "25", "25"), row("项目数量", "≥50个", "达成预期指标", "25", "25"),
            *CONSISTENT[1:])
    result = run(table(*rows, budget=FULL), NATIONAL)
    assert {("placeholder", 1), ("boilerplate_actual", 2)} <= codes(result, "warning")


def test_low_spending_while_every_output_scores_full() -> None:
    block = BudgetBlock(D(100), D(100), D(20), D(10), "20%", D(2))
    result = run(table(*CONSISTENT, budget=block), NATIONAL)
    assert ("spending_low_outputs_full", 0) in codes(result, "warning")


def test_execution_scored_inside_management_is_not_scored_twice() -> None:
    """宁夏 决策/管理/产出/效益: 预算执行率 is an indicator under 管理, the fund block has no 分值."""
    rows = (row("预算执行率", "=100%", "100%", "10", "10", level1="管理"), row("培训人次", "≥100人次", "120人次", "90", "90"))
    block = BudgetBlock(D(100), D(100), D(100), None, "100%", None)
    result = run(table(*rows, budget=block, total="100"), NATIONAL)
    assert result.total == D("100.00")
    assert ("execution_inside_level", 0) in codes(result, "info")
    twice = run(table(*rows, budget=attrs.evolve(block, weight=D(10), self_score=D(10))), NATIONAL)
    assert ("execution_scored_twice", 1) in codes(twice, "warning") and twice.total == D("100.00")


def test_sichuan_asks_for_a_reason_below_90_percent() -> None:
    block = BudgetBlock(D(100), D(100), D(85), D(10), "85%", D("8.5"))
    result = run(table(*CONSISTENT, budget=block, unit="青神县教育局"))
    assert result.ruleset.id == "sichuan"
    assert ("execution_reason_missing", 0) in codes(result, "warning")


def test_hubei_bands_and_a_form_without_row_points() -> None:
    rows = (row("带动效果", "效果明显", "部分达成", None, "5", level1="效益指标"),)
    block = BudgetBlock(D(100), D(100), D(90), D(20), "90%", D(18))
    result = run(table(*rows, budget=block, unit="襄阳市中心医院"))
    assert result.ruleset.id == "hubei"
    assert ("no_weight_column", None) in codes(result, "info")
    assert next(r for r in result.rows if r.row == 0).score == D(18)  # 20 × 90%


def test_a_consistent_table_has_no_error_finding() -> None:
    result = run(table(*CONSISTENT, budget=FULL, total="100"), NATIONAL)
    assert not codes(result, "error") and result.total == D("100.00")


def test_a_table_as_printed_reads_from_toml(tmp_path: Path) -> None:
    """Cells as printed strings: an OCR'd 分值, 其中 rows, unprinted 一级 names, a split target."""
    from perfrules.readers import read_submission

    path = tmp_path / "t.toml"
    path.write_text("""
"单位名称" = "某镇人民政府"
"项目名称" = "委托业务项目"
"类型" = "项目支出"
"年度" = 2022
"总分" = "100"
"自评总分" = "98"
["预算执行"]
"全年预算数" = "0"
"全年执行数" = "0"
"分值" = "10"
"得分" = "0"
[["预算执行"."其中"]]
"名称" = "本年财政拨款"
"全年预算数" = "90"
"全年执行数" = "89.974万元"
[["指标"]]
"一级指标" = "（50分）"
"二级指标" = "数量指标"
"三级指标" = "委托业务项目数量"
"指标性质" = "≥"
"指标值" = "50"
"度量单位" = "个"
"实际完成值" = "50"
"分值" = "IO"
"得分" = "8"
[["指标"]]
"一级指标" = "（30分）"
"二级指标" = "社会效益指标"
"三级指标" = "影响"
"年度指标值" = "效果明显"
"实际完成值" = "达成预期指标"
"分值" = "30"
"得分" = "30"
""", encoding="utf-8")
    sub = read_submission(str(path))
    first, second = sub.indicators
    assert (first.level1, first.level1_inferred, first.target) == ("产出指标", True, "≥50个")
    assert first.weight is None and first.unreadable == {"分值": "IO"} and first.self_score == D(8)
    assert second.level1 == "效益指标" and dict(sub.level_weights) == {"产出指标": D(50), "效益指标": D(30)}
    assert sub.budget is not None and sub.budget.parts[0].executed == D("89.974")
    assert sub.header["项目名称"] == "委托业务项目" and sub.self_total == D(98)
    result = run(sub)
    assert ("unreadable_cell", 1) in codes(result, "error")
    assert ("fund_parts_mismatch", 0) in codes(result, "error")
    assert ("level_inferred", None) in codes(result, "info")
    assert ("level_weight_mismatch", None) not in codes(result)  # the 产出 block has an unreadable 分值


def structure(**amounts: str) -> Submission:
    return attrs.evolve(table(*CONSISTENT, budget=FULL, total="100", kind="部门整体支出"),
                        extra={f"资金构成.{k}": v for k, v in amounts.items()})


def test_fund_structure_two_splits_of_one_budget() -> None:
    """衡山 as filed: each split adds up, but 按支出性质分 is 104.45 short of 按收入性质分 (and of
    全年预算数/执行数); the seed's 9999.81 both ways is consistent."""
    hengshan = run(structure(按收入性质分="2030.12", 按支出性质分="1925.67", 一般公共预算="1325.68",
                             政府性基金拨款="118.82", 纳入专户管理的非税收入拨款="", 其他资金="585.62",
                             基本支出="900.47", 项目支出="1025.20"))
    found = [f for f in hengshan.findings if f.code == "fund_structure_differs"]
    assert [(f.severity, f.row) for f in found] == [("warning", 0)]
    assert "按收入性质分 2030.12万元，按支出性质分 1925.67万元，相差 104.45万元" in found[0].message
    seed = run(structure(按收入性质分="9999.81", 按支出性质分="9999.81", 一般公共预算="5448.08",
                         政府性基金拨款="4533.93", 其他资金="17.8", 基本支出="358.79", 项目支出="9641.02"))
    assert "fund_structure_differs" not in {f.code for f in seed.findings}
    parts = run(structure(按支出性质分="100", 基本支出="30", 项目支出="60"))
    assert [f.message for f in parts.findings if f.code == "fund_structure_differs"] == [
        "资金构成按支出性质分 100万元，其下各项合计 90万元（基本支出 30＋项目支出 60）"]


def test_a_blank_level1_cell_is_inferred_from_its_level2_and_not_merged_above() -> None:
    """鄂州 2019: 社会效益指标 printed under a blank 一级 cell below the 产出指标 block."""
    from perfrules.readers.levels import name_levels, strays

    assert strays("产出指标", "社会效益指标") and strays("产出指标(50分)", "服务对象满意度指标")
    assert not strays("产出目标", "数量目标") and not strays("效益指标", "服务对象满意度指标")
    assert not strays("（50分）", "社会效益指标") and not strays("项目管理", "资金管理")
    rows = (row("人数", "100人", "100人", "10", "10"),
            attrs.evolve(row("运行效率", "≥80%", "≥80%", "15", "15", level1=""), level2="社会效益指标"))
    named, _ = name_levels(rows)
    assert [(r.level1, r.level1_inferred) for r in named] == [("产出指标", False), ("效益指标", True)]


def test_a_row_printed_with_no_name_is_called_so_in_messages() -> None:
    """稷山 2021 prints two rows with no 三级指标 and no 一级/二级 text: a message says so
    rather than quoting an empty 「」."""
    nameless = IndicatorRow("", "", "", "116次", "150次", D(1), D(1), "")
    result = run(table(nameless, *CONSISTENT, budget=FULL), NATIONAL)
    signless = next(f for f in result.findings if f.code == "target_without_sign")
    assert signless.row == 1 and "「未写指标名称」" in signless.message and "「」" not in signless.message


def test_an_execution_score_filed_with_no_points_of_its_own_is_the_units() -> None:
    """长江禁捕 2020 (湖北 form: 得分（20分*执行率）, rows with 得分 and no 分值): the fund
    block's 得分 stands as the unit's, so its 总分 adds up and no error is raised."""
    rows = (row("补贴渔船数", "6", "6", None, "20"), row("渔船补贴发放率", "100%", "100%", None, "60"))
    block = BudgetBlock(None, D("1.56"), D("1.56"), None, "1", D(20))
    result = run(table(*rows, budget=block, total="100"), NATIONAL)
    assert result.total == D("100.00") and not codes(result, "error")
    assert result.rows[0].row == 0 and result.rows[0].method == "self_assessed"
    assert ("no_weight_column", None) in codes(result, "info") and ("execution_unweighted", 0) not in codes(result)


def test_a_level_whose_rows_print_no_points_is_not_summed_against_its_header() -> None:
    """保山 2022 prints 产出指标(60分) over rows with 得分 and no 分值: 0 against 60 is no
    contradiction.  A sum already above the header is one, whatever the missing rows hold."""
    rows = (row("慰问人数", "100%", "100%", None, "20"), row("拨付率", "100%", "100%", None, "40"))
    sub = attrs.evolve(table(*rows, budget=FULL, total="70"), level_weights={"产出指标": D(60)})
    assert ("level_weight_mismatch", None) not in codes(run(sub, NATIONAL))
    over = attrs.evolve(sub, indicators=(row("慰问人数", "100%", "100%", "70", "70"), rows[1]))
    assert ("level_weight_mismatch", None) in codes(run(over, NATIONAL), "error")


def test_points_taken_from_a_met_target_with_no_reason_say_so() -> None:
    result = run(table(row("培训人次", "≥100人次", "120人次", "50", "45"), *CONSISTENT[1:], budget=FULL), NATIONAL)
    met = next(f for f in result.findings if f.code == "deducted_when_met")
    assert met.message.endswith("自评却扣了 5 分，且未说明原因")
