"""Hardening, round 2 (issue 12): what a batch, a spreadsheet and a careless user broke.

One test (or a few) per item of the issue, each on the seed or on the inputs the issue
reproduced; the "Done when" batch runs here at a reduced size (tests/batchgen.py
generates it; run it at full size with ``python tests/hardening_batch.py``).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import attrs
import openpyxl
import pytest

from perfrules.app.batch import BatchResult, Failure, UnitSummary
from perfrules.errors import PerfrulesError, Position
from perfrules.explain import Result
from perfrules.ruleset.loader import _read_layer_text
from perfrules.render import render
from perfrules.render import summary as summary_render
from perfrules.render.cells import legal_text

from conftest import ROOT, SEED, cli

sys.path.insert(0, str(Path(__file__).resolve().parent))
import batchgen  # noqa: E402
import hardening_batch  # noqa: E402

HOSTILE = "=HYPERLINK(\"http://x\",\"y\")\x00\x01\x1b[31m"


def hostile_result(seed_result: Result) -> Result:
    """The seed with a unit's hostile text in the name, a row's name and every 偏差原因."""
    rows = tuple(attrs.evolve(r, reason=HOSTILE, name=r.name if i else "@SUM(A1)\x07") for i, r in
                 enumerate(seed_result.rows))
    explanations = tuple(e._replace(reason="+cmd|' /C calc'!A0\x02") for e in seed_result.explanations)
    return attrs.evolve(seed_result, unit="-2+3\x00单位", rows=rows, explanations=explanations,
                        selection="\tselected\x0b")


def formula_cells(data: bytes) -> list[str]:
    """Every cell of every sheet openpyxl reads back as a formula."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


# ------------------------------------------------------------------ 1 and 2: workbooks
def test_unit_workbook_keeps_hostile_text_as_text(seed_result: Result) -> None:
    data = render(hostile_result(seed_result), "xlsx")
    assert formula_cells(data) == []
    assert "<f>" not in sheet_xml(data)  # no formula element at all
    wb = openpyxl.load_workbook(io.BytesIO(data))
    table = wb["自评表"]
    reasons = [c.value for c in table["I"][1:] if c.value]
    assert reasons and all(v == '=HYPERLINK("http://x","y")␀␁␛[31m' for v in reasons)
    assert table["D2"].value == "@SUM(A1)␇" and table["D2"].data_type == "s"
    lost = wb["失分说明"]
    assert lost["J2"].value == "+cmd|' /C calc'!A0␂" and lost["J2"].data_type == "s"
    # numbers perfrules computed stay numbers
    assert lost["D2"].data_type == "n" and table["J3"].data_type == "n"


def test_legal_text_shows_what_it_replaced() -> None:
    assert legal_text("a\x00b\x1fc\ud800\uffff") == "a␀b␟c\\ud800\\uffff"
    assert legal_text("tab\tand\nline") == "tab\tand\nline"  # legal in a cell


def _batch_result(name: str, message: str) -> BatchResult:
    unit = UnitSummary("u1", "in/u1.toml", name, 2023, Decimal("95.5"), Decimal("97"), "优",
                       {"error": 0, "warning": 1, "info": 0}, {"json": "u1.json"}, 2, "=why()")
    failure = Failure("in/bad.toml", message, "toml", "in/bad.toml:1:1", "bad")
    return BatchResult(2, (unit,), (), (failure,), ("json",))


def test_summary_workbook_survives_control_characters_and_formulas() -> None:
    result = _batch_result("=cmd()\x01", "in/bad.toml:1:1: 错误：\x00\x01garbage")
    data = summary_render.render_xlsx(result)
    assert formula_cells(data) == []
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb["汇总"]["C2"].value == "=cmd()␁"
    assert wb["汇总"]["G2"].value == Decimal("-1.5") or wb["汇总"]["G2"].value == -1.5  # 复核 − 自评, a number
    assert wb["失败"]["D2"].value.endswith("␀␁garbage")


