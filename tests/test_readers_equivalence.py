"""The lxml readers give the Document python-docx and openpyxl gave (issue 14, item 3).

tests/oldreaders.py keeps the readers as they were; every .docx/.xlsx the suite ships
or renders (fixtures, examples, the corpus tables in their printed layout), files
written here for each feature the readers handle (rich text, inline strings, dates,
percentages, booleans, errors, formulas with and without a cached value, shared
formulas, hidden sheets, merged cells, row gaps, gridSpan, vMerge, gridBefore,
content controls, tracked changes, text boxes, nested tables), random workbooks and
damaged copies are read by both and compared.
"""

from __future__ import annotations

import datetime
import io
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules.errors import PerfrulesError
from perfrules.readers import docx_reader, xlsx_reader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "corpus"))

import oldreaders  # noqa: E402
from make_layouts import render  # noqa: E402

SHIPPED = sorted([*(ROOT / "tests" / "fixtures").glob("*.docx"), *(ROOT / "tests" / "fixtures").glob("*.xlsx"),
                  *(ROOT / "examples").rglob("*.docx"), *(ROOT / "examples").rglob("*.xlsx")])
CORPUS = sorted(p.parent for p in (ROOT / "tests" / "corpus").glob("*/*/table.toml")
                if p.parent.parent.name in ("real", "layouts"))


def same(path: Path | str) -> None:
    """Both readers give the same Document (or the old one fails and the new one reads)."""
    path = str(path)
    if path.endswith(".docx"):
        old_read, new_read = oldreaders.docx_document, docx_reader.docx_document
    else:
        old_read, new_read = oldreaders.xlsx_document, xlsx_reader.xlsx_document
    try:
        old = old_read(path)
    except PerfrulesError:  # refused before; the new reader may read what it needs (or refuse too)
        try:
            new_read(path)
        except PerfrulesError:
            pass
        return
    assert new_read(path) == old


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files(path: Path) -> None:
    same(path)


@pytest.mark.parametrize("folder", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_tables_in_their_printed_layout(folder: Path, tmp_path: Path) -> None:
    xlsx, docx, _csv = render(folder, tmp_path)
    same(xlsx)
    same(docx)


# ------------------------------------------------------------------------- Excel
W_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def raw_xlsx(path: Path, sheets: list[tuple[str, str]], *, strings: str = "", styles: str = "",
             workbook_pr: str = "", states: tuple[str, ...] = ()) -> Path:
    """An .xlsx from raw sheet XML (the <sheetData> content of each sheet)."""
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                       'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(sheets)))
             + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sharedStrings+xml"/>' if strings else "") + "</Types>")
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book = (f'<workbook xmlns="{W_MAIN}" xmlns:r="{R_NS}">{workbook_pr}<sheets>'
            + "".join(f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"'
                      + (f' state="{states[i]}"' if i < len(states) else "") + "/>"
                      for i, (name, _xml) in enumerate(sheets)) + "</sheets></workbook>")
    book_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                           f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(len(sheets))) + "</Relationships>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", book_rels)
        for i, (_name, xml) in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", f'<worksheet xmlns="{W_MAIN}"><sheetData>{xml}</sheetData>'
                        '<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells></worksheet>')
        if strings:
            zf.writestr("xl/sharedStrings.xml", f'<sst xmlns="{W_MAIN}">{strings}</sst>')
        if styles:
            zf.writestr("xl/styles.xml", f'<styleSheet xmlns="{W_MAIN}">{styles}</styleSheet>')
    return path


STYLES = ('<numFmts count="4"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
          '<numFmt numFmtId="166" formatCode="[h]:mm:ss"/><numFmt numFmtId="167" formatCode="&quot;d&quot;0.00"/></numFmts>'
          '<cellXfs count="9"><xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="10"/><xf numFmtId="14"/>'
          '<xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="21"/></cellXfs>')
STRINGS = ('<si><t>单位名称</t></si><si><r><rPr><b/></rPr><t>一级</t></r><r><t xml:space="preserve">指标 </t></r></si>'
           '<si><t>纯文本</t><rPh sb="0" eb="1"><t>ふりがな</t></rPh></si><si><t/></si><si><t>_x005F_x000D_转义</t></si>'
           '<si><t>a</t><t>b</t></si>')


def _c(ref: str, body: str, t: str = "", s: str = "") -> str:
    return f'<c r="{ref}"' + (f' t="{t}"' if t else "") + (f' s="{s}"' if s else "") + f">{body}</c>"


