"""Every report format for the seed: Markdown, JSON (against its schema), Excel, HTML.

The HTML report is opened in a real headless Chromium: printed to PDF (A4, one or
two pages, with the total and the lost point on them) and screenshot at A4 size.
Outputs go to results/ (git-ignored) so a person can open them.
"""

from __future__ import annotations

from html.parser import HTMLParser

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path

import attrs
import jsonschema
import openpyxl
import pytest
from conftest import ROOT, SEED, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules.explain import Result
from perfrules.scoring.interpreter import score
from perfrules.ruleset.loader import load_ruleset
from perfrules.readers import read_submission
from perfrules.render import BINARY_FORMATS, EXTENSIONS, FORMATS, render

RESULTS = ROOT / "results"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--no-pdf-header-footer"]


def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS


@pytest.fixture(scope="module")
def differing_result() -> Result:
    """The seed with two self-reported scores changed, so 自评 and 复核 differ, and a hostile unit name."""
    sub = read_submission(str(SEED))
    rows = list(sub.indicators)
    rows[0] = attrs.evolve(rows[0], self_score=Decimal(4))
    rows[2] = attrs.evolve(rows[2], actual="7.9%", self_score=Decimal(5))
    sub = attrs.evolve(sub, indicators=tuple(rows), unit="<script>alert(1)</script>测试单位 & Co")
    return score(sub, load_ruleset("hunan/zhuzhou/lusong/2023"))


def test_every_format_is_registered() -> None:
    assert set(FORMATS) == {"text", "json", "md", "html", "xlsx"}
    assert BINARY_FORMATS == {"xlsx"}
    assert set(EXTENSIONS) >= set(FORMATS)


# ------------------------------------------------------------------------ Markdown
def test_markdown_has_the_table_and_the_explanation(seed_result: Result) -> None:
    md = render(seed_result, "md")
    assert isinstance(md, str)
    (results_dir() / "seed.md").write_text(md, encoding="utf-8")
    assert "| 序号 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 自评得分 | 复核得分 | 差异（复核−自评） | 方式 |" in md
    assert "| 15 | 成本指标 | 经济成本指标 | 单位管理运营成本 | ≥386万元 | 409.31万元 | 10 | 10 | 10.00 |  | 计算 |" in md
    assert "**复核总分**：**98.00** / 100（自评总分 98）" in md
    assert "## 失分说明（2.00 分）" in md
    assert "失 2.00 分" in md and "`qualitative` 达成 → [80%, 100%]" in md
    assert "**条款**：自评表注（定性指标）" in md
    assert "**文件**：财预〔2020〕10号《项目支出绩效评价管理办法》" in md
    assert "**偏差原因**：经济大环境形式不乐观" in md
    assert md.count("- **警告**") == 7
    # every indicator row is numbered from 1, blank rows shown as 空行 (issue 12); the execution row unnumbered
    body = [line for line in md.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(body) == sum(1 for r in seed_result.rows if r.row != 0)
    assert [line.split(" | ")[0] for line in body][0] == "| 1"
    assert sum(line.endswith("| 空行 |") for line in body) == sum(r.method == "blank" for r in seed_result.rows) > 0


def test_markdown_escapes_pipes_in_cells(differing_result: Result) -> None:
    sub = attrs.evolve(differing_result, rows=tuple(attrs.evolve(r, target="a|b") if r.row == 1 else r
                                                     for r in differing_result.rows))
    assert "a\\|b" in render(sub, "md")


# ------------------------------------------------------------------------ JSON
def test_json_output_validates_against_the_shipped_schema(seed_result: Result, differing_result: Result) -> None:
    import importlib.resources

    text = importlib.resources.files("perfrules").joinpath("schemas/result.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    for result in (seed_result, differing_result):
        data = json.loads(render(result, "json"))
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    broken = json.loads(render(seed_result, "json"))
    broken["total"] = 98.0  # a JSON number breaks the contract
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


_JSON_TEXT = st.text(st.characters(blacklist_categories=()), max_size=8)  # surrogates and controls too
_JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4), max_leaves=20)


