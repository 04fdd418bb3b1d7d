"""The batch summary as JSON, HTML (with a grade chart) and Excel.

Units sorted by total, each with total, self-reported total, difference, grade
and findings by severity; the grade distribution; every failure with its file and
location; the units skipped as already done.  Reads the batch records only.
"""

from __future__ import annotations

import io
from html import escape
from typing import Any

from perfrules.batchrecords import BatchResult, Failure, UnitSummary, unit_to_json
from perfrules.explain import SEVERITIES
from perfrules.render.cells import append
from perfrules.render.common import plain, severity_word, shown
from perfrules.render.json_out import dumps

SCHEMA_VERSION = "1"

_W = {
    "zh": {"title": "批量复核汇总", "inputs": "输入", "scored": "已计分", "failed": "失败", "skipped": "已完成（跳过）",
           "rank": "名次", "name": "报告", "unit": "单位", "year": "年度", "total": "复核总分", "self": "自评总分",
           "diff": "差异（复核−自评）", "grade": "等级", "grades": "等级分布", "failures": "未能计分的文件", "input": "文件",
           "where": "位置", "error": "错误", "none": "无", "seconds": "用时（秒）", "units": "单位列表",
           "status": "状态", "skip_word": "跳过", "selection": "规则集选择"},
}


def _words(lang: str) -> dict[str, str]:
    return _W.get(lang, _W["zh"])


def counts(result: BatchResult) -> dict[str, int]:
    return {"inputs": result.inputs, "scored": len(result.scored), "failed": len(result.failures),
            "skipped": len(result.skipped)}


def failure_json(f: Failure) -> dict[str, Any]:
    return {"input": f.input, "name": f.name, "code": f.code, "location": f.location, "error": f.message}


# ------------------------------------------------------------------------ JSON
def render_json(result: BatchResult) -> str:
    skipped = {u.name for u in result.skipped}
    units = [{**unit_to_json(u), "status": "skipped" if u.name in skipped else "scored"} for u in result.units]
    data = {"schema_version": SCHEMA_VERSION, "counts": counts(result), "formats": list(result.formats),
            "seconds": format(result.seconds, "f"), "grades": result.grades(), "units": units,
            "failures": [failure_json(f) for f in result.failures],
            "skipped": [{"name": u.name, "input": u.input} for u in result.skipped]}
    return dumps(data) + "\n"