EXCEL_SHEETS = {
    "values": "".join([
        '<row r="1">' + _c("A1", "<v>0</v>", "s") + _c("B1", "<v>1</v>", "s") + _c("C1", "<v>2</v>", "s")
        + _c("D1", "<v>3</v>", "s") + _c("E1", "<v>4</v>", "s") + _c("F1", "<v>5</v>", "s") + "</row>",
        '<row r="2">' + _c("A2", "<v>0.8</v>", s="1") + _c("B2", "<v>0.98329999999999995</v>", s="2")
        + _c("C2", "<v>45352</v>", s="3") + _c("D2", "<v>0.123</v>", s="4") + _c("E2", "<v>45352.5</v>", s="5")
        + _c("F2", "<v>1.5</v>", s="6") + _c("G2", "<v>12</v>", s="7") + _c("H2", "<v>0.75</v>", s="8") + "</row>",
        '<row r="4">' + _c("A4", "<v>1</v>", "b") + _c("B4", "<v>0</v>", "b") + _c("C4", "<v>#DIV/0!</v>", "e")
        + _c("D4", "<v>文本结果</v>", "str") + _c("E4", "<is><t>内联</t><r><t>富文本</t></r></is>", "inlineStr")
        + _c("F4", "<v>2024-03-01T00:00:00</v>", "d") + _c("G4", "<v>9999.809999999999</v>")
        + _c("H4", "<v>1E+20</v>") + _c("I4", "<v>1e999</v>") + _c("J4", "<v></v>") + "</row>",
        '<row r="3">' + _c("A3", "<v>早于上一行</v>", "str") + "</row>",
        '<row r="4">' + _c("A4", "<v>重复的行</v>", "str") + "</row>",
        '<row r="6"><c t="str"><v>无坐标1</v></c><c t="str"><v>无坐标2</v></c>' + _c("E6", "<v>5</v>")
        + "<c><v>7</v></c>" + _c("E6", "<v>覆盖</v>", "str") + _c("GS6", "<v>201列</v>", "str") + "</row>",
        "<row>" + _c("B7", "<v>行号省略</v>", "str") + "</row>",
        '<row r="9"/>',
    ]),
    "formulas": "".join([
        '<row r="1">' + _c("A1", "<v>1</v>") + _c("B1", "<f>A1*2</f><v>2</v>") + _c("C1", "<f>A1*3</f>")
        + _c("D1", '<f t="shared" ref="D1:D3" si="0">A1+1</f>') + _c("E1", "<f>A1&amp;\"x\"</f><v></v>", "str")
        + _c("F1", '<f t="array" ref="F1">SUM(A1:B1)</f>') + "</row>",
        '<row r="2">' + _c("A2", "<v>2</v>") + _c("D2", '<f t="shared" si="0"/>') + _c("E2", '<f t="shared" si="0"/><v>3</v>')
        + "</row>",
        '<row r="3">' + _c("A3", "<v>3</v>") + _c("D3", '<f t="shared" si="0"/>') + "</row>",
        '<row r="5">' + _c("H5", "<f>A1</f>") + "</row>",  # outside the table read: not kept
    ]),
    "hidden": '<row r="2">' + _c("C2", "<v>隐藏的表</v>", "str") + "</row>",
    "empty": "",
}


def test_excel_features(tmp_path: Path) -> None:
    path = raw_xlsx(tmp_path / "features.xlsx", list(EXCEL_SHEETS.items()), strings=STRINGS, styles=STYLES,
                    states=("visible", "visible", "hidden"))
    same(path)
    doc = xlsx_reader.xlsx_document(str(path))
    values, formulas = doc.tables[0], doc.tables[1]
    assert [c.text for c in values.rows[1][:8]] == ["80%", "98.33%", "2024-03-01", "12.3%", "2024-03-01 12:00:00",
                                                    "1 day, 12:00:00", "12", "18:00:00"]
    assert [c.text for c in values.rows[0][:6]] == ["单位名称", "一级指标 ", "纯文本", "", "_x000D_转义", "b"]
    assert [c.text for c in values.rows[3][:9]] == ["是", "否", "#DIV/0!", "文本结果", "内联富文本", "2024-03-01",
                                                    "9999.81", "100000000000000000000", "inf"]
    assert values.rows[5][0].text == "无坐标1" and values.rows[5][4].text == "覆盖"
    assert values.rows[5][0].position.cell == "values!A6"
    assert [(c.text, c.formula) for c in formulas.rows[0][:5]] == [
        ("1", ""), ("2", ""), ("", "=A1*3"), ("", "=A1+1"), ("", '=A1&"x"')]
    assert [(c.text, c.formula) for c in formulas.rows[1][3:5]] == [("", "=A2+1"), ("3", "")]
    assert formulas.rows[2][3].formula == "=A3+1"
    assert doc.tables[2].rows[1][2].text == "隐藏的表"
    assert doc.tables[3].rows == ()


