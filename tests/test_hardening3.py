"""Hardening, round 2 (issue 12), as the lead first wrote it: the same failures seen from the engine side (missing-key positions, an unknown key marked at the key, formula text, control bytes in a batch). Each test reproduces the reported failure on the real seed."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import SEED, cli

from perfrules.errors import PerfrulesError, Position

FORMULA = '=HYPERLINK("http://x","y")'


def hostile_seed(tmp_path: Path) -> Path:
    """The seed with a formula as its 偏差原因 and control characters in the unit's name."""
    text = SEED.read_text(encoding="utf-8")
    text = text.replace('"偏差原因" = "经济大环境', '"偏差原因" = "' + FORMULA.replace('"', '\\"') + '经济大环境', 1)
    text = text.replace('"单位名称" = "株洲', '"单位名称" = "\\u0000\\u0001<script>alert(1)</script>株洲', 1)
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unit_text_never_becomes_a_formula_in_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    res = cli("score", str(hostile_seed(tmp_path)), "-f", "xlsx", "-o", str(out))
    assert res.code == 0, res.err
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith(FORMULA) for c in cells)
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_a_batch_keeps_its_summary_when_an_input_holds_control_bytes(tmp_path: Path) -> None:
    bad = tmp_path / "in" / "bad.toml"
    bad.parent.mkdir()
    bad.write_bytes(b"\x00\x01garbage")
    good = hostile_seed(tmp_path)
    res = cli("score", str(good), str(bad), "-o", str(tmp_path / "out") + "/", "-f", "xlsx", "-f", "json")
    assert res.code == 1, res.err
    summary = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    failed = [c.value for ws in summary for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("bad.toml:1:1" in v for v in failed)
    assert "\x00" not in res.err and "\x01" not in res.err and "␀␁garbage" in res.err


def test_debug_is_accepted_after_the_command() -> None:
    res = cli("score", str(SEED), "--debug")
    assert res.code == 0, res.err


def test_error_lines_show_control_characters_and_keep_the_caret() -> None:
    err = PerfrulesError("坏", position=Position(file="f.toml", line=1, column=3, source_line="\x00\x01X"))
    text = err.render()
    assert "\x00" not in text and "  1 | ␀␁X" in text
    assert text.splitlines()[-1] == "    |   ^"


def test_the_output_extension_chooses_the_format(tmp_path: Path) -> None:
    out = tmp_path / "z.xlsx"
    assert cli("score", str(SEED), "-o", str(out)).code == 0
    assert openpyxl.load_workbook(out)  # an Excel file, not text named .xlsx
    html = tmp_path / "z.html"
    assert cli("score", str(SEED), "-o", str(html)).code == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    res = cli("score", str(SEED), "-f", "json", "-o", str(tmp_path / "y.xlsx"))
    assert res.code == 2 and "与格式 json 不符" in res.err


def test_the_text_report_ends_with_a_newline() -> None:
    res = cli("score", str(SEED))
    assert res.out.endswith("\n")


@pytest.mark.parametrize("fmt", ["text", "md", "json", "html"])
def test_every_text_format_survives_hostile_text(tmp_path: Path, fmt: str) -> None:
    res = cli("score", str(hostile_seed(tmp_path)), "-f", fmt)
    assert res.code == 0, res.err
    assert "\x00" not in res.out
    if fmt == "html":
        assert "<script>alert" not in res.out and "&lt;script&gt;alert(1)&lt;/script&gt;" in res.out


def test_missing_keys_point_at_line_one_or_their_table(tmp_path: Path) -> None:
    unit = tmp_path / "no_unit.toml"
    unit.write_text('"年度" = 2023\n', encoding="utf-8")
    res = cli("score", str(unit))
    assert res.code == 2 and f"{unit}:1:1: 错误：缺少「单位名称」" in res.err and "  1 | \"年度\" = 2023" in res.err
    ruleset = tmp_path / "no_id.toml"
    ruleset.write_text('name = "无编号"\n[rounding]\nplaces = 2\nmode = "half_up"\n', encoding="utf-8")
    res = cli("score", str(SEED), "--ruleset", str(ruleset))
    assert res.code == 2 and f"{ruleset}:1:1: 错误：规则集缺少编号 id" in res.err and "    | ^" in res.err


def test_an_unknown_key_is_marked_at_the_key() -> None:
    res = cli("check", str(Path(__file__).parent / "errors" / "submission_unknown_key.toml"))
    assert "8:1: 错误：未知的键「实际完成」" in res.err
