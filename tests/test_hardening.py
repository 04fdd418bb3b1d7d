"""Known-nasty inputs, one test each: the message, or the safe outcome, is asserted.

Also the regression tests for what the fuzzers found (see tests/fuzz/README.md).
"""

from __future__ import annotations

import errno
import io
import os
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import DISTRICT, ROOT, SEED, cli
from perfrules import limits
from perfrules.rules.compiler import compile_rule
from perfrules.errors import PerfrulesError
from perfrules.scoring.interpreter import score
from perfrules.ruleset.loader import load_ruleset, load_ruleset_text
from perfrules.readers import read_submission
from perfrules.readers.structured import read_json_submission, read_toml_submission

FIXTURES = ROOT / "tests" / "fixtures"
SEED_TEXT = SEED.read_text(encoding="utf-8")
RULESET = load_ruleset(DISTRICT)
BOMBS = ["1e999999999", "9e-999999999", "nan", "inf", "-inf"]


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


def error_of(call: Any) -> PerfrulesError:
    with pytest.raises(PerfrulesError) as info:
        call()
    return info.value


def replace_value(text: str, key: str, value: str, nth: int = 0) -> tuple[str, int]:
    """*text* with the *nth* ``"key" = …`` value replaced; and the line it is on."""
    matches = list(re.finditer(rf'^"{re.escape(key)}" = .*$', text, re.M))
    m = matches[nth]
    return text[: m.start()] + f'"{key}" = {value}' + text[m.end() :], text.count("\n", 0, m.start()) + 1


# ------------------------------------------------ exponent bombs, NaN and Infinity
SUBMISSION_FIELDS = [("分值", 0), ("得分", 0), ("全年预算数", 0), ("全年执行数", 0), ("年初预算数", 0), ("自评总分", 0),
                     ("产出指标", 0), ("分值", 3), ("得分", 5)]


@pytest.mark.parametrize("value", BOMBS)
@pytest.mark.parametrize("field", SUBMISSION_FIELDS, ids=lambda f: f"{f[0]}#{f[1]}")
def test_number_bombs_in_every_submission_field_are_refused_at_their_line(field: tuple[str, int], value: str) -> None:
    text, line = replace_value(SEED_TEXT, field[0], value, field[1])
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    assert err.position.line == line
    assert err.position.column == len(f'"{field[0]}" = ') + 1
    assert re.search(r"不能是|超出可处理的范围", err.message), err.message


