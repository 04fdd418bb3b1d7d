"""Rulesets through Excel: export a layer to a workbook, edit it as staff would, import it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import DISTRICT, ROOT, SEED, cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from perfrules.errors import PerfrulesError, PerfrulesErrors
from perfrules.ruleset.loader import load_ruleset, ruleset_index
from perfrules.rulesetbook import export_workbook, import_workbook
from perfrules.rulesetbook.export import visible
from perfrules.ruleset.model import Ruleset


def _resolved(rs: Ruleset) -> Ruleset:
    return attrs.evolve(rs, source=None)


def _round_trip(ref: str, tmp_path: Path) -> Path:
    book = tmp_path / "rules.xlsx"
    export_workbook(ref, str(book))
    out = tmp_path / "out" / "ruleset.toml"
    import_workbook(str(book), str(out))
    return out


@pytest.mark.parametrize("ruleset_id", sorted(ruleset_index()))
def test_every_bundled_ruleset_round_trips_to_the_same_resolved_ruleset(ruleset_id: str, tmp_path: Path) -> None:
    out = _round_trip(ruleset_id, tmp_path)
    assert _resolved(load_ruleset(str(out))) == _resolved(load_ruleset(ruleset_id))
    assert cli("check", str(out)).code == 0
    original, copy = cli("test", ruleset_id), cli("test", str(out))
    assert copy.code == 0, copy.out + copy.err
    assert original.out.splitlines()[-1] == copy.out.splitlines()[-1]  # 通过 N 个，失败 0 个: same cases ran


def _edit(book: Path, sheet: str, find: str, column: int, value: Any) -> None:
    wb = load_workbook(book)
    ws = wb[sheet]
    row = next(r for r in ws.iter_rows() if r[0].value == find)
    row[column].value = value
    wb.save(book)


def test_an_edited_weight_rescores_the_seed(tmp_path: Path) -> None:
    book = tmp_path / "lusong.xlsx"
    export_workbook(DISTRICT, str(book))
    _edit(book, "分值", "成本指标", 1, 15)
    _edit(book, "分值", "效益指标", 1, 25)
    _edit(book, "基本信息", "id", 2, "test/lusong-edited")
    out = tmp_path / "edited.toml"
    assert import_workbook(str(book), str(out)) == [str(out), str(tmp_path / "edited.cases.toml")]
    assert '"成本指标" = 15' in out.read_text(encoding="utf-8")
    before = json.loads(cli("score", str(SEED), "--format", "json").out)
    after = json.loads(cli("score", str(SEED), "--ruleset", str(out), "--format", "json").out)
    assert (before["total"], after["total"]) == ("98.00", "97.50")
    assert cli("test", str(out)).code == 0


def test_weights_that_no_longer_total_100_are_reported_at_the_weights_sheet(tmp_path: Path) -> None:
    book = tmp_path / "lusong.xlsx"
    export_workbook(DISTRICT, str(book))
    _edit(book, "分值", "成本指标", 1, 15)
    with pytest.raises(PerfrulesError) as caught:
        import_workbook(str(book), str(tmp_path / "x.toml"))
    text = caught.value.render()
    assert "（分值!A1）: 错误：一级指标分值合计应为 100，实际是 95" in text
    assert not (tmp_path / "x.toml").exists()


def test_an_edited_case_expectation_makes_the_cases_fail(tmp_path: Path) -> None:
    book = tmp_path / "lusong.xlsx"
    export_workbook(DISTRICT, str(book))
    wb = load_workbook(book)
    ws = wb["用例"]
    ws["D2"].value = "9.00"  # 期望总分 of the first case: really 8.00
    wb.save(book)
    out = tmp_path / "edited.toml"
    import_workbook(str(book), str(out))
    res = cli("test", str(out))
    assert res.code == 1
    assert "期望总分 9.00，实际 8.00" in res.out


def _problems(err: PerfrulesError) -> list[PerfrulesError]:
    return err.errors if isinstance(err, PerfrulesErrors) else [err]


def test_every_problem_is_reported_at_its_cell_in_one_run(tmp_path: Path) -> None:
    book = tmp_path / "cz.xlsx"
    export_workbook("national/cz2020-10", str(book))
    wb = load_workbook(book)
    rules = wb["规则"]
    row = next(r for r in rules.iter_rows() if r[0].value == "quantitative-positive")
    row[7].value = "实际值 ≥ 目标值 → 满份；否则 → 分值 × 实际值 ÷ 目标值"
    row[7].data_type = "s"
    rules.cell(row=1, column=16, value="负责人")
    rules.cell(row=2, column=16, value="张三")
    row[8].value = "cz2020-1O"  # 出处：文件, letter O for zero
    wb["分值"]["B3"].value = "五十"
    wb["基本信息"]["C6"].value = "2020年"  # 适用年度
    wb["基本信息"]["C11"].value = "=1+1"  # 舍入位数 as a formula: one problem, not a cascade
    wb.save(book)
    with pytest.raises(PerfrulesError) as caught:
        import_workbook(str(book), str(tmp_path / "x.toml"))
    found = {p.position.cell: p for p in _problems(caught.value)}
    text = caught.value.render()
    assert set(found) == {f"规则!H{row[0].row}", f"规则!I{row[0].row}", "规则!P1", "规则!P2", "分值!B3",
                          "基本信息!C6", "基本信息!C11"}, text
    assert len(_problems(caught.value)) == 7
    assert "你是否想写「cz2020-10」？" in text
    assert "未知的名称「满份」" in found[f"规则!H{row[0].row}"].message
    assert "你是否想写「满分」？" in text
    assert f"（规则!H{row[0].row}）: 错误：" in text and "^^" in text  # the caret under 满份
    assert found["规则!P1"].message == "「规则」表中未知的列「负责人」"
    assert found["分值!B3"].message == "「分值」应当是数字"
    assert found["基本信息!C6"].message == "「适用年度」应当是整数"


def test_formula_injection_stays_text_and_formulas_are_refused(tmp_path: Path) -> None:
    source = (ROOT / "rulesets/national/cz2020-10.toml").read_text(encoding="utf-8")
    hostile = source.replace('name = "预算执行率"', 'name = "=HYPERLINK(\\"http://x\\",\\"点我\\")"')
    hostile = hostile.replace('issuer = "财政部"\nissued = "2020-02"', 'issuer = "+财政部\\u0001"\nissued = "2020-02"', 1)
    path = tmp_path / "hostile.toml"
    path.write_text(hostile.replace('id = "national/cz2020-10"', 'id = "test/hostile"'), encoding="utf-8")
    book = tmp_path / "hostile.xlsx"
    export_workbook(str(path), str(book))
    wb = load_workbook(book)
    name = next(r[1] for r in wb["规则"].iter_rows() if r[0].value == "execution")
    assert (name.value, name.data_type) == ('=HYPERLINK("http://x","点我")', "s")
    issuer = wb["文件"]["D2"]
    assert (issuer.value, issuer.data_type) == ("+财政部␁", "s")
    assert wb["分值"]["B2"].data_type == "n"  # weights stay numbers
    wb["规则"]["B2"].value = "=1+1"  # typed by a user: a real formula
    wb.save(book)
    with pytest.raises(PerfrulesError) as caught:
        import_workbook(str(book), str(tmp_path / "x.toml"))
    assert caught.value.position.cell == "规则!B2"
    assert "「名称」是公式：导入时不计算公式" in caught.value.message


def test_a_value_the_workbook_cannot_hold_is_refused_at_export(tmp_path: Path) -> None:
    text = (ROOT / "rulesets/national/cz2020-10.toml").read_text(encoding="utf-8")
    path = tmp_path / "odd.toml"
    path.write_text(text.replace('name = "财政部', 'cases = ["x"]\nname = "财政部', 1), encoding="utf-8")
    with pytest.raises(PerfrulesError) as caught:
        export_workbook(str(path), str(tmp_path / "odd.xlsx"))
    assert "「cases」在工作簿中没有对应的格子" in caught.value.render()
    assert (caught.value.position.line, caught.value.position.source_line) == (7, 'cases = ["x"]')
    assert not (tmp_path / "odd.xlsx").exists()


def test_huge_and_broken_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "cz.xlsx"
    export_workbook("national/cz2020-10", str(book))
    monkeypatch.setattr("perfrules.rulesetbook.reader.MAX_ROWS", 3)
    with pytest.raises(PerfrulesError) as caught:
        import_workbook(str(book), str(tmp_path / "x.toml"))
    assert any("行数过多（超过 3 行）" in p.message for p in _problems(caught.value))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(PerfrulesError, match="文件已损坏"):
        import_workbook(str(broken), str(tmp_path / "x.toml"))


def test_the_cli_exports_and_imports(tmp_path: Path) -> None:
    book, out = tmp_path / "l.xlsx", tmp_path / "l.toml"
    assert cli("ruleset", "export", DISTRICT, "-o", str(book)).out == f"已导出到 {book}\n"
    res = cli("ruleset", "import", str(book), "-o", str(out))
    assert (res.code, res.out) == (0, f"已写出 {out}\n已写出 {tmp_path / 'l.cases.toml'}\n")
    wb = load_workbook(book)
    wb["规则"]["A1"].value = "编码"
    wb.save(book)
    res = cli("ruleset", "import", str(book), "-o", str(out))
    assert res.code == 2
    assert "（规则!A1）: 错误：「规则」表中未知的列「编码」" in res.err
    assert "你是否想写「编号」？" in res.err


def test_the_bench_ruleset_with_a_form_round_trips(tmp_path: Path) -> None:
    ref = str(ROOT / "bench/workload-ruleset.toml")
    out = _round_trip(ref, tmp_path)
    assert _resolved(load_ruleset(str(out))) == _resolved(load_ruleset(ref))
    assert len(load_ruleset(str(out)).form) == 20
    assert not (out.parent / "ruleset.cases.toml").exists()  # it has none: an empty 用例 sheet writes nothing


EVERY_KEY = '''
id = "test/every-key"
extends = "national/cz2020-10"
name = "每个键都用到的规则集"
jurisdiction = "测试省"
year = 2024
kind = "项目支出"
version = "2024.1"
note = "说明：含 \\"引号\\"、反斜杠 \\\\ 和换行\\n第二行"
binding = ["rounding", "weights.产出指标"]

[documents.local]
number = "测财〔2024〕1号"
title = "测试办法"
issuer = "测试厅"
issued = "2024-01"
effective = "2024-02-01"
note = "备注"

[rounding]
places = 1
mode = "四舍五入"
cite = { document = "local", article = "第三条", evidence = "text", note = "保留一位" }

[weights]
"产出指标" = 45.5
"效益指标" = 34.5
cite = { document = "local", article = "第四条", evidence = "practice" }

[[grades]]
name = "优"
range = "[85, 100]"

[[grades]]
name = "合格"
range = "[0, 85)"

[grade_words]
"达成" = ["全部完成", "已完成"]

[[remove]]
rule = "period"
reason = "本地不设时间类指标"

[[rules]]
id = "local-benefit"
name = "效益指标（本地）"
applies = { kind = ["quantitative", "qualitative"], level1 = ["效益指标"], level2 = "社会效益指标", name = ["满意率", "覆盖率"] }
text = "全部完成 → 满分；否则 → [0, 100%)"
cite = { document = "local", article = "第五条", evidence = "text", note = "" }
binding = true
note = "本地规则"

[[rules]]
id = "qualitative"
name = "定性指标（本地替换）"
applies = { kind = "qualitative" }
text = "达成 → [80%, 100%]；部分达成 → [60%, 80%)；未达成 → [0, 60%)"
cite = { document = "local", article = "第六条", evidence = "recalled" }
override = true

[[form]]
key = "I01"
level1 = "效益指标"
level2 = "社会效益指标"
name = "满意率"
target = "全部完成"
weight = 7.5
rule = "local-benefit"
note = "表式行"
'''


def test_every_key_a_ruleset_can_have_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "every.toml"
    path.write_text(EVERY_KEY, encoding="utf-8")
    (tmp_path / "every.cases.toml").write_text(
        'include = ["every-parent.cases.toml"]\n'
        '[[cases]]\nname = "预算"\nbudget = { "全年预算数" = "100", "全年执行数" = 90, "分值" = 10.5, "得分" = 9 }\n'
        'total = 9.5\nexplanations = [{ row = 0, points_lost = 1, rule = "execution" }]\nno_findings = ["rate_differs"]\n'
        'note = "无行的用例"\n', encoding="utf-8")
    (tmp_path / "every-parent.cases.toml").write_text("", encoding="utf-8")
    book = tmp_path / "every.xlsx"
    export_workbook(str(path), str(book))
    out = tmp_path / "out" / "copy.toml"
    import_workbook(str(book), str(out))
    assert _resolved(load_ruleset(str(out))) == _resolved(load_ruleset(str(path)))
    assert tomllib_equal(out, path)
    cases = (tmp_path / "out" / "copy.cases.toml").read_text(encoding="utf-8")
    assert 'include = ["../every-parent.cases.toml"]' in cases
    assert 'budget = { "全年预算数" = "100", "全年执行数" = 90, "分值" = 10.5, "得分" = 9 }' in cases


def tomllib_equal(a: Path, b: Path) -> bool:
    """The layer as written comes back key for key, but for what a cell cannot tell apart:
    an empty text is a blank cell, and a one-item list is that item."""
    import tomllib
    from decimal import Decimal

    left = tomllib.loads(a.read_text(encoding="utf-8"), parse_float=Decimal)
    right = tomllib.loads(b.read_text(encoding="utf-8"), parse_float=Decimal)
    right["rules"][0]["cite"].pop("note")
    right["rules"][0]["applies"]["level1"] = "效益指标"
    return left == right


_CELLS = st.one_of(st.none(), st.text(max_size=30), st.integers(-10**6, 10**6), st.booleans(),
                   st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["=1+1", "是", "[0, 60)", "达成"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["基本信息", "文件", "分值", "等级", "等级同义词", "规则", "删除规则", "表式", "用例", "用例失分"]),
                                st.integers(1, 8), st.integers(1, 17), _CELLS), min_size=1, max_size=6))
def test_any_edit_either_imports_or_is_an_input_error(edits: list[tuple[str, int, int, Any]], tmp_path: Path) -> None:
    book = tmp_path / "fuzz.xlsx"
    if not book.exists():
        export_workbook(DISTRICT, str(book))
    wb = load_workbook(book)
    for sheet, row, col, value in edits:
        cell = wb[sheet].cell(row=row, column=col)
        cell.value = visible(value) if isinstance(value, str) else value
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    try:
        import_workbook(str(edited), str(tmp_path / "out.toml"))
    except PerfrulesError as err:
        assert all(p.position.file == str(edited) for p in _problems(err)), err.render()
    else:
        assert cli("check", str(tmp_path / "out.toml")).code == 0