@given(_JSON_DATA)
@settings(max_examples=400, deadline=None)
def test_the_json_text_is_the_standard_librarys(data: object) -> None:
    """The JSON report is written by orjson where it can and by json where orjson refuses
    (a lone surrogate, an integer past 64 bits): the same text as
    ``json.dumps(ensure_ascii=False, indent=2)`` either way."""
    from perfrules.render.json_out import dumps

    assert dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_the_json_report_is_written_by_orjson(seed_result: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    """orjson writes the report (json's indenting encoder is pure Python), and json, when
    orjson is missing, writes the same text."""
    from perfrules.render import json_out

    fast = render(seed_result, "json")
    assert json_out._orjson is not None
    monkeypatch.setattr(json_out, "_orjson", None)
    assert render(seed_result, "json") == fast


def test_json_schema_documents_every_field() -> None:
    doc = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    schema = json.loads((ROOT / "perfrules" / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
    for field in schema["properties"]:
        assert f"`{field}`" in doc, field


# ------------------------------------------------------------------------ Excel
def _workbook(result: Result) -> openpyxl.Workbook:
    data = render(result, "xlsx")
    assert isinstance(data, bytes)
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_sheets_and_numbers(seed_result: Result) -> None:
    data = render(seed_result, "xlsx")
    assert isinstance(data, bytes)
    (results_dir() / "seed.xlsx").write_bytes(data)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["自评表", "审核提示", "失分说明"]
    ws = wb["自评表"]
    header = [c.value for c in ws[1]]
    assert header[:9] == ["序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "偏差原因"]
    assert header[9:12] == ["复核得分", "差异（复核−自评）", "说明"]
    by_row = {ws.cell(i, 1).value: i for i in range(2, ws.max_row + 1) if isinstance(ws.cell(i, 1).value, int)}
    assert len(by_row) == len(seed_result.rows)  # the table as filed, blank rows included
    for r in seed_result.rows:
        review = ws.cell(by_row[r.row], 10)
        if r.score is None:
            assert review.value is None
            continue
        assert review.data_type == "n" and not isinstance(review.value, str)
        assert Decimal(str(review.value)) == r.score
        assert review.number_format == "0.00"
        assert ws.cell(by_row[r.row], 7).data_type == "n"
    row8 = by_row[8]
    assert ws.cell(row8, 10).value == 8 and ws.cell(row8, 8).value == 8
    assert "失 2.00 分" in ws.cell(row8, 12).value
    total_row = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 4).value == "复核总分")
    assert ws.cell(total_row, 10).value == 98 and ws.cell(total_row, 10).data_type == "n"
    assert wb["审核提示"].max_row == 1 + len(seed_result.findings)
    lost = wb["失分说明"]
    assert lost.cell(2, 4).value == 2 and lost.cell(2, 4).data_type == "n"
    assert lost.cell(2, 9).value == "财预〔2020〕10号《项目支出绩效评价管理办法》"


def test_xlsx_keeps_exact_decimals(differing_result: Result) -> None:
    ws = _workbook(differing_result)["自评表"]
    row3 = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == 3)
    exact = next(r.score for r in differing_result.rows if r.row == 3)
    assert exact is not None and exact != exact.quantize(Decimal("0.01"))  # 5 × 7.9 ÷ 8.5
    assert Decimal(str(ws.cell(row3, 10).value)) == exact.quantize(Decimal("1e-15")).normalize() or \
        abs(Decimal(str(ws.cell(row3, 10).value)) - exact) < Decimal("1e-12")
    assert ws.cell(row3, 11).data_type == "n"


# ------------------------------------------------------------------------ HTML (static)
def test_html_is_self_contained_and_escaped(differing_result: Result) -> None:
    html = render(differing_result, "html")
    assert isinstance(html, str)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;测试单位 &amp; Co" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|url\(|@import""", html)
    assert "@page { size: A4" in html and "break-inside: avoid" in html
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif' in html
    differing = re.findall(r'<tr data-row="(\d+)" class="[^"]*differs', html)
    assert differing == ["1", "3"]


def test_html_has_unit_ruleset_table_lost_points_findings_grade(seed_result: Result) -> None:
    html = render(seed_result, "html")
    assert isinstance(html, str)
    for text in ("株洲高新技术产业开发区董家塅片区管理委员会", "2023", "hunan/zhuzhou/lusong/2023", "2023.1",
                 "national/cz2020-10 → national/cz2021-101 → hunan → hunan/zhuzhou → hunan/zhuzhou/lusong/2023",
                 "<th>自评得分</th><th>复核得分</th>", "<b>98.00</b>", "等级 <b>优</b>", "失 2.00 分",
                 "自评表注（定性指标）", "财预〔2020〕10号《项目支出绩效评价管理办法》", "审核提示（7：错误 0，警告 7，提示 0）"):
        assert text in html, text


# ------------------------------------------------------------------------ HTML in Chromium
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("PERFRULES_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (.ci/run installs it) but was not found")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return found


def run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120, check=False)


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Uncaught" in line or ":CONSOLE" in line]


