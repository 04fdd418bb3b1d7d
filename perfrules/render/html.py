"""The HTML report: one self-contained file an auditor can file and print on A4.

No scripts, no external assets (fonts by family fallbacks, styles inline), every
text escaped.  The 自评表 shows 自评得分 and 复核得分 side by side with rows that
differ or lost points highlighted; each point lost with rule, values and clause;
findings by severity; the grade.  Reads the records only.
"""

from __future__ import annotations

from html import escape

from perfrules.explain import SEVERITIES, Explanation, Finding, Result, RowResult
from perfrules.render.common import (
    by_severity, difference, explanation_title, heading, method_word, plain, row_number, severity_word, shown,
    shown_values, total_difference, words,
)

FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif'

CSS = """
@page { size: A4; margin: 12mm 10mm 14mm 10mm; }
* { box-sizing: border-box; }
html { font-family: %(fonts)s; font-size: 10pt; color: #111; background: #fff; }
body { margin: 0 auto; max-width: 190mm; padding: 6mm 0; line-height: 1.45; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 1.5px solid #333; padding-bottom: 1mm; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; break-after: avoid; }
.meta { display: grid; grid-template-columns: 20mm 1fr; gap: 0.5mm 3mm; font-size: 9pt; margin: 0; }
.meta dt { color: #555; } .meta dd { margin: 0; word-break: break-all; }
.score { display: flex; gap: 4mm; margin: 3mm 0; }
.score div { border: 1px solid #999; border-radius: 2mm; padding: 1.5mm 4mm; }
.score b { font-size: 16pt; } .score .grade b { color: #0a5; }
table { width: 100%%; border-collapse: collapse; table-layout: fixed; font-size: 8pt; }
th, td { border: 0.6px solid #888; padding: 0.8mm 1mm; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; font-weight: bold; }
thead { display: table-header-group; }
tr, .entry, .finding { break-inside: avoid; page-break-inside: avoid; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { white-space: pre-line; }
tr.differs td { background: #fff3cd; }
tr.lost td.review { color: #b00; font-weight: bold; }
td.diff { color: #b00; font-weight: bold; }
.entry { border-left: 3px solid #b00; padding: 0.5mm 0 0.5mm 3mm; margin: 2mm 0; }
.entry dl { display: grid; grid-template-columns: 18mm 1fr; gap: 0.5mm 2mm; margin: 0; font-size: 9pt; }
.entry dt { color: #555; } .entry dd { margin: 0; white-space: pre-line; overflow-wrap: anywhere; }
.rule-id { color: #666; font-size: 7.5pt; font-family: monospace; }
.findings { list-style: none; padding: 0; margin: 0; font-size: 9pt; }
.finding { margin: 1mm 0; padding-left: 3mm; border-left: 3px solid #999; }
.finding.error { border-color: #b00; } .finding.warning { border-color: #d80; } .finding.info { border-color: #08a; }
.tag { display: inline-block; min-width: 9mm; font-weight: bold; }
.error .tag { color: #b00; } .warning .tag { color: #a60; } .info .tag { color: #068; }
.where { color: #666; font-size: 8pt; word-break: break-all; }
footer { margin-top: 5mm; color: #777; font-size: 8pt; }
@media print { body { padding: 0; max-width: none; } }
""" % {"fonts": FONTS}

# Column widths in mm of the 190 mm table: 序号 … 方式.
_WIDTHS = (7, 14, 16, 28, 32, 25, 9, 10, 11, 9, 9)
_NUMERIC = {"row", "weight", "self", "review", "diff"}
_COLUMNS = ("row", "level1", "level2", "name", "target", "actual", "weight", "self", "review", "diff", "method")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _meta(result: Result, lang: str) -> str:
    w = words(lang)
    rs = result.ruleset
    items = [(w["unit"], result.unit), (w["year"], str(result.year or "—")),
             (w["ruleset"], f"{rs.name}（{rs.id}，{w['version']} {rs.version or '—'}）"),
             (w["chain"], " → ".join(rs.chain))]
    if result.selection:
        items.append((w["selection"], result.selection))
    if result.source:
        items.append((w["source"], f"{result.source}（{result.reader}）"))
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f'<dl class="meta">{rows}</dl>'


def _scores(result: Result, lang: str) -> str:
    w = words(lang)
    parts = [f'<div class="total">{_e(w["total"])} <b>{_e(shown(result.total, result.places))}</b>'
             f' / {_e(plain(result.full_marks))}</div>']
    if result.self_reported_total is not None:
        diff = total_difference(result)
        extra = f'（{_e(w["diff"])} <span class="diff">{_e(plain(diff))}</span>）' if diff else ""
        parts.append(f'<div class="self">{_e(w["self_total"])} <b>{_e(plain(result.self_reported_total))}</b>{extra}</div>')
    parts.append(f'<div class="grade">{_e(w["grade"])} <b>{_e(result.grade or "—")}</b></div>')
    return f'<div class="score">{"".join(parts)}</div>'