@pytest.mark.parametrize("value", ["1e999999999", "9e-999999999", "NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("field", ["分值", "得分", "自评总分"])
def test_number_bombs_in_json_are_refused(field: str, value: str) -> None:
    doc = {"自评总分": "98", "分值": "5", "得分": "5"}
    doc[field] = value
    text = ('{"单位名称": "某单位", "自评总分": %s, "指标": [{"一级指标": "产出指标", "三级指标": "x", '
            '"年度指标值": "≥10%%", "实际完成值": "10%%", "分值": %s, "得分": %s}]}') % (doc["自评总分"], doc["分值"],
                                                                                       doc["得分"])
    err = error_of(lambda: read_json_submission(text, "s.json"))
    assert re.search(r"不允许的数值|不能是|超出可处理的范围", err.message), err.message


@pytest.mark.parametrize("value", BOMBS)
def test_number_bombs_in_ruleset_weights_are_refused(value: str) -> None:
    text = f'id = "t"\nextends = "{DISTRICT}"\n[weights]\n"产出指标" = {value}\n'
    err = error_of(lambda: load_ruleset_text(text, "r.toml"))
    assert err.position.line == 4 and err.position.column == len('"产出指标" = ') + 1
    assert re.search(r"不能是|超出可处理的范围", err.message), err.message


@pytest.mark.parametrize("value", [*BOMBS, "1e3", "11", "-1", "2.5"])
def test_number_bombs_in_rounding_places_are_refused(value: str) -> None:
    text = f'id = "t"\nextends = "{DISTRICT}"\n[rounding]\nplaces = {value}\nmode = "half_up"\n'
    err = error_of(lambda: load_ruleset_text(text, "r.toml"))
    assert err.message == "舍入位数 places 应当是 0 到 10 的整数"
    assert (err.position.line, err.position.column) == (4, len("places = ") + 1)


@pytest.mark.parametrize("cell", ["≥1e999999999%", "9e-999999999", "NaN", "Infinity", "≥99999999999999999999999999999999%"])
def test_number_bombs_in_target_and_actual_cells_score_safely(cell: str) -> None:
    text, _ = replace_value(SEED_TEXT, "年度指标值", f'"{cell}"')
    text, _ = replace_value(text, "实际完成值", f'"{cell}"')
    result = score(read_toml_submission(text, "s.toml"), RULESET, scale_levels=False)
    assert Decimal(0) <= result.rows[1].score <= result.rows[1].weight  # rows[0] is 预算执行率


def test_points_beyond_the_limit_are_refused() -> None:
    text, line = replace_value(SEED_TEXT, "分值", "100000", 1)
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    assert err.message.startswith("「分值」超出范围") and err.position.line == line
    assert err.expected == f"-{limits.MAX_POINTS} 到 {limits.MAX_POINTS} 之间的分数"


def test_huge_budget_figures_score_without_overflow() -> None:
    text, _ = replace_value(SEED_TEXT, "全年预算数", '"0.000000000000000000000000001"')
    text, _ = replace_value(text, "全年执行数", '"999999999999999999999999999999"')
    result = score(read_toml_submission(text, "s.toml"), RULESET, scale_levels=False)
    assert result.rows[0].score == result.rows[0].weight  # 执行率 above 100% earns the full weight


# --------------------------------------------------------- targets and actuals
def _one_row(target: str, actual: str, weight: str = "10") -> str:
    return (f'"单位名称" = "某单位"\n[["指标"]]\n"一级指标" = "产出指标"\n"三级指标" = "x"\n'
            f'"年度指标值" = "{target}"\n"实际完成值" = "{actual}"\n"分值" = {weight}\n"偏差原因" = "原因"\n')


@pytest.mark.parametrize("actual, expected", [("0%", "10"), ("5%", "10"), ("-5%", None)])
def test_a_target_of_zero_never_divides_by_zero(actual: str, expected: str | None) -> None:
    result = score(read_toml_submission(_one_row("≥0%", actual), "s.toml"), RULESET, scale_levels=False)
    row = result.rows[0]
    if expected is not None:
        assert row.score == Decimal(expected)
    else:  # below a zero target: the rule's ratio cannot be formed; the row says so
        assert row.score is not None and 0 <= row.score <= 10
        assert any(f.code in ("cannot_compute", "no_clause") for f in result.findings) or row.score == 0


def test_negative_actuals_score_zero_with_a_note() -> None:
    result = score(read_toml_submission(_one_row("≥10%", "-5%"), "s.toml"), RULESET, scale_levels=False)
    assert result.rows[0].score == 0
    assert sum(e.points_lost for e in result.explanations) == 10
    assert result.explanations[0].values["完成率"] == "-50%"  # why all 10 points went: the rate is negative


# --------------------------------------------------------------- 50 MB strings
def test_a_50_mb_cell_is_refused_as_too_large(tmp_path: Path) -> None:
    big = "达" * (50 * 1024 * 1024 // 3 + 10)  # 3 bytes each in UTF-8: just over 50 MB
    path = write(tmp_path, "s.toml", _one_row("≥10%", big))
    start = time.monotonic()
    res = cli("score", path, "--ruleset", DISTRICT)
    assert res.code == 2 and "文件过大" in res.err
    assert time.monotonic() - start < 10


def test_a_40_mb_csv_cell_under_the_file_limit_is_refused_quickly(tmp_path: Path) -> None:
    data = (FIXTURES / "project.csv").read_text(encoding="utf-8-sig") + "产出指标,数量指标," + "x" * 40_000_000 + "\n"
    start = time.monotonic()
    res = cli("score", write(tmp_path, "s.csv", data), "--ruleset", DISTRICT)
    assert res.code == 2 and "单元格过长（40000000 个字符" in res.err
    assert len(res.err) < 2000 and time.monotonic() - start < 30


def _ruleset_with_rule(text: str) -> str:
    return (f'id = "t"\nextends = "{DISTRICT}"\n[[rules]]\nid = "big"\ntext = "' + text
            + '"\ncite = { document = "cz2020-10", article = "x", evidence = "practice" }\n')


def test_a_50_mb_rule_text_in_a_ruleset_file_is_refused_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "r.toml", _ruleset_with_rule("满" * (50 * 1024 * 1024)))
    start = time.monotonic()
    res = cli("check", path)
    assert res.code == 2 and "文件过大（超过 10 MB）" in res.err and time.monotonic() - start < 5


def test_a_long_rule_text_under_the_file_limit_is_refused_at_its_line() -> None:
    text = _ruleset_with_rule("满" * 1_000_000)
    err = error_of(lambda: load_ruleset_text(text, "r.toml"))
    assert err.message.startswith("规则文字过长") and err.position.line == 5
    assert err.position.column == len('text = "') + limits.MAX_RULE_LENGTH + 1
    assert len(err.render()) < 1000


def test_a_long_cell_under_the_file_limit_is_refused_with_its_position() -> None:
    text = _one_row("≥10%", "x" * (limits.MAX_CELL_CHARS + 1))
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    assert err.message == f"「实际完成值」过长（{limits.MAX_CELL_CHARS + 1} 个字符，上限 {limits.MAX_CELL_CHARS}）"
    assert (err.position.line, err.position.column) == (6, len('"实际完成值" = ') + 1)
    assert len(err.render()) < 1000  # the 100,000-character line is not echoed whole


def test_a_long_csv_cell_is_refused_with_its_position(tmp_path: Path) -> None:
    data = (FIXTURES / "project.csv").read_text(encoding="utf-8-sig") + "x" * (limits.MAX_CELL_CHARS + 1) + "\n"
    err = error_of(lambda: read_submission(write(tmp_path, "s.csv", data)))
    assert err.message.startswith("单元格过长") and err.position.line == data.count("\n")


def test_a_50_mb_rule_text_is_refused_at_once() -> None:
    start = time.monotonic()
    err = error_of(lambda: compile_rule("满" * (50 * 1024 * 1024)))
    assert err.message == f"规则文字过长（{50 * 1024 * 1024} 个字符，上限 {limits.MAX_RULE_LENGTH}）"
    assert err.offset == limits.MAX_RULE_LENGTH and time.monotonic() - start < 5


# ---------------------------------------------------------------- deep rule texts
def test_a_rule_nested_10000_deep_is_refused() -> None:
    err = error_of(lambda: compile_rule("(" * 10_000 + "1" + ")" * 10_000))
    assert err.message.startswith("规则文字过长")


def test_rule_nesting_within_the_length_limit_is_refused_at_the_deep_bracket() -> None:
    err = error_of(lambda: compile_rule("分值 × " + "(" * 40 + "1" + ")" * 40))
    assert err.message == f"括号嵌套过深（上限 {limits.MAX_NESTING} 层）"
    assert err.offset == len("分值 × ") + limits.MAX_NESTING


@pytest.mark.parametrize("text", ["分值 × 1" + "+1" * 1500, "分值 × " + "-" * 3000 + "1", "满分" + "×1" * 1500])
def test_rules_nested_without_brackets_are_refused_not_a_recursion_error(text: str) -> None:
    """Found by reasoning about the atheris rule target: lark's Transformer recursed."""
    err = error_of(lambda: compile_rule(text))
    assert err.message == f"规则过于复杂（运算嵌套超过 {limits.MAX_RULE_DEPTH} 层）"
    assert err.offset is not None and 0 <= err.offset <= len(text)


def test_the_deepest_bracketed_rule_allowed_still_compiles() -> None:
    compile_rule("分值 × " + "(" * limits.MAX_NESTING + "1" + ")" * limits.MAX_NESTING)
    compile_rule("分值 × " + "(1×" * 31 + "1" + ")" * 31)


def test_a_number_of_4000_digits_in_a_rule_is_refused() -> None:
    err = error_of(lambda: compile_rule("实际值 ≥ " + "9" * 3000 + "万元 → 满分"))
    assert err.message == f"数字过长（超过 {limits.MAX_DIGITS} 位）" and err.offset == len("实际值 ≥ ")


# -------------------------------------------------------------------- many rows
def test_100000_rows_are_refused_with_a_clear_limit(tmp_path: Path) -> None:
    row = '[["指标"]]\n"分值" = 1\n'  # short rows: 100,000 of them stay under the 10 MB TOML limit
    text = '"单位名称" = "某单位"\n' + row * 100_000
    start = time.monotonic()
    res = cli("score", write(tmp_path, "s.toml", text), "--ruleset", DISTRICT)
    assert res.code == 2
    assert f"指标行数过多（超过 {limits.MAX_ROWS} 行），不像是一份自评表" in res.err
    assert f"s.toml:{2 + 2 * limits.MAX_ROWS}:1:" in res.err  # the first row over the limit
    assert time.monotonic() - start < 5  # counted before tomllib parses anything


def test_100000_csv_rows_are_refused(tmp_path: Path) -> None:
    data = (FIXTURES / "project.csv").read_text(encoding="utf-8-sig") + "产出指标,数量指标,x,≥1,1,1,1,,\n" * 100_000
    res = cli("score", write(tmp_path, "s.csv", data), "--ruleset", DISTRICT)
    assert res.code == 2 and f"CSV 行数过多（超过 {limits.MAX_ROWS} 行）" in res.err


def test_a_csv_line_of_a_million_separators_is_refused_not_padded(tmp_path: Path) -> None:
    """Found by reading csv_reader: short rows are padded to the widest, rows × width cells."""
    data = "," * 1_000_000 + "\n" + "a,b\n" * 4000
    start = time.monotonic()
    err = error_of(lambda: read_submission(write(tmp_path, "s.csv", data)))
    assert err.message == f"CSV 列数过多（超过 {limits.MAX_COLUMNS} 列），不像是一份自评表"
    assert (err.position.line, err.position.column) == (1, limits.MAX_COLUMNS + 1)
    assert time.monotonic() - start < 5


def test_the_largest_allowed_table_scores_in_bounded_time() -> None:
    row = '[["指标"]]\n"一级指标" = "产出指标"\n"三级指标" = "x"\n"年度指标值" = "≥10%"\n"实际完成值" = "9%"\n"分值" = 1\n'
    text = '"单位名称" = "某单位"\n' + row * limits.MAX_ROWS
    start = time.monotonic()
    result = score(read_toml_submission(text, "s.toml"), RULESET, scale_levels=False)
    assert len(result.rows) == limits.MAX_ROWS
    assert time.monotonic() - start < 60


# -------------------------------------------- encodings and invisible characters
def _csv_total(data: bytes, tmp_path: Path, name: str = "s.csv") -> Decimal:
    return score(read_submission(write(tmp_path, name, data)), RULESET, scale_levels=False).total


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16", "crlf"])
def test_csv_in_every_encoding_scores_the_same(tmp_path: Path, encoding: str) -> None:
    text = (FIXTURES / "project.csv").read_text(encoding="utf-8-sig")
    data = text.replace("\n", "\r\n").encode("utf-8") if encoding == "crlf" else text.encode(encoding)
    assert _csv_total(data, tmp_path) == Decimal("97.50")


@pytest.mark.parametrize("spelling", ["≥１０％", "≥1\u200b0%", "≥10\u00a0%", "\ufeff≥10%", "≥ 10 %", "\u3000≥10%\u3000"])
def test_cells_with_full_width_digits_and_invisible_spaces_read_as_written(spelling: str) -> None:
    plain = score(read_toml_submission(_one_row("≥10%", "9%"), "s.toml"), RULESET, scale_levels=False)
    odd = score(read_toml_submission(_one_row(spelling, "9%"), "s.toml"), RULESET, scale_levels=False)
    assert odd.rows[0].score == plain.rows[0].score == Decimal(9)


def test_a_toml_submission_with_bom_and_crlf_scores_like_the_seed(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + SEED_TEXT.replace("\n", "\r\n").encode("utf-8")
    res = cli("score", write(tmp_path, "s.toml", data), "--ruleset", DISTRICT)
    assert res.code == 0 and "98.00" in res.out


# ------------------------------------------------------------ zip and XML bombs
def _rezip(source: Path, member: str, content: bytes, tmp_path: Path, name: str) -> str:
    out = tmp_path / name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == member else src.read(info.filename))
    return str(out)


@pytest.mark.parametrize("fixture, member", [("seed.docx", "word/document.xml"), ("seed.xlsx", "xl/worksheets/sheet1.xml")])
def test_zip_bombs_are_refused_before_inflating(tmp_path: Path, fixture: str, member: str) -> None:
    bomb = b"\x00" * (limits.MAX_UNZIPPED_BYTES + 1024)
    path = _rezip(FIXTURES / fixture, member, bomb, tmp_path, "bomb" + Path(fixture).suffix)
    assert os.path.getsize(path) < 1024 * 1024  # a few hundred KB that would inflate to 200 MB
    err = error_of(lambda: read_submission(path))
    assert "疑似压缩炸弹" in err.message


def test_a_zip_that_lies_about_its_sizes_is_refused(tmp_path: Path) -> None:
    """The central directory says 1 KB; the member inflates to 50 MB: zipfile stops at 1 KB."""
    path = _rezip(FIXTURES / "seed.docx", "word/document.xml", b"<" * (50 * 1024 * 1024), tmp_path, "liar.docx")
    data = bytearray(Path(path).read_bytes())
    name = b"word/document.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = 0
        while (at := data.find(sig, at)) >= 0:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[at + size_at : at + size_at + 4] = (1024).to_bytes(4, "little")
            at += 4
    Path(path).write_bytes(bytes(data))
    start = time.monotonic()
    with pytest.raises(PerfrulesError):
        read_submission(path)
    assert time.monotonic() - start < 10


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lololololololololololololololololololololololololololololololololololololol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
DOCX_LAUGHS = LAUGHS + (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                        b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
XLSX_LAUGHS = LAUGHS + (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("fixture, member, xml", [("seed.docx", "word/document.xml", DOCX_LAUGHS),
                                                  ("seed.xlsx", "xl/worksheets/sheet1.xml", XLSX_LAUGHS),
                                                  ("seed.xlsx", "xl/workbook.xml", LAUGHS + b"<workbook/>")])
def test_billion_laughs_are_refused_or_harmless(tmp_path: Path, fixture: str, member: str, xml: bytes) -> None:
    """python-docx parses with resolve_entities=False; openpyxl uses defusedxml (forbids entities)."""
    path = _rezip(FIXTURES / fixture, member, xml, tmp_path, "laughs" + Path(fixture).suffix)
    start = time.monotonic()
    try:
        sub = read_submission(path)
    except PerfrulesError as err:
        assert err.position.file == path
    else:
        assert not any("lol" * 100 in v for v in sub.extra.values())  # nothing was expanded
    assert time.monotonic() - start < 10


def test_openpyxl_really_uses_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml must be installed (a dependency) so openpyxl forbids XML entities"


# ----------------------------------------------------- content and extension
def test_a_docx_named_csv_is_read_as_word(tmp_path: Path) -> None:
    path = write(tmp_path, "really-word.csv", (FIXTURES / "seed.docx").read_bytes())
    assert read_submission(path).reader == "docx"


@pytest.mark.parametrize("data, name", [(b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "s.toml"),
                                        (b"a,b,c\n1,2,3\n", "s.docx"), (b"a,b,c\n1,2,3\n", "s.xlsx"),
                                        (b"\x89PNG\r\n\x1a\n\x00\x00", "s.csv"), (b"{not json", "s.json"),
                                        (b"PK\x03\x04garbage", "s.docx"), (b"", "s.xlsx")])
def test_content_that_does_not_match_the_extension_is_an_input_error(tmp_path: Path, data: bytes, name: str) -> None:
    res = cli("score", write(tmp_path, name, data), "--ruleset", DISTRICT)
    assert res.code == 2 and "内部错误" not in res.err and name in res.err


# ---------------------------------------------------------- unreadable paths
def test_a_folder_given_as_a_submission_is_refused(tmp_path: Path) -> None:
    res = cli("check", str(tmp_path))
    assert res.code == 2 and "无法读取文件：这是文件夹，不是普通文件" in res.err
    res = cli("score", str(tmp_path), "--ruleset", DISTRICT)  # a folder is a batch: it needs -o
    assert res.code == 2 and "批量计分需要用 -o 指定输出文件夹" in res.err


@pytest.mark.parametrize("command", [("score",), ("check",)])
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, command: tuple[str, ...]) -> None:
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)  # open() on it would wait forever for a writer
    start = time.monotonic()
    res = cli(*command, str(fifo), *(("--ruleset", DISTRICT) if command == ("score",) else ()))
    assert res.code == 2 and "管道、设备或其他特殊文件" in res.err
    assert time.monotonic() - start < 5


def test_a_fifo_given_as_the_ruleset_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "r.toml"
    os.mkfifo(fifo)
    res = cli("score", str(SEED), "--ruleset", str(fifo))
    assert res.code == 2 and "管道、设备或其他特殊文件" in res.err


def test_an_unreadable_file_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, so chmod 000 would not stop them: open() is made to fail instead."""
    path = write(tmp_path, "s.toml", SEED_TEXT)
    real_open = open

    def denied(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    res = cli("score", path, "--ruleset", DISTRICT)
    assert res.code == 2 and "无法读取文件：没有读取或写入的权限（Permission denied）" in res.err


@pytest.mark.parametrize("command", ["score", "check"])
def test_a_symlink_loop_is_an_input_error(tmp_path: Path, command: str) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    res = cli(command, str(a), *(["--ruleset", DISTRICT] if command == "score" else []))
    assert res.code == 2 and "符号链接成环" in res.err


def test_a_symlink_loop_in_a_folder_is_refused_by_the_readers(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    err = error_of(lambda: read_submission(str(loop / "s.toml")))
    assert "符号链接成环" in err.message


# --------------------------------------------------------------------- output
@pytest.mark.parametrize("target", ["/proc/version/out.json", "/proc/perfrules/out.json", "{tmp}/file/out.json"])
def test_an_output_path_that_cannot_be_written_is_an_input_error(tmp_path: Path, target: str) -> None:
    (tmp_path / "file").write_text("x")
    res = cli("score", str(SEED), "--ruleset", DISTRICT, "-o", target.format(tmp=tmp_path))
    assert res.code == 2 and "无法写入输出文件" in res.err


def test_a_full_disk_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import perfrules.app.cli

    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd: int) -> None:
            self.inner = real_fdopen(fd, "wb")

        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def fileno(self) -> int:
            return self.inner.fileno()

        def close(self) -> None:
            self.inner.close()
            super().close()

    monkeypatch.setattr(perfrules.app.cli.os, "fdopen", lambda fd, mode: Full(fd))
    out = tmp_path / "out.json"
    res = cli("score", str(SEED), "--ruleset", DISTRICT, "--format", "json", "-o", str(out))
    assert res.code == 2
    assert f"无法写入输出文件 {out}：磁盘空间不足（No space left on device）" in res.err
    assert list(tmp_path.iterdir()) == []  # neither the output nor the temporary file remains


# ---------------------------------------------------- structured-file limits
def test_deeply_nested_toml_is_refused_with_its_position() -> None:
    """tomllib recurses per level: 1,000 brackets were a RecursionError (exit 3)."""
    text = '"单位名称" = "x"\n"说明" = ' + "[" * 1000 + "]" * 1000 + "\n"
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    assert err.message == f"TOML 嵌套过深（上限 {limits.MAX_DATA_NESTING} 层）"
    assert (err.position.line, err.position.column) == (2, len('"说明" = ') + limits.MAX_DATA_NESTING + 1)


def test_brackets_inside_toml_strings_and_comments_do_not_count() -> None:
    text = '"单位名称" = "' + "[" * 100 + '" # ' + "{" * 100 + "\n\"说明\" = '''\n" + "[" * 100 + "\n'''\n"
    assert read_toml_submission(text, "s.toml").unit == "[" * 100


def test_deeply_nested_json_is_refused_with_its_position() -> None:
    text = '{"单位名称": "x", "说明": ' + "[" * 5000 + "]" * 5000 + "}"
    err = error_of(lambda: read_json_submission(text, "s.json"))
    assert err.message == f"JSON 嵌套过深（上限 {limits.MAX_DATA_NESTING} 层）" and err.position.line == 1


def test_a_5000_digit_integer_in_toml_is_refused_not_a_value_error() -> None:
    """tomllib converts integers with int(), which refuses more than 4300 digits (ValueError)."""
    text = '"单位名称" = "x"\n"自评总分" = ' + "9" * 5000 + "\n"
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    assert err.message == "TOML 中的数字过长，无法读取"
    assert (err.position.line, err.position.column) == (2, len('"自评总分" = ') + 1)


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_error_lines_count_only_newlines(separator: str) -> None:
    """Found by atheris (ruleset and toml targets): splitlines() also splits at \\x1e,
    \\x85, \\u2028 …, so a line number from tomllib could point past the end of the file."""
    text = f'"单位名称" = "a{separator}b"\n"年度" = 2023\n"类型" = \n'
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    assert err.position.line == 3 and err.position.source_line == '"类型" = '


def test_the_atheris_input_with_record_separators_points_inside_the_file() -> None:
    """The minimised shape of the atheris crash: \\x1e in a comment, an error on the last line."""
    text = '"单位名称" = "x"\n# \x1e\x1e\x1e\n"自评总分" = \n'
    err = error_of(lambda: read_toml_submission(text, "s.toml"))
    lines = text.split("\n")
    assert err.position.line is not None and 1 <= err.position.line <= len(lines)
    assert err.position.column is not None and err.position.column <= len(lines[err.position.line - 1]) + 1


def test_a_ruleset_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    with open(path, "wb") as fh:
        fh.write(b'id = "big"\n')
        fh.truncate(limits.MAX_TEXT_FILE_BYTES + 1)
    res = cli("score", str(SEED), "--ruleset", str(path))
    assert res.code == 2 and "文件过大" in res.err


# ------------------------------------------------------- what the fuzzers found
CRASHES = sorted((ROOT / "tests" / "fuzz" / "crashes").iterdir())


@pytest.mark.parametrize("path", CRASHES, ids=lambda p: p.name)
def test_inputs_that_crashed_a_fuzzer_now_end_cleanly(path: Path) -> None:
    """Each file is an input an atheris target found (see tests/fuzz/README.md).

    ruleset-/toml-line-separator: an error line past the end (splitlines() vs tomllib);
    ruleset-lone-carriage-return: a column past the line end (a lone CR, a line break
    when read from a file, was not one when the text was given directly);
    *-zip-version: zipfile's NotImplementedError for an unknown zip version (exit 3).
    """
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
    from _common import check_position

    text = path.read_bytes().decode("utf-8", "replace") if path.suffix == ".toml" else None  # lines as read_text sees them
    try:
        if path.name.startswith("ruleset-"):
            score(read_submission(str(SEED)), load_ruleset_text(path.read_bytes().decode("utf-8"), str(path)))
        else:
            score(read_submission(str(path)), RULESET)
    except PerfrulesError as err:
        check_position(err, text)
    argv = ["check", str(path)] if path.name.startswith("ruleset-") else ["score", str(path), "--ruleset", DISTRICT]
    assert cli(*argv).code in (0, 2)


# ------------------------------------------------------------ no code from files
def test_the_parser_cache_is_never_a_pickle_in_the_shared_temp_folder(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """lark's cache=True unpickles /tmp/.lark_cache_<user>_<sha>_3_11.tmp, a name anyone can
    plant: the cache is kept in the user's own folder, or not at all."""
    from perfrules.rules import lark_parser as parser

    assert parser._lark().options.cache is not True
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert str(parser._private_cache("g")).startswith(str(tmp_path / "perfrules") + os.sep)
    os.chmod(tmp_path / "perfrules", 0o777)  # writable by others: not trusted
    assert parser._private_cache("g") is None


def test_nothing_in_perfrules_evaluates_or_executes_text() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "perfrules").rglob("*.py"))
    assert not re.search(r"(?<![.\w])(eval|exec)\(|(?<![.\w])compile\((?!self)|pickle\.load|import socket|urllib|subprocess", source)