@pytest.mark.chromium
def test_html_prints_on_a4_in_chromium(seed_result: Result) -> None:
    from pypdf import PdfReader

    out = results_dir()
    page = out / "seed.html"
    page.write_text(str(render(seed_result, "html")), encoding="utf-8")
    pdf, png = out / "seed.pdf", out / "seed.png"
    for stale in (pdf, png):
        stale.unlink(missing_ok=True)
    printed = run_chromium("--enable-logging=stderr", "--v=0", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.is_file(), printed.stderr[-2000:]
    assert console_errors(printed.stderr) == []
    shot = run_chromium("--enable-logging=stderr", "--v=0", f"--screenshot={png}", "--window-size=1240,1754",
                        page.as_uri())
    assert png.is_file() and png.stat().st_size > 10_000, shot.stderr[-2000:]
    assert console_errors(shot.stderr) == []
    reader = PdfReader(str(pdf))
    assert 1 <= len(reader.pages) <= 2
    for p in reader.pages:  # A4: 595 × 842 points
        assert abs(float(p.mediabox.width) - 595) < 2 and abs(float(p.mediabox.height) - 842) < 2
    text = "".join(p.extract_text() for p in reader.pages)
    # Noto CJK maps some glyphs to Kangxi radicals (⾼ for 高) in the text layer: NFKC folds them back.
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    assert "98.00" in flat and "优" in flat
    assert "失2.00分" in flat and "经济效益指标" in flat
    assert "经济大环境形式不乐观" in flat


@pytest.mark.chromium
def test_console_error_check_would_catch_an_error() -> None:
    """The check above is real: a page with a script error is reported."""
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "broken.html"
        page.write_text("<!DOCTYPE html><p>x</p><script>undefinedFunction()</script>", encoding="utf-8")
        res = run_chromium("--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert console_errors(res.stderr), res.stderr[-2000:]


@pytest.mark.chromium
def test_html_dom_in_chromium_has_highlighted_differences(differing_result: Result) -> None:
    page = results_dir() / "differs.html"
    page.write_text(str(render(differing_result, "html")), encoding="utf-8")
    png = results_dir() / "differs.png"
    run_chromium(f"--screenshot={png}", "--window-size=1240,1754", page.as_uri())
    dom = run_chromium("--dump-dom", page.as_uri()).stdout
    assert dom.count('class="differs') == 2
    assert "&lt;script&gt;" in dom and "<script>" not in dom


class _Elements(HTMLParser):
    """The elements and attributes in a DOM Chromium dumped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(k, v or "") for k, v in attrs]


@pytest.mark.chromium
def test_hostile_text_builds_no_live_element_in_chromium(seed_result: Result) -> None:
    """Issue 12: markup a unit typed is text in the browser's DOM, in the report and the summary."""
    import attrs

    from perfrules.app.batch import BatchResult, Failure, UnitSummary
    from perfrules.render import summary

    attack = '"><img src=x onerror="document.title=1"><script>document.title=2</script>\u202e\x01'
    rows = tuple(attrs.evolve(r, reason=attack, name=attack) for r in seed_result.rows)
    hostile = attrs.evolve(seed_result, unit=attack, rows=rows, selection=attack,
                           explanations=tuple(e._replace(reason=attack) for e in seed_result.explanations))
    unit = UnitSummary(attack, attack, attack, 2023, Decimal(90), Decimal(91), attack, {}, {"html": "javascript:alert(1)"})
    batch = BatchResult(2, (unit,), (), (Failure(attack, attack, "toml", attack, attack),), ("html",))
    for name, page_html in (("hostile.html", render(hostile, "html")), ("hostile-summary.html", summary.render_html(batch))):
        page = results_dir() / name
        page.write_text(str(page_html), encoding="utf-8", errors="backslashreplace")
        dumped = run_chromium("--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
        dom = dumped.stdout
        assert "<body>" in dom and "&lt;script&gt;document.title=2&lt;/script&gt;" in dom, dumped.stderr[-2000:]
        elements = _Elements()
        elements.feed(dom)
        assert not elements.tags & {"script", "img", "iframe", "object", "embed"}, elements.tags
        assert not [k for k, _ in elements.attributes if k.startswith("on")]
        assert not [v for k, v in elements.attributes if k == "href" and v.lower().startswith("javascript:")]
        if name == "hostile.html":  # the report's title holds the unit name: no script ran to change it
            assert re.search(r"<title>[^<]*document\.title=2", dom)
        assert console_errors(dumped.stderr) == []


# ------------------------------------------------------------------------ CLI
def test_cli_formats(tmp_path: Path) -> None:
    for fmt in ("md", "html", "json", "text"):
        res = cli("score", str(SEED), "--format", fmt)
        assert res.code == 0, res.err
        assert "98.00" in res.out
    binary = cli("score", str(SEED), "--format", "xlsx")
    assert binary.code == 2 and "-o" in binary.err
    target = tmp_path / "seed.xlsx"
    res = cli("score", str(SEED), "--format", "xlsx", "-o", str(target))
    assert res.code == 0, res.err
    ws = openpyxl.load_workbook(target)["自评表"]
    assert ws["J2"].data_type == "n"
    two = cli("score", str(SEED), "-f", "md", "-f", "json")
    assert two.code == 2


def test_single_missing_file_is_an_input_error() -> None:
    res = cli("score", "no/such/file.toml")
    assert res.code == 2 and "no/such/file.toml" in res.err