def _row(r: RowResult, places: int, lang: str) -> str:
    diff = difference(r)
    classes = [c for c, on in (("differs", diff not in (None, 0)), ("lost", r.points_lost > 0)) if on]
    cells = [("n", row_number(r)), ("", r.level1), ("", r.level2), ("text", r.name or r.level2), ("text", r.target),
             ("text", r.actual), ("n", plain(r.weight)), ("n", plain(r.self_reported_score)),
             ("n review", shown(r.score, places)), ("n diff", "" if diff is None or diff == 0 else shown(diff, places)),
             ("", method_word(r.method, lang))]
    tds = "".join(f'<td class="{c}">{_e(v)}</td>' if c else f"<td>{_e(v)}</td>" for c, v in cells)
    cls = f' class="{" ".join(classes)}"' if classes else ""
    return f'<tr data-row="{r.row}"{cls}>{tds}</tr>'


def _table(result: Result, lang: str) -> str:
    w = words(lang)
    cols = "".join(f'<col style="width:{n}mm">' for n in _WIDTHS)
    head = "".join(f"<th>{_e(w[c])}</th>" for c in _COLUMNS)
    body = "".join(_row(r, result.places, lang) for r in result.rows)  # blank rows shown as 空行
    return f'<table class="review"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _entry(i: int, e: Explanation, places: int, lang: str, name: str) -> str:
    w = words(lang)
    c = e.citation
    items: list[tuple[str, str]] = [(w["note"], e.note)] if e.note else []
    values = shown_values(e)
    if values:
        items.append((w["values"], "；".join(f"{k} {v}" for k, v in values.items())))
    items += [(w["clause"], c.article or w["none"]), (w["document"], c.document)]
    if c.layer:
        items.append((w["evidence"], f"{c.evidence}（{w['layer']} {c.layer}）"))
    items.append((w["reason"], e.reason or w["no_reason"]))
    if e.location is not None:
        items.append((w["where"], str(e.location)))
    rule = f'<dt>{_e(w["rule"])}</dt><dd><b>{_e(name)}</b> <small class="rule-id">{_e(e.rule)}</small>　{_e(e.rule_text)}</dd>'
    dl = rule + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    title = f"{i}. {explanation_title(e)} {w['lose']} {shown(e.points_lost, places)} {w['points']}"
    return f'<section class="entry" data-row="{e.row}"><h3>{_e(title)}</h3><dl>{dl}</dl></section>'


def _finding(f: Finding, lang: str) -> str:
    row = (f"第{f.row}行 " if lang == "zh" else f"row {f.row} ") if f.row else ""
    where = f'<div class="where">{_e(f.location)}（{_e(f.code)}）</div>' if f.location is not None else ""
    return (f'<li class="finding {_e(f.severity)}"><span class="tag">{_e(severity_word(f.severity, lang))}</span> '
            f"{_e(row)}{_e(f.message)}{where}</li>")


def _findings(result: Result, lang: str) -> str:
    w = words(lang)
    counts = result.findings_by_severity()
    summary = "，".join(f"{severity_word(s, lang)} {counts.get(s, 0)}" for s in SEVERITIES)
    items = "".join(_finding(f, lang) for f in by_severity(result.findings)) or f"<li>{_e(w['none'])}</li>"
    return f'<h2>{_e(w["findings"])}（{len(result.findings)}：{_e(summary)}）</h2><ul class="findings">{items}</ul>'


def document(title: str, body: str, lang: str = "zh", css: str = CSS) -> str:
    """A whole HTML page around *body* (used by the batch summary too)."""
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{css}</style></head>\n<body>\n{body}\n</body></html>\n")


def render(result: Result, lang: str = "zh") -> str:
    w = words(lang)
    title = heading(result, lang)
    lost = "".join(_entry(i, e, result.places, lang, result.rule_name(e.rule))
                   for i, e in enumerate(result.explanations, start=1))
    body = "\n".join([
        f"<header><h1>{_e(title)}</h1>{_meta(result, lang)}{_scores(result, lang)}</header>",
        f'<h2>{_e(w["table"])}</h2>{_table(result, lang)}',
        f'<h2>{_e(w["lost"])}（{_e(shown(result.points_lost, result.places))} {_e(w["points"])}）</h2>'
        + (lost or f"<p>{_e(w['none'])}</p>"),
        _findings(result, lang),
        f'<footer>{_e(w["generated"])} · {_e(result.ruleset.id)}</footer>',
    ])
    return document(title, body, lang)