def test_excel_array_formula_is_its_text(tmp_path: Path) -> None:
    """openpyxl gave an ArrayFormula whose str() was its repr; the formula's text is kept now."""
    path = raw_xlsx(tmp_path / "array.xlsx", [("s", '<row r="1">' + _c("A1", '<f t="array" ref="A1">SUM(B1:C1)</f>')
                                               + _c("B1", "<v>1</v>") + "</row>")])
    assert xlsx_reader.xlsx_document(str(path)).tables[0].rows[0][0].formula == "=SUM(B1:C1)"


def test_excel_1904_dates(tmp_path: Path) -> None:
    path = raw_xlsx(tmp_path / "mac.xlsx", [("s", '<row r="1">' + _c("A1", "<v>0</v>", s="3") + _c("B1", "<v>1</v>", s="3")
                                             + "</row>")], styles=STYLES, workbook_pr='<workbookPr date1904="1"/>')
    same(path)
    assert [c.text for c in xlsx_reader.xlsx_document(str(path)).tables[0].rows[0]] == ["00:00:00", "1904-01-02"]


def test_date_formats_are_openpyxls() -> None:
    from openpyxl.styles import numbers

    from perfrules.readers import xlsx_cells

    for index in range(200):
        assert xlsx_cells.BUILTIN_FORMATS.get(index) == numbers.BUILTIN_FORMATS.get(index)
    codes = [*numbers.BUILTIN_FORMATS.values(), 'yyyy"年"m"月"d"日"', '"d"0.00', "[Red]0.00", "[h]:mm", "[mm]:ss",
             "0.00;[Red]-0.00;yyyy", "\\d0", "_d0", '[$-804]yyyy"年"', "[DBNum1]0", "上午/下午h时mm分", "0.0%", "@"]
    for code in codes:
        assert xlsx_cells.is_date_format(code) == numbers.is_date_format(code), code
        assert xlsx_cells.is_timedelta_format(code) == numbers.is_timedelta_format(code), code


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=6)
_VALUES = st.one_of(st.integers(-10**12, 10**12), st.floats(-1e15, 1e15, allow_nan=False), st.booleans(), _TEXT, st.sampled_from(["=A1+1", "≥10%", "", " "]),
                    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),
                    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)))
_FORMATS = st.sampled_from(["General", "0%", "0.00%", "0.0%", "#,##0.00", "yyyy-mm-dd", "h:mm", "@", '0.00"万元"'])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 12), _VALUES, _FORMATS), max_size=40),
       st.lists(st.tuples(st.integers(1, 30), st.integers(1, 12), st.integers(0, 3), st.integers(0, 3)), max_size=3))
