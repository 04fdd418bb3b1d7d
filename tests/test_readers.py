"""Readers: every format reads the 自评表 to what the table says, located cell by cell.

The seed's 自评表 is read from the unit's own Word text export (report.txt, as it is),
from a .docx and an .xlsx rebuilt in its layout (tests/fixtures/make_fixtures.py), and
must equal the cell-for-cell TOML transcription.  Bad files end in one clear error.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from perfrules import model
from perfrules.errors import PerfrulesError
from perfrules.model import Submission
from perfrules.readers import files, pick_reader, read_submission
from perfrules.readers.export import submission_to_toml
from perfrules.readers.levels import split_points
from perfrules.readers.structured import read_toml_submission
from perfrules.readers.xlsx_reader import cell_text

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "2023-dongjiaduan"
FIX = ROOT / "tests" / "fixtures"
ALL_FIXTURES = sorted(str(p) for p in FIX.iterdir() if p.suffix in (".docx", ".xlsx", ".csv"))


def norm(sub: Submission) -> Submission:
    """What two readers of the same table must agree on."""
    return attrs.evolve(sub, source=None, reader="", jurisdiction="")


def rows(sub: Submission) -> list[tuple[object, ...]]:
    return [(r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.self_score, r.reason)
            for r in sub.indicators]


def message(path: Path | str) -> str:
    with pytest.raises(PerfrulesError) as info:
        read_submission(str(path))
    return info.value.message


@pytest.fixture(scope="module")
def seed_toml() -> Submission:
    return read_submission(str(SEED / "submission.toml"))


# ------------------------------------------------------------------------ the seed
@pytest.mark.parametrize("path, reader", [
    (SEED / "report.txt", "text"),
    (SEED / "submission.docx", "docx"),
    (SEED / "submission.xlsx", "xlsx"),
    (FIX / "seed.docx", "docx"),
    (FIX / "seed.xlsx", "xlsx"),
])
def test_seed_equals_toml(path: Path, reader: str, seed_toml: Submission) -> None:
    sub = read_submission(str(path))
    assert sub.reader == reader
    assert sub.source == str(path)
    assert norm(sub) == norm(seed_toml)


def test_seed_details_from_text_export() -> None:
    sub = read_submission(str(SEED / "report.txt"))
    assert (sub.unit, sub.year, sub.kind, sub.self_total) == (
        "株洲高新技术产业开发区董家塅片区管理委员会", 2023, model.KIND_DEPARTMENT, Decimal(98))
    assert sub.budget == model.BudgetBlock(Decimal("386.11"), Decimal("9999.81"), Decimal("9999.81"),
                                           Decimal(10), "100%", Decimal(10))
    assert dict(sub.level_weights) == {"产出指标": 40, "效益指标": 20, "满意度指标": 10, "成本指标": 20}
    assert len(sub.indicators) == 17
    assert [r.level2 for r in sub.indicators if r.is_blank] == ["生态效益指标", "可持续影响指标", "社会成本指标", "生态环境成本指标"]
    assert sub.extra["资金构成.一般公共预算"] == "5448.08"
    assert sub.extra["年度总体目标.实际完成情况"].startswith("1.扬优势、铸品牌")
    assert "[bookmark" not in sub.unit


def test_text_export_locations() -> None:
    sub = read_submission(str(SEED / "report.txt"))
    first, econ = sub.indicators[0], sub.indicators[7]
    assert (first.locations["一级指标"].line, first.locations["一级指标"].column) == (276, 2)
    assert first.locations["年度指标值"].line == 281
    assert first.locations["年度指标值"].source_line == "\t≥10%"
    assert econ.locations["二级指标"].line == 352  # 经济效\n益指标 starts there
    assert econ.locations["实际完成值"].line == 364
    assert econ.locations["得分"].line == 370
    assert sub.indicators[1].locations["一级指标"].line == 276  # carried down: the cell it came from
    assert sub.budget is not None and sub.budget.locations["全年预算数"].line == 223
    assert sub.locations["自评总分"].line == 469 and sub.locations["总分"].line == 468
    assert sub.locations["单位名称"].line == 207


def test_docx_and_xlsx_locations() -> None:
    docx = read_submission(str(FIX / "seed.docx"))
    assert docx.indicators[0].locations["年度指标值"].cell == "表2 第12行 第5列"
    assert docx.indicators[3].locations["一级指标"].cell == "表2 第12行 第2列"  # merged down
    assert docx.indicators[7].locations["偏差原因"].cell == "表2 第19行 第9列"
    assert docx.locations["自评总分"].cell == "表2 第29行 第8列"
    assert docx.budget is not None and docx.budget.locations["执行率"].cell == "表2 第3行 第8列"
    xlsx = read_submission(str(FIX / "seed.xlsx"))
    assert xlsx.indicators[0].locations["年度指标值"].cell == "自评表!E13"
    assert xlsx.indicators[16].locations["二级指标"].cell == "自评表!C29"
    assert xlsx.locations["自评总分"].cell == "自评表!H30"
    assert xlsx.budget is not None and xlsx.budget.locations["全年预算数"].cell == "自评表!E4"
    assert str(xlsx.indicators[0].locations["得分"]).endswith("seed.xlsx（自评表!H13）")


def test_csv_locations() -> None:
    sub = read_submission(str(FIX / "project.csv"))
    name = sub.indicators[0].locations["三级指标"]
    assert (name.line, name.column) == (14, 13)  # the row starts on line 13 inside a quoted cell
    assert name.source_line is not None and name.column is not None
    assert name.source_line[name.column - 1:].startswith("扶持企业数量")
    assert (sub.indicators[0].locations["一级指标"].line, sub.indicators[0].locations["一级指标"].column) == (13, 2)
    assert sub.budget is not None
    assert (sub.budget.locations["全年预算数"].line, sub.budget.locations["全年预算数"].column) == (6, 14)
    assert sub.locations["自评总分"].line == 25


# ---------------------------------------------------------------------- the variants
PROJECT_ROWS = [
    ("产出指标", "数量指标", "扶持企业数量", "≥20家", "22家", 10, 10, ""),
    ("产出指标", "数量指标", "新增规上企业", "≥5家", "4家", 10, 8, "受市场环境影响，部分企业未达规上标准；加强培育。"),
    ("产出指标", "质量指标", "资金拨付合规率", "100%", "100%", 10, 10, ""),
    ("产出指标", "时效指标", "资金拨付及时率", "≥95%", "98%", 10, 10, ""),
    ("产出指标", "成本指标", "项目总成本", "≤200万元", "190万元", 10, 10, ""),
    ("效益指标", "经济效益指标", "带动企业营业收入增长", "≥8%", "9.1%", 10, 10, ""),
    ("效益指标", "社会效益指标", "新增就业岗位", "≥300个", "320个", 10, 10, ""),
    ("效益指标", "可持续影响指标", "产业集聚效应", "逐步增强", "明显增强", 10, 10, ""),
    ("满意度指标", "服务对象满意度指标", "企业满意度", "≥90%", "93%", 10, 9, "个别企业反映申报流程繁琐；简化流程。"),
]


@pytest.mark.parametrize("name", ["project.docx", "project.xlsx", "project.csv"])
def test_project_form(name: str) -> None:
    sub = read_submission(str(FIX / name))
    assert rows(sub) == PROJECT_ROWS
    assert (sub.unit, sub.year, sub.kind, sub.self_total) == (
        "株洲市芦淞区产业发展服务中心", 2023, model.KIND_PROJECT, Decimal("96.5"))
    assert sub.extra["项目名称"] == "芦淞区产业发展专项资金"
    assert sub.extra["主管部门"] == "株洲市芦淞区发展和改革局"
    assert sub.budget is not None
    assert attrs.evolve(sub.budget, parts=()) == model.BudgetBlock(
        Decimal(200), Decimal(200), Decimal(190), Decimal(10), "95%", Decimal("9.5"))
    # its 其中 rows, as filed: "—" in a 得分 cell is kept as printed, not read as 0
    assert [(p.name, p.budget, p.executed, p.self_rate, p.self_score, dict(p.unreadable)) for p in sub.budget.parts] == [
        ("当年财政拨款", Decimal(200), Decimal(190), "—", None, {"得分": "—"}),
        ("上年结转资金", Decimal(0), Decimal(0), "—", None, {"得分": "—"}),
        ("其他资金", Decimal(0), Decimal(0), "—", None, {"得分": "—"}),
    ]
    assert dict(sub.level_weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}


ORDER_ROWS = [
    ("产出指标", "数量指标", "统计调查任务", "≥12项", "12项", 30, 30, ""),
    ("产出指标", "时效指标", "按时上报率", "100%", "95%", 30, 25, "个别报表延迟；加强调度。"),
    ("效益指标", "社会效益指标", "统计数据公开", "按时公开", "已公开", 30, 30, ""),
    ("满意度指标", "服务对象满意度指标", "数据用户满意度", "≥90%", "92%", 10, 10, ""),
]


@pytest.mark.parametrize("name", ["variant_order.xlsx", "variant_order.csv"])
def test_other_column_order_and_extra_columns(name: str) -> None:
    sub = read_submission(str(FIX / name))
    assert rows(sub) == ORDER_ROWS
    assert (sub.unit, sub.year, sub.self_total, sub.budget) == ("株洲市芦淞区统计局", 2024, Decimal(95), None)
    assert dict(sub.level_weights) == {"产出指标": 60, "效益指标": 30, "满意度指标": 10}


WEIGHT_ROWS = [
    ("产出指标", "数量指标", "资助学生人数", "≥1000人", "1050人", 25, 25, ""),
    ("产出指标", "质量指标", "资助资金发放准确率", "100%", "100%", 25, 25, ""),
    ("效益指标", "社会效益指标", "家庭经济困难学生资助覆盖率", "100%", "100%", 30, Decimal("28.5"), "个别学生材料不全；加强审核。"),
    ("满意度指标", "服务对象满意度指标", "受助学生满意度", "≥90%", "95%", 10, 10, ""),
]


@pytest.mark.parametrize("name", ["variant_weights.docx", "variant_weights.csv"])
def test_weight_column_and_header_variants(name: str) -> None:
    sub = read_submission(str(FIX / name))
    assert rows(sub) == WEIGHT_ROWS
    assert (sub.unit, sub.year, sub.self_total) == ("株洲市芦淞区教育局", 2022, Decimal("98.3"))
    assert dict(sub.level_weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert sub.budget == model.BudgetBlock(Decimal("120.5"), Decimal("1200.00"), Decimal("1180.00"),
                                           Decimal(10), "98.33%", Decimal("9.8"))


def test_level_cells_and_weights_split() -> None:
    assert split_points("产出指标\n\n(40分)") == ("产出指标", Decimal(40))
    assert split_points("效益指标\n\n（20分）\n　") == ("效益指标", Decimal(20))
    assert split_points("满意度\n指标\n（10分）") == ("满意度指标", Decimal(10))
    assert split_points("经济效\n益指标") == ("经济效益指标", None)
    assert split_points("成本指标（２０分）") == ("成本指标", Decimal(20))


def test_excel_numbers_are_read_as_shown() -> None:
    class FakeCell:
        def __init__(self, value: object, number_format: str = "General") -> None:
            self.value, self.number_format = value, number_format

    assert cell_text(FakeCell(9999.81, "#,##0.00")) == "9999.81"
    assert cell_text(FakeCell(10.0)) == "10"
    assert cell_text(FakeCell(1, "0%")) == "100%"
    assert cell_text(FakeCell(0.9833, "0.00%")) == "98.33%"
    assert cell_text(FakeCell(0.1 + 0.2)) == "0.30000000000000004"  # what Excel stored, no rounding
    assert cell_text(FakeCell(None)) == ""


# ------------------------------------------------------------------------ round trip
@pytest.mark.parametrize("path", [str(SEED / "submission.toml"), str(SEED / "report.txt"), *ALL_FIXTURES])
def test_round_trip_through_toml(path: str) -> None:
    sub = read_submission(path)
    text = submission_to_toml(sub)
    assert norm(read_toml_submission(text, "import.toml")) == norm(sub)


def test_exported_toml_names_the_cells() -> None:
    text = submission_to_toml(read_submission(str(FIX / "seed.docx")))
    assert '"年度指标值" = "≥10%"  # 来源：表2 第12行 第5列' in text
    assert '"产出指标" = 40  # 来源：表2 第12行 第2列' in text
    assert '"自评总分" = 98  # 来源：表2 第29行 第8列' in text
    text = submission_to_toml(read_submission(str(SEED / "report.txt")))
    assert '"实际完成值" = "10.2%"  # 来源：第282行' in text
    assert '["预算执行"]' in text and '"全年预算数" = 9999.81  # 来源：第223行' in text


def test_exported_toml_survives_odd_text(seed_toml: Submission) -> None:
    odd = attrs.evolve(seed_toml.indicators[0], name='引号"和\\反斜杠\t制表', target="\n开头换行\n结尾换行\n")
    sub = attrs.evolve(seed_toml, indicators=(odd,))
    assert norm(read_toml_submission(submission_to_toml(sub))) == norm(sub)


# ------------------------------------------------------------------------- encodings
@pytest.mark.parametrize("encoding, newline", [
    ("utf-8-sig", "\n"), ("gb18030", "\n"), ("gbk", "\r\n"), ("utf-8", "\r\n"), ("utf-16", "\r\n"),
])
def test_text_export_encodings(encoding: str, newline: str, tmp_path: Path, seed_toml: Submission) -> None:
    """Word on Chinese Windows writes GBK/GB18030 with CRLF; UTF-8 with or without BOM."""
    path = tmp_path / "report.txt"
    text = (SEED / "report.txt").read_text(encoding="utf-8").replace("\n", newline)
    path.write_bytes(text.encode(encoding))
    assert norm(read_submission(str(path))) == norm(seed_toml)


def test_csv_crlf_utf8_and_gb18030_agree() -> None:
    a = read_submission(str(FIX / "variant_order.csv"))  # UTF-8 without BOM
    b = read_submission(str(FIX / "variant_weights.csv"))  # GB18030
    assert a.reader == b.reader == "csv"
    assert (FIX / "variant_weights.csv").read_bytes()[:2] != b"\xef\xbb"


def test_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes("\t一级指标\n".encode("utf-8") + b"\t\x81\x20\n")
    assert message(path) == "无法识别文件的文字编码（已尝试：UTF-8、UTF-8（带 BOM）、GB18030/GBK）"


def test_binary_text(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\x00c")
    assert message(path) == "这不是文本文件（含有二进制内容）"


# ------------------------------------------------------------------------- bad files
def _docx_with(tmp_path: Path, rows: list[list[str]], name: str = "x.docx") -> Path:
    from docx import Document  # type: ignore[import-untyped,unused-ignore]

    doc = Document()
    doc.add_paragraph("2023年度某单位部门整体支出绩效自评报告")
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, line in enumerate(rows):
        for c, text in enumerate(line):
            table.cell(r, c).text = text
    path = tmp_path / name
    doc.save(str(path))
    return path


def test_docx_without_form(tmp_path: Path) -> None:
    path = _docx_with(tmp_path, [["财政供养人员情况（人）", "编制数"], ["", "35"]])
    assert message(path) == "未找到自评表（文件中有 1 个表格，都没有「一级指标」「三级指标」「年度指标值」这样的表头）"


def test_missing_column(tmp_path: Path) -> None:
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "分值", "得分"]
    path = _docx_with(tmp_path, [head, ["产出指标", "数量指标", "人数", "≥1人", "5", "5"]])
    with pytest.raises(PerfrulesError) as info:
        read_submission(str(path))
    assert info.value.message == "自评表缺少「实际完成值」列（找到的表头：一级指标、二级指标、三级指标、年度指标值、分值、得分）"
    assert info.value.position.cell == "表1 第1行 第1列"


def test_bad_number_is_kept_with_its_cell(tmp_path: Path) -> None:
    """One unreadable 分值 never refuses the table: the row keeps the text and its cell,
    the interpreter reports it (issue 13, item 4)."""
    path = tmp_path / "bad.csv"
    path.write_text("单位名称,某局\n一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n"
                    "产出指标,数量指标,人数,≥1人,2人,五,5\n", encoding="utf-8")
    row = read_submission(str(path)).indicators[0]
    assert (row.weight, row.self_score, dict(row.unreadable)) == (None, Decimal(5), {"分值": "五"})
    where = row.where("分值")
    assert where is not None and (where.line, where.column) == (3, 21)


def test_no_unit_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n产出指标,数量指标,人数,≥1人,2人,5,5\n",
                    encoding="utf-8")
    assert message(path) == "未找到单位名称：自评表中没有「单位名称」一栏，标题和正文中也没有"


def test_empty_text_export(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert message(path) == "未找到自评表（文件中有 0 个表格，都没有「一级指标」「三级指标」「年度指标值」这样的表头）"


def test_old_or_encrypted_office_file(tmp_path: Path) -> None:
    old = tmp_path / "old.doc"
    old.write_bytes(files.OLE_SIGNATURE + b"\x00" * 600)
    assert message(old) == ("文件是加密文件或旧版 .doc/.xls 格式，无法读取；"
                            "请在 Office/WPS 中另存为 .docx 或 .xlsx（如有密码请先去掉）再导入")
    locked = tmp_path / "locked.xlsx"  # an encrypted .xlsx is an OLE file with an EncryptedPackage stream
    locked.write_bytes(files.OLE_SIGNATURE + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64)
    assert pick_reader(str(locked)).name == "ole"
    assert message(locked) == "文件已加密（有密码保护），无法读取；请去掉密码后另存为 .docx 或 .xlsx 再导入"


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes((FIX / "seed.docx").read_bytes()[:3000])  # a download cut short
    assert message(path) == "文件已损坏：不是有效的 .docx/.xlsx 文件（zip 结构无法读取）"


def test_zip_that_is_not_office(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert message(path) == "文件是压缩包，但不是 .docx 或 .xlsx（里面没有 word/document.xml 或 xl/workbook.xml）"


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(FIX / "seed.docx") as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = b"<w:document><oops" if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data)
    assert message(path).startswith("无法打开 Word 文件：文件已损坏或不是 .docx")


def test_zip_bomb_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(FIX / "seed.xlsx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item))
        dst.writestr("xl/media/padding.bin", b"\x00" * (3 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    assert message(path) == "文件解压后过大（约 3 MB，上限 1 MB），疑似压缩炸弹，拒绝读取"


def test_real_size_limit_is_200_mb() -> None:
    assert files.MAX_UNZIPPED_BYTES == 200 * 1024 * 1024


# ------------------------------------------------------------------------- sniffing
@pytest.mark.parametrize("source, renamed, reader", [
    ("seed.docx", "seed.txt", "docx"),
    ("seed.xlsx", "seed.csv", "xlsx"),
    ("seed.docx", "seed", "docx"),
    ("seed.xlsx", "seed.docx", "xlsx"),
])
def test_content_sniffing(source: str, renamed: str, reader: str, tmp_path: Path, seed_toml: Submission) -> None:
    path = tmp_path / renamed
    shutil.copyfile(FIX / source, path)
    sub = read_submission(str(path))
    assert sub.reader == reader
    assert norm(sub) == norm(seed_toml)


def test_toml_does_not_import_office_libraries() -> None:
    code = ("import sys; from perfrules.readers import read_submission; "
            f"read_submission({str(SEED / 'submission.toml')!r}); "
            "print(any(m.split('.')[0] in ('docx', 'openpyxl') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_text_export_blank_lines() -> None:
    """A blank line inside a cell vs. the blank line ending a row."""
    from perfrules.readers.text_export import document_from_text

    text = "标题\n\t一级指标\n\t三级指标\n\n\t产出指标\n\n(40分)\n\t人数\n\n\n说明：完\n"
    doc = document_from_text(text, None)
    assert [[c.text for c in row] for row in doc.tables[0].rows] == [["一级指标", "三级指标"], ["产出指标\n\n(40分)", "人数"]]
    assert doc.paragraphs == ("标题", "说明：完")
    assert doc.tables[0].before == ("标题",)


def test_fixture_script_reproduces_committed_files(tmp_path: Path) -> None:
    """The committed fixtures read the same as freshly generated ones."""
    module: Any = _fixture_module()
    module.write_csv(tmp_path / "p.csv", module.project_grid(True))
    assert (tmp_path / "p.csv").read_bytes() == (FIX / "project.csv").read_bytes()
    buffer = io.BytesIO((FIX / "variant_weights.csv").read_bytes())
    assert buffer.read().decode("gb18030").startswith("2022年度部门整体支出绩效自评表")


def _fixture_module() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIX / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tab_separated_text_goes_to_csv(tmp_path: Path) -> None:
    """Excel's 'Unicode 文本' (.txt, UTF-16, tab-separated) is read as a table."""
    module: Any = _fixture_module()
    path = tmp_path / "table.txt"
    lines = ["\t".join(row) for row in module.order_grid().plain()]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    sub = read_submission(str(path))
    assert sub.reader == "csv"
    assert rows(sub) == ORDER_ROWS