def test_batch_keeps_its_summary_when_an_input_holds_control_bytes(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(3):
        (inputs / f"u{i}.toml").write_text(batchgen.variant(SEED.read_text(encoding="utf-8"), i), encoding="utf-8")
    (inputs / "garbage.toml").write_bytes(b"\x00\x01garbage")
    res = cli("score", str(inputs), "-o", str(tmp_path / "out"), "-f", "xlsx", "-f", "json")
    assert res.code == 1, res.err
    data = (tmp_path / "out" / "summary.xlsx").read_bytes()
    fails = openpyxl.load_workbook(io.BytesIO(data))["失败"]
    assert fails["B2"].value.endswith("garbage.toml:1:1") and "␀␁garbage" in fails["D2"].value
    for report in (tmp_path / "out").glob("*.xlsx"):
        assert formula_cells(report.read_bytes()) == []


# ------------------------------------------------------------------ 3: --debug
def test_debug_is_accepted_after_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("score", str(SEED), "--debug").code == 0
    assert cli("--debug", "score", str(SEED)).code == 0

    def broken(*args: object, **kw: object) -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr("perfrules.render.render", broken)
    plain = cli("score", str(SEED))
    assert plain.code == 3 and "请加 --debug 重新运行" in plain.err
    with pytest.raises(RuntimeError, match="a bug"):
        cli("score", str(SEED), "--debug")


# ------------------------------------------------------------------ 4: control characters in errors
def test_error_lines_show_control_characters_and_keep_the_caret() -> None:
    line = 'name = "a\x00\x01\u202eb"'
    err = PerfrulesError("坏值", position=Position("f.toml", 1, 12, line))  # at U+202E
    text = err.render()
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u202e]", text)
    src, caret = text.splitlines()[1:3]
    assert src == '  1 | name = "a␀␁\\u202eb"'
    assert caret.index("^") == src.index("\\u202e")  # under the character the column names