def test_random_workbooks(cells: list[tuple[int, int, Any, str]], merges: list[tuple[int, int, int, int]]) -> None:
    import tempfile

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row, col, value, fmt in cells:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str) and value.startswith("="):
            cell.value = value  # a formula with no cached value
        else:
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
        cell.number_format = fmt
    for row, col, down, right in merges:
        ws.merge_cells(f"{get_column_letter(col)}{row}:{get_column_letter(col + right)}{row + down}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.xlsx"
        wb.save(path)
        same(path)


# -------------------------------------------------------------------------- Word
def _docx(tmp_path: Path, name: str, body_xml: str) -> Path:
    """The seed .docx with its body replaced by *body_xml*."""
    source = ROOT / "tests" / "fixtures" / "seed.docx"
    path = tmp_path / name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                start, end = text.index("<w:body>"), text.index("</w:body>")
                data = (text[:start] + "<w:body>" + body_xml + "</w:body>" + text[end + len("</w:body>"):]).encode()
            dst.writestr(item, data)
    return path


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(body: str, pr: str = "") -> str:
    return f"<w:tc>{'<w:tcPr>' + pr + '</w:tcPr>' if pr else ''}{body}</w:tc>"


WORD_BODY = "".join([
    _p("2023年度某局部门整体支出绩效自评表"),
    '<w:p><w:r><w:t xml:space="preserve">  前后空格 </w:t><w:tab/><w:t>制表</w:t><w:br/><w:t>换行</w:t><w:cr/>'
    "<w:noBreakHyphen/></w:r><w:ins><w:r><w:t>插入</w:t></w:r></w:ins><w:del><w:r><w:delText>删除</w:delText>"
    "<w:t>删</w:t></w:r></w:del><w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink></w:p>",
    '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    "<mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing>"
    "</mc:Choice><mc:Fallback><w:pict><w:t>文本框</w:t></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
    "<w:sdt><w:sdtPr/><w:sdtContent>" + _p("内容控件里的段落") + "<w:sdt><w:sdtContent>" + _p("嵌套控件")
    + "</w:sdtContent></w:sdt></w:sdtContent></w:sdt>",
    "<w:tbl><w:tblGrid/>",
    "<w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>" + _tc(_p("一级指标"), '<w:gridSpan w:val="2"/>')
    + _tc(_p("三级指标")) + "</w:tr>",
    "<w:tr>" + _tc(_p("产出指标"), '<w:vMerge w:val="restart"/>') + _tc(_p("数量") + _p("指标")) + _tc(_p("人数"))
    + _tc("<w:tbl><w:tr>" + _tc(_p("嵌套表")) + "</w:tr></w:tbl>" + _p("外层")) + "</w:tr>",
    "<w:tr>" + _tc("<w:p/>", "<w:vMerge/>") + _tc(_p("质量"), '<w:gridSpan w:val="0"/>') + _tc(_p("宽"), '<w:gridSpan w:val="300"/>')
    + "<w:sdt><w:sdtContent>" + _tc(_p("控件里的格")) + "</w:sdtContent></w:sdt></w:tr>",
    "<w:sdt><w:sdtContent><w:tr>" + _tc(_p("控件里的行")) + "</w:tr></w:sdtContent></w:sdt>",
    "</w:tbl>",
    _p("表后"), "<w:p/>",
    "<w:tbl><w:tr>" + _tc(_p("第二表")) + "</w:tr></w:tbl>",
    "<w:sectPr/>",
])


def test_word_features(tmp_path: Path) -> None:
    path = _docx(tmp_path, "features.docx", WORD_BODY)
    same(path)
    doc = docx_reader.docx_document(str(path))
    assert doc.paragraphs[1] == "前后空格 \t制表\n换行\n-插入链接"
    assert doc.paragraphs[2] == "文本框"
    first = doc.tables[0]
    assert first.before == ("文本框", "内容控件里的段落", "嵌套控件")
    assert [(c.text, c.merged) for c in first.rows[0]] == [("", False), ("一级指标", False), ("", True), ("三级指标", False)]
    assert first.rows[1][1].text == "数量\n指标" and first.rows[1][3].text == "外层"
    assert first.rows[2][0].merged and first.rows[2][0].position.cell == "表1 第3行 第1列"


def test_word_cells_after_a_wide_span_are_where_the_grid_puts_them(tmp_path: Path) -> None:
    body = ("<w:tbl><w:tr>" + _tc(_p("跨三列"), '<w:gridSpan w:val="3"/>') + _tc(_p("第四列")) + "</w:tr>"
            "<w:tr><w:trPr><w:gridBefore w:val=\"2\"/></w:trPr>" + _tc(_p("跨四列"), '<w:gridSpan w:val="4"/>') + "</w:tr>"
            "</w:tbl><w:sectPr/>")
    table = docx_reader.docx_document(str(_docx(tmp_path, "wide.docx", body))).tables[0]
    assert [(c.text, c.merged) for c in table.rows[0]] == [("跨三列", False), ("", True), ("", True), ("第四列", False)]
    for r, row in enumerate(table.rows, start=1):  # each grid column named once, in order
        assert [c.position.cell for c in row] == [f"表1 第{r}行 第{k}列" for k in range(1, len(row) + 1)]


def test_word_template_is_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "template.docx"
    with zipfile.ZipFile(ROOT / "tests" / "fixtures" / "seed.docx") as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(item, data)
    same(path)
    with pytest.raises(PerfrulesError) as info:
        docx_reader.docx_document(str(path))
    assert info.value.message.startswith("无法打开 Word 文件：文件已损坏或不是 .docx")


# ------------------------------------------------------------------ damaged copies
@pytest.mark.parametrize("source", [p for p in SHIPPED if p.parent.name == "fixtures"], ids=lambda p: p.name)
def test_damaged_copies(source: Path, tmp_path: Path) -> None:
    """A member's XML cut, bytes flipped: the new reader reads what the old one read,
    and fails only with a PerfrulesError."""
    rng = random.Random(source.name)
    with zipfile.ZipFile(source) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    xml_members = [n for n in members if n.endswith((".xml", ".rels"))]
    for round_ in range(12):
        damaged = dict(members)
        name = rng.choice(xml_members)
        data = bytearray(damaged[name])
        at = rng.randrange(len(data))
        if round_ % 3 == 0:
            data = data[:at]
        else:
            data[at] = rng.choice(b'<>/"=x0 \x00')
        damaged[name] = bytes(data)
        path = tmp_path / f"damaged{round_}{source.suffix}"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for member, content in damaged.items():
                zf.writestr(member, content)
        path.write_bytes(buffer.getvalue())
        same(path)