def test_docx_tracked_changes_and_content_controls(tmp_path: Path) -> None:
    """Accepted view of tracked changes; a table inside a content control is found."""
    from docx.oxml import parse_xml  # type: ignore[import-untyped,unused-ignore]
    from docx.oxml.ns import nsdecls  # type: ignore[import-untyped,unused-ignore]

    head = ["单位名称", "某局", "", "", "", "", ""]
    path = _docx_with(tmp_path, [head, ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                                 ["产出指标50分", "数量指标", "人数", "≥20人", "", "50", "50"]])
    from docx import Document  # type: ignore[import-untyped,unused-ignore]

    doc = Document(str(path))
    table = doc.tables[0]
    cell = table.cell(2, 4)._tc
    p = cell.p_lst[0]
    p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="1" w:author="a"><w:r><w:delText>20人</w:delText></w:r></w:del>'))
    p.append(parse_xml(f'<w:ins {nsdecls("w")} w:id="2" w:author="a"><w:r><w:t>21人</w:t></w:r></w:ins>'))
    p.insert(0, parse_xml(f'<w:pPr {nsdecls("w")}><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'))
    tbl = table._tbl
    sdt = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtPr/><w:sdtContent/></w:sdt>')
    tbl.addprevious(sdt)
    sdt[1].append(tbl)
    doc.save(str(path))
    sub = read_submission(str(path))
    assert rows(sub) == [("产出指标", "数量指标", "人数", "≥20人", "21人", 50, 50, "")]
    assert dict(sub.level_weights) == {"产出指标": 50}
    assert sub.year == 2023