def test_cli_error_for_control_bytes_is_visible(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.toml"
    bad.write_bytes(b"\x00\x01garbage")
    res = cli("score", str(bad))
    assert res.code == 2 and f"{bad}:1:1" in res.err
    assert "␀␁garbage" in res.err and "\x00" not in res.err and "\x01" not in res.err


# ------------------------------------------------------------------ 5: missing keys have a position
def test_missing_ruleset_id_points_at_line_1() -> None:
    with pytest.raises(PerfrulesError) as info:
        _read_layer_text('name = "x"\n\n[rounding]\nplaces = 2\n', "r.toml")
    text = info.value.render()
    assert text.startswith("r.toml:1:1: 错误：规则集缺少编号 id") and "  1 | name" in text and "    | ^" in text


def test_wrong_kind_of_ruleset_id_points_at_its_value() -> None:
    with pytest.raises(PerfrulesError) as info:
        _read_layer_text('name = "x"\nid = 3\n', "r.toml")
    assert str(info.value.position) == "r.toml:2:6"


def test_missing_unit_name_points_at_line_1(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('"年度" = 2023\n"类型" = "项目支出"\n', encoding="utf-8")
    res = cli("score", str(path))
    assert res.code == 2
    assert res.err.splitlines()[:3] == [f"{path}:1:1: 错误：缺少「单位名称」", '  1 | "年度" = 2023', "    | ^"]


# ------------------------------------------------------------------ 6: rule names, the final newline
def test_explanations_name_the_rule_and_show_its_id() -> None:
    text = cli("score", str(SEED))
    assert "规则：定性指标（分档自评）（qualitative）" in text.out
    md = cli("score", str(SEED), "-f", "md").out
    assert "定性指标（分档自评） <sub>`qualitative`</sub>" in md
    html = cli("score", str(SEED), "-f", "html").out
    assert '<b>定性指标（分档自评）</b> <small class="rule-id">qualitative</small>' in html
    data = json.loads(cli("score", str(SEED), "-f", "json").out)
    assert {(e["rule"], e["rule_name"]) for e in data["explanations"]} >= {("qualitative", "定性指标（分档自评）")}


def test_text_report_ends_with_a_newline_and_the_note_stays_apart() -> None:
    res = cli("score", str(SEED))
    assert res.out.endswith("\n") and not res.out.endswith("\n\n")
    assert res.err.startswith("规则集：hunan/zhuzhou/lusong/2023（")


# ------------------------------------------------------------------ 7: what a new user tripped on
@pytest.mark.parametrize(("name", "magic"), [("z.xlsx", b"PK\x03\x04"), ("z.html", b"<!DOCTYPE html>"),
                                             ("z.json", b"{"), ("z.md", b"# ")])
def test_output_extension_chooses_the_format(tmp_path: Path, name: str, magic: bytes) -> None:
    res = cli("score", str(SEED), "-o", str(tmp_path / name))
    assert res.code == 0, res.err
    assert (tmp_path / name).read_bytes().startswith(magic)


def test_format_and_extension_that_disagree_are_an_error(tmp_path: Path) -> None:
    res = cli("score", str(SEED), "-f", "text", "-o", str(tmp_path / "z.xlsx"))
    assert res.code == 2 and "扩展名 .xlsx 与格式 text 不符" in res.err
    assert not (tmp_path / "z.xlsx").exists()
    assert cli("score", str(SEED), "-f", "html", "-o", str(tmp_path / "z.json")).code == 2
    assert cli("score", str(SEED), "-o", str(tmp_path / "report")).code == 0  # no extension: text


def test_compare_honours_the_format(tmp_path: Path) -> None:
    as_json = cli("score", str(SEED), "--compare", "national/cz2020-10", "-f", "json")
    assert as_json.code == 0, as_json.err
    data = json.loads(as_json.out)
    assert data["a"]["ruleset"]["id"] == "hunan/zhuzhou/lusong/2023" and data["b"]["ruleset"]["id"] == "national/cz2020-10"
    assert data["comparison"][0].startswith("同一张自评表在两个规则集下的对比")
    for fmt in ("html", "xlsx", "md"):
        res = cli("score", str(SEED), "--compare", "national/cz2020-10", "-f", fmt, "-o", str(tmp_path / f"c.{fmt}"))
        assert res.code == 2 and "--compare 只能输出 text 或 json" in res.err
    assert cli("score", str(SEED), "--compare", "national/cz2020-10").out.startswith("同一张自评表")


def test_difference_is_review_minus_self_everywhere(seed_result: Result) -> None:
    rated_high = attrs.evolve(seed_result, self_reported_total=Decimal("100"),
                              rows=tuple(attrs.evolve(r, self_reported_score=r.weight) if r.row == 8 else r
                                         for r in seed_result.rows))
    md = render(rated_high, "md")
    assert "差异（复核−自评） -2" in md and "| 差异（复核−自评） |" in md
    html = render(rated_high, "html")
    assert "差异（复核−自评）" in html and '<span class="diff">-2</span>' in html
    ws = openpyxl.load_workbook(io.BytesIO(render(rated_high, "xlsx")))["自评表"]
    assert ws["K1"].value == "差异（复核−自评）"
    assert [ws.cell(i, 11).value for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == 8] == [-2]
    unit = _batch_result("单位", "x").scored[0]
    assert unit.difference == Decimal("-1.5")  # 95.5 − 97
    assert "差异（复核−自评）" in summary_render.render_html(_batch_result("单位", "x"))


def test_why_the_ruleset_was_chosen_is_in_every_format(tmp_path: Path) -> None:
    why = "辖区「湖南省/株洲市/芦淞区」"
    assert why in json.loads(cli("score", str(SEED), "-f", "json").out)["selection"]
    for fmt in ("text", "md", "html"):
        assert why in cli("score", str(SEED), "-f", fmt).out, fmt
    cli("score", str(SEED), "-o", str(tmp_path / "r.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["自评表"]
    assert any(why in str(c.value) for row in ws.iter_rows() for c in row)
    forced = json.loads(cli("score", str(SEED), "-f", "json", "-r", "national/cz2020-10").out)
    assert forced["selection"] == "按 --ruleset 指定：national/cz2020-10"
    res = cli("score", str(SEED), "-o", str(tmp_path / "b") + "/", "-f", "json")
    assert res.code == 0, res.err
    data = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert why in data["units"][0]["selection"]
    assert why in (tmp_path / "b" / "summary.html").read_text(encoding="utf-8")
    summary_ws = openpyxl.load_workbook(tmp_path / "b" / "summary.xlsx")["汇总"]
    assert summary_ws.cell(1, summary_ws.max_column).value == "规则集选择"
    assert why in summary_ws.cell(2, summary_ws.max_column).value


def test_row_numbers_start_at_1_and_blank_rows_show(seed_result: Result) -> None:
    text = cli("score", str(SEED)).out.splitlines()
    head = next(i for i, line in enumerate(text) if line.startswith("序号"))
    assert text[head + 1].startswith("      预算执行率")  # the execution row: no number
    assert text[head + 2].startswith("1 ")
    blanks = sum(r.method == "blank" for r in seed_result.rows)
    assert blanks > 0 and sum(line.rstrip().endswith("空行") for line in text) == blanks
    html = render(seed_result, "html")
    numbers = re.findall(r'<tr data-row="\d+"[^>]*><td class="n">([^<]*)</td>', html)
    assert numbers[:3] == ["", "1", "2"] and len(numbers) == len(seed_result.rows)
    assert html.count(">空行</td>") == blanks
    assert json.loads(render(seed_result, "json"))["indicators"][0]["row"] == 0  # the records keep row 0


def test_check_marks_an_unknown_key_at_the_key_in_rulesets(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('id = "t/x"\nextends = "national/cz2020-10"\nname = "x"\nbogus_setting = 1\n', encoding="utf-8")
    res = cli("check", str(path))
    assert res.code == 2
    assert f"{path}:4:1" in res.err, res.err


def test_api_example_passes_mypy_strict(tmp_path: Path) -> None:
    from test_api import API_DOC, python_blocks

    block = python_blocks(API_DOC)[1]
    assert "Path(" in block and "write_bytes(perfrules.render(result, \"xlsx\"))" in block
    script = tmp_path / "api_example.py"
    script.write_text(block, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


def test_coverage_data_is_not_tracked() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".coverage" in ignored
    tracked = subprocess.run(["git", "ls-files", ".coverage"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.returncode == 0 and tracked.stdout == ""


# ------------------------------------------------------------------ Done when: the hostile batch
def test_hostile_batch_reduced(tmp_path: Path) -> None:
    """The issue's batch at 12 good tables (python tests/hardening_batch.py runs 190)."""
    figures = hardening_batch.run(tmp_path, good=12)
    assert figures["exit"] == 1
    assert figures["reports"] == 12 and figures["failures_listed"] == {"json": 10, "html": 10, "xlsx": 10}
    assert figures["formula_cells"] == 0


def test_check_reports_every_problem_of_a_ruleset_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "six.toml"
    path.write_text('id = "t/six"\nextends = "national/cz2020-10"\nname = "six"\nbogus = 1\n\n'
                    '[rounding]\nplaces = "two"\nmode = "sideways"\n\n'
                    '[[rules]]\nname = "no id"\ntext = "实际值 ≥ 目标值 → 满分"\n\n'
                    '[[rules]]\nid = "r2"\nname = "bad"\ntext = "实际值 ≥ → 满分"\n', encoding="utf-8")
    res = cli("check", str(path))
    assert res.code == 2
    found = sorted(re.findall(rf"^{re.escape(str(path))}:(\d+:\d+): 错误", res.err, re.M))
    assert found == ["10:3", "14:3", "17:15", "4:1", "7:10", "8:8"], res.err