# ------------------------------------------------------------------------ HTML
_CSS = """
@page { size: A4; margin: 12mm 10mm; }
html { font-family: %s; font-size: 10pt; color: #111; }
body { max-width: 190mm; margin: 0 auto; padding: 6mm 0; }
h1 { font-size: 15pt; } h2 { font-size: 12pt; border-bottom: 1.5px solid #333; break-after: avoid; }
table { width: 100%%; border-collapse: collapse; font-size: 8.5pt; }
th, td { border: 0.6px solid #888; padding: 0.8mm 1.2mm; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; } thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.diff { background: #fff3cd; } tr.skipped td { color: #555; }
table.units { table-layout: fixed; }
pre { white-space: pre-wrap; margin: 0; font-size: 8pt; }
.counts span { display: inline-block; margin-right: 6mm; }
svg text { font-family: inherit; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def grade_chart(grades: dict[str, int], width: int = 480) -> str:
    """An inline SVG bar chart of the grade distribution (no script, no assets)."""
    if not grades:
        return ""
    bar_h, gap, label_w = 22, 8, 48
    top = max(grades.values())
    rows = []
    for i, (grade, n) in enumerate(grades.items()):
        y = i * (bar_h + gap)
        length = (width - label_w - 60) * n // top if top else 0
        rows.append(f'<text x="0" y="{y + 16}">{_e(grade)}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{max(length, 1)}" height="{bar_h}" fill="#4a7bd0"/>'
                    f'<text x="{label_w + length + 6}" y="{y + 16}">{n}</text>')
    height = len(grades) * (bar_h + gap)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="grades" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">{"".join(rows)}</svg>')


def _unit_row(i: int, u: UnitSummary, skipped: bool, w: dict[str, str]) -> str:
    diff = u.difference
    report = u.reports.get("html") or next(iter(u.reports.values()), "")
    # "./" keeps a report named like a URL scheme ("javascript:….html") a relative path.
    link = f'<a href="./{_e(report)}">{_e(u.name)}</a>' if report else _e(u.name)
    cells = [("n", str(i)), ("", link), ("", _e(u.unit)), ("n", _e(u.year or "")),
             ("n", _e(shown(u.total, u.places))), ("n", _e(plain(u.self_reported_total))),
             ("n diff" if diff else "n", _e(shown(diff, u.places) if diff else "")), ("", _e(u.grade or "—"))]
    cells += [("n", str(u.findings.get(s, 0))) for s in SEVERITIES]
    cells.append(("", _e(w["skip_word"]) if skipped else ""))
    cells.append(("sel", _e(u.selection)))
    tds = "".join(f'<td class="{c}">{v}</td>' if c else f"<td>{v}</td>" for c, v in cells)
    return f'<tr class="skipped">{tds}</tr>' if skipped else f"<tr>{tds}</tr>"


# Column widths (mm) of the units table: 名次 报告 单位 年度 复核 自评 差异 等级 错误 警告 提示 状态 规则集选择.
_WIDTHS = (9, 20, 0, 11, 14, 13, 12, 10, 9, 9, 9, 11, 30)


def _units_table(result: BatchResult, lang: str, w: dict[str, str]) -> str:
    skipped = {u.name for u in result.skipped}
    cols = "".join(f'<col style="width:{n}mm">' if n else "<col>" for n in _WIDTHS)
    keys = ("rank", "name", "unit", "year", "total", "self", "diff", "grade")
    head = "".join(f"<th>{_e(w[k])}</th>" for k in keys)
    head += "".join(f"<th>{_e(severity_word(s, lang))}</th>" for s in SEVERITIES) + f"<th>{_e(w['status'])}</th><th>{_e(w['selection'])}</th>"
    rows = "".join(_unit_row(i, u, u.name in skipped, w) for i, u in enumerate(result.units, start=1))
    return (f'<table class="units"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def render_html(result: BatchResult, lang: str = "zh") -> str:
    from perfrules.render.html import FONTS, document

    w = _words(lang)
    c = counts(result)
    fails = "".join(f"<tr><td>{_e(f.input)}</td><td>{_e(f.location)}</td><td><pre>{_e(f.message)}</pre></td></tr>"
                    for f in result.failures)
    fail_table = (f'<table class="failures"><thead><tr><th style="width:25%">{_e(w["input"])}</th>'
                  f'<th style="width:20%">{_e(w["where"])}</th><th>{_e(w["error"])}</th></tr></thead>'
                  f"<tbody>{fails}</tbody></table>") if fails else f"<p>{_e(w['none'])}</p>"
    body = (f"<h1>{_e(w['title'])}</h1><p class=\"counts\">"
            + "".join(f"<span>{_e(w[k])} <b>{v}</b></span>" for k, v in c.items())
            + f"<span>{_e(w['seconds'])} {_e(format(result.seconds, 'f'))}</span></p>"
            + f"<h2>{_e(w['grades'])}</h2>{grade_chart(result.grades())}"
            + f"<h2>{_e(w['units'])}</h2>{_units_table(result, lang, w)}"
            + f"<h2>{_e(w['failures'])}（{len(result.failures)}）</h2>{fail_table}")
    return document(w["title"], body, lang, css=_CSS % FONTS)


# ------------------------------------------------------------------------ Excel
def render_xlsx(result: BatchResult, lang: str = "zh") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from perfrules.render.xlsx import number_format

    w = _words(lang)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总" if lang == "zh" else "Summary"
    sev = [severity_word(s, lang) for s in SEVERITIES]
    append(ws, [w[k] for k in ("rank", "name", "unit", "year", "total", "self", "diff", "grade")] + sev + [w["status"], w["selection"]])
    skipped = {u.name for u in result.skipped}
    for i, u in enumerate(result.units, start=1):
        row: list[Any] = [i, u.name, u.unit, u.year, u.total, u.self_reported_total, u.difference, u.grade]
        row += [u.findings.get(s, 0) for s in SEVERITIES] + [w["skip_word"] if u.name in skipped else "", u.selection]
        append(ws, row)
        for col in ("E", "F", "G"):
            ws[f"{col}{i + 1}"].number_format = number_format(u.places)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    gs = wb.create_sheet(w["grades"])
    append(gs, [w["grade"], "数量" if lang == "zh" else "Count"])
    for grade, n in result.grades().items():
        append(gs, [grade, n])
    fs = wb.create_sheet(w["failed"])
    append(fs, [w["input"], w["where"], "代码" if lang == "zh" else "Code", w["error"]])
    for f in result.failures:
        append(fs, [f.input, f.location, f.code, f.message])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render(result: BatchResult, fmt: str, lang: str = "zh") -> str | bytes:
    """The summary in json, html or xlsx."""
    if fmt == "json":
        return render_json(result)
    if fmt == "html":
        return render_html(result, lang)
    if fmt == "xlsx":
        return render_xlsx(result, lang)
    raise ValueError(f"unknown summary format {fmt}")