# ------------------------------------------------------------ nothing raw escapes
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = st.sampled_from(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "权重",
                          "总分", "单位名称", "年度资金总额", "全年预算数", "全年执行数", "产出指标(40分)", "５",
                          "≥10%", "", "\n", "\t", ",", '"', "2023年度", "1e999", "NaN", "—", "五"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=80))
def test_text_and_csv_fail_only_with_perfrules_errors(parts: list[str]) -> None:
    from perfrules.readers.csv_reader import parse_csv
    from perfrules.readers.text_export import parse_text_export

    text = "".join(parts)
    for parse in (parse_text_export, parse_csv):
        try:
            sub = parse(text, "x")
        except PerfrulesError:
            continue
        assert norm(read_toml_submission(submission_to_toml(sub))) == norm(sub)


_CELLS = st.one_of(_WORDS, st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
                   st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=7, max_size=7), max_size=12))
def test_random_tables_read_or_fail_cleanly(body: list[list[str]]) -> None:
    import csv as csvlib

    from perfrules.readers.csv_reader import parse_csv

    buffer = io.StringIO()
    writer = csvlib.writer(buffer)
    writer.writerows([["单位名称", "某局"], ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"], *body])
    try:
        sub = parse_csv(buffer.getvalue(), "x.csv")
    except PerfrulesError:
        return
    assert sub.unit == "某局"
    assert norm(read_toml_submission(submission_to_toml(sub))) == norm(sub)


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>一级指标</td></tr></table></body></html>", encoding="utf-8")
    assert message(path) == "文件是网页（HTML）格式，只是扩展名为 .xls/.doc，无法可靠读取"


def test_inline_label_with_more_on_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("填报单位：某某局   填报日期：2024年3月1日\n一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n"
                    "产出指标,数量指标,人数,≥1人,2人,5,5\n", encoding="utf-8")
    sub = read_submission(str(path))
    assert (sub.unit, sub.year) == ("某某局", 2024)
    assert sub.locations["单位名称"].line == 1


def test_a_table_with_no_score_column_has_no_filed_total(tmp_path: Path) -> None:
    """A 目标自评表 prints no 得分 column (忠县 2021); under a 总分 row there is then no
    cell that could hold the unit's total.  (Found by the fuzzer: a KeyError, once.)"""
    path = tmp_path / "no-score.csv"
    path.write_text("填报单位：某单位\n一级指标,二级指标,三级指标,年度指标值,实际完成值,权重,偏差原因\n"
                    "产出指标,质量指标,资助资金发放准确率,100%,100%,25,\n总分,,,,,,98.3\n", encoding="utf-8")
    sub = read_submission(str(path))
    assert sub.self_total is None
    assert [(r.name, r.target, r.actual, r.weight, r.self_score) for r in sub.indicators] == [
        ("资助资金发放准确率", "100%", "100%", Decimal(25), None)]
