"""The jurisdiction chain, provenance, author commands and the cases beside each ruleset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEED, cli

from perfrules.errors import PerfrulesError
from perfrules.ruleset.loader import load_ruleset, load_ruleset_text

DISTRICT = "hunan/zhuzhou/lusong/2023"
ROOT = Path(__file__).resolve().parent.parent


def test_every_bundled_ruleset_passes_its_cases_and_uses_every_rule() -> None:
    res = cli("test")
    assert res.code == 0, res.out
    assert "失败 0 个" in res.out
    for rid in ("national/cz2020-10", "national/cz2021-101", "hunan", "hunan/zhuzhou", DISTRICT):
        assert f"{rid}（" in res.out
    assert "没有用例用到的规则" not in res.out


def test_a_broken_case_fails_with_its_file_and_line(tmp_path: Path) -> None:
    ruleset = tmp_path / "r.toml"
    ruleset.write_text(f'id = "t"\nextends = "{DISTRICT}"\nname = "测试"\n', encoding="utf-8")
    (tmp_path / "r.cases.toml").write_text(
        '[[cases]]\nname = "故意写错的期望"\n'
        'rows = [{ "一级指标" = "产出指标", "三级指标" = "甲", "年度指标值" = "≥10个", "实际完成值" = "5个", "分值" = 10 }]\n'
        'total = "6.00"\nexplanations = [{ row = 1, points_lost = "4", rule = "quantitative-negative" }]\n',
        encoding="utf-8")
    res = cli("test", str(ruleset))
    assert res.code == 1
    assert f"✗ 故意写错的期望（{tmp_path / 'r.cases.toml'}:1）" in res.out
    assert "期望总分 6.00，实际 5.00" in res.out
    assert "第 1 条失分说明：期望失分「4」，实际「5」" in res.out
    assert "第 1 条失分说明：期望规则「quantitative-negative」，实际「quantitative-positive」" in res.out


def test_resolved_view_shows_each_settings_layer() -> None:
    res = cli("ruleset", "show", DISTRICT, "--resolved")
    assert res.code == 0
    assert "产出指标 40    ← hunan/zhuzhou/lusong/2023" in res.out
    assert "预算执行率 10    ← national/cz2020-10" in res.out
    assert "1. cost-ceiling「成本指标（反向：≤、<）」    ← national/cz2021-101" in res.out


def test_explanations_carry_the_layer_and_a_structured_citation() -> None:
    data = json.loads(cli("score", str(SEED), "--format", "json").out)
    (entry,) = data["explanations"]
    assert entry["layer"] == "national/cz2020-10"
    assert entry["citation"] == {"number": "财预〔2020〕10号", "title": "项目支出绩效评价管理办法",
                                 "article": "自评表注（定性指标）", "evidence": "表式附注原文",
                                 "layer": "national/cz2020-10", "issued": "2020-02"}


def test_list_and_diff() -> None:
    listed = cli("ruleset", "list")
    assert listed.code == 0 and DISTRICT in listed.out and "national/cz2021-101" in listed.out
    diff = cli("ruleset", "diff", "national/cz2020-10", DISTRICT)
    assert "一级指标分值「产出指标」：50 → 40" in diff.out
    assert "新增规则 cost-ceiling" in diff.out


def test_one_weight_changed_rescores_the_seed_and_compare_explains_it(tmp_path: Path) -> None:
    text = (ROOT / "rulesets/hunan/zhuzhou/lusong/2023.toml").read_text(encoding="utf-8")
    text = text.replace('"效益指标" = 20', '"效益指标" = 25').replace('"成本指标" = 20', '"成本指标" = 15')
    text = text.replace(f'id = "{DISTRICT}"', 'id = "test/benefit-25"')
    copy = tmp_path / "benefit-25.toml"
    copy.write_text(text, encoding="utf-8")
    data = json.loads(cli("score", str(SEED), "--ruleset", str(copy), "--format", "json").out)
    assert data["total"] == "97.50"
    res = cli("score", str(SEED), "--compare", str(copy))
    assert "总分  A 98.00（优）  B 97.50（优）  差 -0.50" in res.out
    assert "A 8.00  B 10.00（分值 10 → 12.5）" in res.out
    assert "一级指标「效益指标」分值 A 20，B 25" in res.out
    assert "B：失 2.5 分（qualitative" in res.out


def test_the_right_ruleset_by_jurisdiction_and_year(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    res = cli("score", str(SEED))
    assert f"→ {DISTRICT}" in res.err
    older = tmp_path / "2022.toml"
    older.write_text(text.replace('"年度" = 2023', '"年度" = 2022'), encoding="utf-8")
    res = cli("score", str(older))
    assert "→ hunan/zhuzhou）" in res.err  # no 芦淞区 ruleset for 2022: the city's applies
    res = cli("score", str(older), "--ruleset", DISTRICT)
    assert "规则集：" not in res.err


PARENT = '''id = "p"
name = "上级"
[documents.d]
title = "文件"
[rounding]
places = 2
mode = "half_up"
[weights]
"产出指标" = 100
[[rules]]
id = "r"
text = "实际值 ≥ 目标值 → 满分"
binding = {binding}
cite = {{ document = "d", evidence = "text" }}
'''


def _chain(tmp_path: Path, child: str, binding: str = "false") -> PerfrulesError:
    (tmp_path / "p.toml").write_text(PARENT.format(binding=binding), encoding="utf-8")
    with pytest.raises(PerfrulesError) as info:
        load_ruleset_text(child, str(tmp_path / "c.toml"), search=(str(tmp_path),))
    return info.value


def test_a_child_cannot_silently_replace_a_parents_rule(tmp_path: Path) -> None:
    child = 'id = "c"\nextends = "p"\n[[rules]]\nid = "r"\ntext = "满分"\ncite = { document = "d", evidence = "text" }\n'
    err = _chain(tmp_path, child)
    assert err.render().startswith(f"{tmp_path / 'c.toml'}:4:6: 错误：规则「r」与上级规则集「p」的同名规则冲突（{tmp_path / 'p.toml'}:10:3）")
    assert "override = true" in err.render()


def test_a_binding_rule_cannot_be_overridden(tmp_path: Path) -> None:
    child = 'id = "c"\nextends = "p"\n[[rules]]\nid = "r"\noverride = true\ntext = "满分"\ncite = { document = "d", evidence = "text" }\n'
    err = _chain(tmp_path, child, binding="true")
    assert "已被上级规则集「p」定为约束性规定" in err.message


def test_removing_a_parents_rule_needs_a_reason_and_is_shown(tmp_path: Path) -> None:
    err = _chain(tmp_path, 'id = "c"\nextends = "p"\n[[remove]]\nrule = "r"\n')
    assert err.message == "删除上级规则必须写明理由 reason"
    (tmp_path / "c.toml").write_text('id = "c"\nextends = "p"\n[[remove]]\nrule = "r"\nreason = "本地不适用"\n', encoding="utf-8")
    rs = load_ruleset(str(tmp_path / "c.toml"), search=(str(tmp_path),))
    assert rs.rules == ()
    assert "removed.r" in rs.origins


def test_cycles_and_missing_parents(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('id = "a"\nextends = "b"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('id = "b"\nextends = "a"\n', encoding="utf-8")
    with pytest.raises(PerfrulesError) as info:
        load_ruleset(str(tmp_path / "a.toml"), search=(str(tmp_path),))
    assert "规则集继承成环" in info.value.message
    with pytest.raises(PerfrulesError) as info:
        load_ruleset_text('id = "x"\nextends = "nowhere"\n', "x.toml")
    assert info.value.message == "找不到上级规则集「nowhere」"
    assert info.value.position.line == 2
