"""The seed: the real 2023 自评表 of 董家塅片区管委会, scored under the 芦淞区 ruleset."""

from __future__ import annotations

import json
from pathlib import Path
from decimal import Decimal

from conftest import SEED, cli

from perfrules.explain import Result


def test_total_grade_and_self_reported(seed_result: Result) -> None:
    assert seed_result.total == Decimal("98.00")
    assert str(seed_result.total) == "98.00"
    assert seed_result.self_reported_total == Decimal("98")
    assert seed_result.grade == "优"
    assert seed_result.full_marks == 100
    assert seed_result.ruleset.chain == (
        "national/cz2020-10", "national/cz2021-101", "hunan", "hunan/zhuzhou", "hunan/zhuzhou/lusong/2023")


def test_every_row_score_and_method(seed_result: Result) -> None:
    got = [(r.row, r.score, r.method, r.rule) for r in seed_result.rows]
    d = Decimal
    assert got == [
        (0, d(10), "computed", "execution"),
        (1, d(5), "computed", "quantitative-positive"),
        (2, d(5), "computed", "quantitative-positive"),
        (3, d(5), "computed", "quantitative-positive"),
        (4, d(5), "computed", "quantitative-positive"),
        (5, d(10), "self_assessed", "qualitative"),
        (6, d(5), "computed", "quantitative-positive"),
        (7, d(5), "computed", "period"),
        (8, d(8), "self_assessed", "qualitative"),
        (9, d(10), "self_assessed", "qualitative"),
        (10, None, "blank", None),
        (11, None, "blank", None),
        (12, d(10), "computed", "quantitative-positive"),
        (13, d(5), "computed", "quantitative-positive"),
        (14, d(5), "computed", "quantitative-positive"),
        (15, d(10), "computed", "quantitative-positive"),
        (16, None, "blank", None),
        (17, None, "blank", None),
    ]


def test_the_two_points_lost_on_economic_benefit(seed_result: Result) -> None:
    (entry,) = seed_result.explanations
    assert entry.points_lost == 2
    assert entry.level2 == "经济效益指标"
    assert entry.row == 8
    assert entry.reason == "经济大环境形式不乐观，投资、消费减少。加强招商力度，力争企业投资入驻。"
    assert entry.rule == "qualitative"
    assert entry.rule_text == "达成 → [80%, 100%]"
    assert entry.citation.number == "财预〔2020〕10号"
    assert entry.citation.layer == "national/cz2020-10"
    assert entry.values["区间"] == "[8, 10]"
    assert entry.location is not None and entry.location.line == 132
    assert seed_result.points_lost == 100 - seed_result.total_exact


def test_findings_an_auditor_must_see(seed_result: Result) -> None:
    found = {(f.row, f.code) for f in seed_result.findings}
    assert found == {
        (5, "actual_repeats_target"),  # 预期实现对园区发展的促进作用
        (6, "malformed_name"),  # 各项活动和工作开展的及时、准时度≥%，
        (6, "actual_is_claim"),
        (12, "actual_is_claim"),  # 满意率
        (13, "cost_direction"),
        (14, "cost_direction"),
        (15, "cost_direction"),  # 单位管理运营成本 ≥386万元
    }
    cost = next(f for f in seed_result.findings if f.row == 15)
    assert "得 9.43 分，失 0.57 分" in cost.message
    assert all(f.severity == "warning" for f in seed_result.findings)