_RULE_HEAD = (f'id = "t"\nextends = "{DISTRICT}"\n[[rules]]\nid = "x"\n'
              'cite = { document = "cz2020-10", article = "x", evidence = "practice" }\n')


@pytest.mark.parametrize("body, line, column", [
    ('text = "\\u6ee1\\u5206\\n\\n\\n\\n满份"', 6, 29),  # was line 10 of a 6-line file
    ('text = "\\u6ee1\\u5206；否则 → 满份"', 6, 22),
    ('text = """\n满分 \\\n\n    ；否则 → 满份"""', 9, 6),
    ("text = '''\n实际值 ≥ 目标值\n → 满份'''", 7, 10),
])
def test_rule_errors_point_at_the_text_as_written_not_as_decoded(body: str, line: int, column: int) -> None:
    """Found by reasoning after the atheris line-separator crash: an offset into the
    decoded rule text was walked over the raw file, so escapes (\\n, \\u6ee1) moved the
    error, even past the last line."""
    err = error_of(lambda: load_ruleset_text(_RULE_HEAD + body, "r.toml"))
    assert (err.position.line, err.position.column) == (line, column)
    assert len((_RULE_HEAD + body).split("\n")) >= line


def test_a_line_break_where_a_rule_expects_more_says_so() -> None:
    err = error_of(lambda: compile_rule("实际值 ≥ 目标值\n→ 满分"))
    assert err.message == "此处不应换行"


def test_an_xlsx_with_a_cell_in_the_last_column_reads_only_200_columns(tmp_path: Path) -> None:
    """A cell at XFD (column 16,384) in each of 5,000 rows made openpyxl build 82 million
    empty cells (10 s); rows are now read up to MAX_COLUMNS."""
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c>'
                   f'<c r="XFD{i}" t="inlineStr"><is><t>y</t></is></c></row>' for i in range(1, limits.MAX_ROWS + 1))
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows
           + "</sheetData></worksheet>").encode()
    path = _rezip(FIXTURES / "seed.xlsx", "xl/worksheets/sheet1.xml", xml, tmp_path, "wide.xlsx")
    from perfrules.readers.xlsx_reader import xlsx_document

    start = time.monotonic()
    doc = xlsx_document(path)
    assert max(len(row) for table in doc.tables for row in table.rows) <= limits.MAX_COLUMNS
    assert time.monotonic() - start < 8
