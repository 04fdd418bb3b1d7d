"""The Markdown report: for a review ticket or a wiki page.

The reviewed 自评表 as a table, each point lost with its rule, values, clause,
document and the unit's reason, then the findings.  Reads the records only.
"""

from __future__ import annotations

from perfrules.explain import Explanation, Result, RowResult
from perfrules.render.common import (
    by_severity, difference, explanation_title, heading, method_word, one_line, plain, row_number, severity_word,
    shown, shown_values, total_difference, words,
)

_COLUMNS = ("row", "level1", "level2", "name", "target", "actual", "weight", "self", "review", "diff", "method")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return one_line(text).replace("\\", "\\\\").replace("|", "\\|")


def _row(r: RowResult, places: int, lang: str) -> str:
    diff = difference(r)
    cells = (row_number(r), r.level1, r.level2, r.name or r.level2, r.target, r.actual, plain(r.weight),
             plain(r.self_reported_score), shown(r.score, places),
             "" if diff is None or diff == 0 else shown(diff, places), method_word(r.method, lang))
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def _table(result: Result, lang: str) -> list[str]:
    w = words(lang)
    head = "| " + " | ".join(w[c] for c in _COLUMNS) + " |"
    rule = "|" + "|".join("---:" if c in ("row", "weight", "self", "review", "diff") else "---" for c in _COLUMNS) + "|"
    return [head, rule, *(_row(r, result.places, lang) for r in result.rows)]


def _explanation(i: int, e: Explanation, places: int, lang: str, name: str) -> list[str]:
    w = words(lang)
    c = e.citation
    label = f"{cell(name)} <sub>`{e.rule}`</sub>" if name != e.rule else f"`{e.rule}`"
    out = [f"### {i}. {cell(explanation_title(e))} {w['lose']} {shown(e.points_lost, places)} {w['points']}", "",
           f"- **{w['rule']}**：{label} {cell(e.rule_text)}"]
    if e.note:
        out.append(f"- **{w['note']}**：{cell(e.note)}")
    values = shown_values(e)
    if values:
        out.append(f"- **{w['values']}**：" + "，".join(f"{cell(k)} {cell(v)}" for k, v in values.items()))
    out.append(f"- **{w['clause']}**：{cell(c.article) or w['none']}")
    out.append(f"- **{w['document']}**：{cell(c.document)}" + (f"（{cell(c.evidence)}；{w['layer']} `{c.layer}`）" if c.layer else ""))
    out.append(f"- **{w['reason']}**：{cell(e.reason) or w['no_reason']}")
    if e.location is not None:
        out.append(f"- **{w['where']}**：`{e.location}`")
    return out + [""]


def _findings(result: Result, lang: str) -> list[str]:
    w = words(lang)
    counts = result.findings_by_severity()
    summary = "，".join(f"{severity_word(k, lang)} {v}" for k, v in counts.items())
    out = [f"## {w['findings']}（{len(result.findings)}：{summary}）", ""]
    if not result.findings:
        return out + [w["none"], ""]
    for f in by_severity(result.findings):
        row = f"第{f.row}行 " if f.row and lang == "zh" else (f"row {f.row} " if f.row else "")
        where = f" — `{f.location}`" if f.location is not None else ""
        out.append(f"- **{severity_word(f.severity, lang)}** {row}{cell(f.message)}（`{f.code}`）{where}")
    return out + [""]


def render(result: Result, lang: str = "zh") -> str:
    w = words(lang)
    rs = result.ruleset
    out = [f"# {cell(heading(result, lang))}", ""]
    out.append(f"- **{w['ruleset']}**：{cell(rs.name)}（`{rs.id}`，{w['version']} {rs.version or '—'}）")
    if result.selection:
        out.append(f"- **{w['selection']}**：{cell(result.selection)}")
    if len(rs.chain) > 1:
        out.append(f"- **{w['chain']}**：" + " → ".join(f"`{c}`" for c in rs.chain))
    if result.source:
        out.append(f"- **{w['source']}**：`{result.source}`（{result.reader}）")
    total = f"- **{w['total']}**：**{shown(result.total, result.places)}** / {plain(result.full_marks)}"
    if result.self_reported_total is not None:
        diff = total_difference(result)
        total += f"（{w['self_total']} {plain(result.self_reported_total)}"
        total += f"，{w['diff']} {plain(diff)}）" if diff else "）"
    out += [total, f"- **{w['grade']}**：{result.grade or '—'}", "", f"## {w['table']}", "", *_table(result, lang), ""]
    out += [f"## {w['lost']}（{shown(result.points_lost, result.places)} {w['points']}）", ""]
    if not result.explanations:
        out += [w["none"], ""]
    for i, e in enumerate(result.explanations, start=1):
        out += _explanation(i, e, result.places, lang, result.rule_name(e.rule))
    out += _findings(result, lang)
    return "\n".join(out).rstrip("\n") + "\n"