def test_json_contract_from_the_cli() -> None:
    res = cli("score", str(SEED), "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["total"] == "98.00"
    assert data["self_reported_total"] == "98"
    assert data["grade"] == "优"
    assert data["ruleset"]["id"] == "hunan/zhuzhou/lusong/2023"
    lost = [e for e in data["explanations"]]
    assert sum(Decimal(e["points_lost"]) for e in lost) == 2
    assert {e["level2"] for e in lost} == {"经济效益指标"}
    assert lost[0]["reason"].startswith("经济大环境形式不乐观")
    assert lost[0]["document"] == "财预〔2020〕10号《项目支出绩效评价管理办法》"
    named = {f["indicator"] for f in data["findings"]}
    for name in ("各项活动和工作开展的及时、准时度≥%，", "满意率（%）", "单位管理运营成本", "预期实现对园区发展的促进作用"):
        assert name in named
    row = data["indicators"][1]
    assert set(row) >= {"level1", "level2", "name", "target", "actual", "weight", "score", "self_reported_score", "method"}
    assert row["score"] == "5.00" and row["weight"] == "5"
    for key in ("indicator", "points_lost", "rule", "clause", "document", "values", "reason"):
        assert key in lost[0]
    for key in ("indicator", "severity", "code", "message"):
        assert key in data["findings"][0]


def test_text_report_is_chinese_and_complete() -> None:
    res = cli("score", str(SEED))
    assert res.code == 0
    assert "复核总分 98.00（自评总分 98）  等级 优" in res.out
    assert "失 2.00 分" in res.out
    assert "偏差原因：经济大环境形式不乐观" in res.out
    assert "审核提示（7 条：错误 0，警告 7，提示 0）" in res.out


def test_lang_en_was_dropped_not_half_translated() -> None:
    res = cli("score", str(SEED), "--lang", "en")
    assert res.code == 2 and "--lang" in res.err


def test_installed_console_script_is_the_cli() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "perfrules"]
    assert ep.value == "perfrules.app.cli:main"
    main = ep.load()
    from perfrules.app import cli as module

    assert main is module.main


def test_grammar_ships_inside_the_installed_package() -> None:
    import importlib.resources

    grammar = importlib.resources.files("perfrules.rules").joinpath("grammar.lark").read_text(encoding="utf-8")
    assert "start:" in grammar


def _comparable(data: object) -> object:
    """The JSON result without where things were read from."""
    if isinstance(data, dict):
        return {k: _comparable(v) for k, v in data.items() if k not in ("location", "source", "reader", "selection")}
    if isinstance(data, list):
        return [_comparable(x) for x in data]
    return data


def test_word_excel_and_text_export_score_exactly_as_the_toml() -> None:
    base = json.loads(cli("score", str(SEED), "--format", "json").out)
    for name in ("report.txt", "submission.docx", "submission.xlsx"):
        path = SEED.parent / name
        res = cli("score", str(path), "--format", "json", "--ruleset", "hunan/zhuzhou/lusong/2023")
        assert res.code == 0, res.err
        data = json.loads(res.out)
        assert _comparable(data) == _comparable(base), name
        assert data["reader"] == {"report.txt": "text", "submission.docx": "docx", "submission.xlsx": "xlsx"}[name]


def test_the_report_names_its_district_so_the_ruleset_is_picked_for_it() -> None:
    for name in ("report.txt", "submission.docx"):
        res = cli("score", str(SEED.parent / name))
        assert res.code == 0, res.err
        assert "按文中出现的「芦淞区」推定" in res.err
        assert "复核总分 98.00（自评总分 98）" in res.out


def test_excel_without_a_district_is_scored_from_what_it_prints() -> None:
    """The .xlsx names no 辖区; its unit name says 株洲, so the 株洲 ruleset scores it, and says why."""
    res = cli("score", str(SEED.parent / "submission.xlsx"))
    assert res.code == 0, res.err
    assert "按文中出现的「株洲」推定" in res.err and "hunan/zhuzhou" in res.err


def test_import_then_score_round_trips(tmp_path: Path) -> None:
    for name in ("report.txt", "submission.docx", "submission.xlsx"):
        out = tmp_path / f"{name}.toml"
        res = cli("import", str(SEED.parent / name), "-o", str(out))
        assert res.code == 0, res.err
        assert "# 来源：" in out.read_text(encoding="utf-8")
        a = json.loads(cli("score", str(out), "--format", "json", "-r", "hunan/zhuzhou/lusong/2023").out)
        b = json.loads(cli("score", str(SEED), "--format", "json").out)
        assert _comparable(a) == _comparable(b), name
