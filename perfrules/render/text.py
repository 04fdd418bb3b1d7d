"""The terminal report: the reviewed 自评表, each point lost, the findings.

Chinese by default, aligned by display width (a Chinese character takes two
columns), colour only when writing to a terminal.  Reads the result records and
computes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from perfrules.words import fmt
from perfrules.errors import Position, char_width, display_width
from perfrules.explain import METHOD_WORDS, SEVERITY_WORDS, Result

_WORDS = {
    "zh": {"title": "绩效自评复核结果", "ruleset": "规则集", "chain": "继承", "source": "来源", "total": "复核总分",
           "self": "自评总分", "grade": "等级", "lost": "失分说明", "findings": "审核提示", "none": "无",
           "rule": "规则", "basis": "依据", "reason": "偏差原因", "where": "位置", "values": "取值", "layer": "层",
           "cols": ("序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评", "复核", "方式"),
           "points": "分", "lose": "失", "no_reason": "（未填写）", "selection": "规则集选择"},
}
_WIDTHS = (4, 10, 12, 22, 12, 12, 7, 5, 6, 4)
_COLOURS = {"error": "31", "warning": "33", "info": "36", "lost": "31", "head": "1"}


def _cell(text: str, width: int) -> str:
    """*text* on one line in *width* columns: cut with … where it is wider, padded with spaces."""
    flat = " ".join(text.split())
    used = display_width(flat)
    if used > width:
        used = 0
        for end, ch in enumerate(flat):
            wide = char_width(ch)
            if used + wide > width - 1:
                break
            used += wide
        flat = flat[:end] + "…"  # … takes one column
        used += 1
    return flat + " " * (width - used)


def _where(pos: Position | None) -> str:
    return str(pos) if pos is not None else ""


def render(result: Result, lang: str = "zh", colour: bool = False) -> str:
    w = _WORDS.get(lang, _WORDS["zh"])

    def paint(text: str, what: str) -> str:
        return f"\033[{_COLOURS[what]}m{text}\033[0m" if colour else text

    places = result.places
    q = Decimal(1).scaleb(-places)
    rs = result.ruleset
    year = f"{result.year}年度 " if result.year else ""
    out = [paint(f"{result.unit} {year}{result.kind}{w['title']}", "head"),
           f"{w['ruleset']}：{rs.name}（{rs.id}，版本 {rs.version or '—'}）"]
    if result.selection:
        out.append(f"{w['selection']}：{result.selection}")
    if len(rs.chain) > 1:
        out.append(f"{w['chain']}：{' → '.join(rs.chain)}")
    if result.source:
        out.append(f"{w['source']}：{result.source}（{result.reader}）")
    self_total = f"（{w['self']} {fmt(result.self_reported_total)}）" if result.self_reported_total is not None else ""
    out += ["", paint(f"{w['total']} {format(result.total, 'f')}{self_total}  {w['grade']} {result.grade or '—'}", "head"), ""]
    out.append("  ".join(_cell(c, n) for c, n in zip(w["cols"], _WIDTHS)).rstrip())
    for r in result.rows:  # a blank row is shown as 空行, as the workbook shows it
        score = format(r.score.quantize(q), "f") if r.score is not None else ""
        weight = fmt(r.weight.normalize()) if r.weight is not None else ""
        if r.filed_weight is not None:
            weight = f"{fmt(r.filed_weight)}→{weight}"
        cells = ("" if r.row == 0 else str(r.row), r.level1, r.level2, r.name or r.level2, r.target, r.actual, weight,
                 fmt(r.self_reported_score), score, METHOD_WORDS.get(r.method, r.method) if lang == "zh" else r.method)
        line = "  ".join(_cell(c, n) for c, n in zip(cells, _WIDTHS)).rstrip()
        out.append(paint(line, "lost") if r.points_lost > 0 else line)
    lost = result.points_lost
    out += ["", paint(f"{w['lost']}（{format(lost.quantize(q), 'f')} {w['points']}）", "head")]
    if not result.explanations:
        out.append(f"  {w['none']}")
    for i, e in enumerate(result.explanations, start=1):
        title = f"{e.level2}「{_short(e.indicator)}」" if e.level2 and e.level2 != e.indicator else f"「{_short(e.indicator)}」"
        out.append(f"  {i}. {title} {w['lose']} {paint(format(e.points_lost.quantize(q), 'f'), 'lost')} {w['points']}")
        name = result.rule_name(e.rule)
        label = name if name == e.rule else f"{name}（{e.rule}）"
        out.append(f"     {w['rule']}：{label}  {' '.join(e.rule_text.split())}")
        if e.note:
            out.append(f"     {e.note}")
        shown = {k: v for k, v in e.values.items() if k not in ("年度指标值", "实际完成值")}
        if shown:
            out.append(f"     {w['values']}：" + "，".join(f"{k} {' '.join(v.split())}" for k, v in shown.items()))
        c = e.citation
        evidence = f"［{c.evidence}；{w['layer']} {c.layer}］" if c.layer else ""
        out.append(f"     {w['basis']}：{c.document}{c.article}{evidence}")
        out.append(f"     {w['reason']}：{e.reason or w['no_reason']}")
        if e.location is not None:
            out.append(f"     {w['where']}：{_where(e.location)}")
    counts = result.findings_by_severity()
    summary = "，".join(f"{SEVERITY_WORDS[k] if lang == 'zh' else k} {v}" for k, v in counts.items())
    out += ["", paint(f"{w['findings']}（{len(result.findings)} 条：{summary}）", "head")]
    if not result.findings:
        out.append(f"  {w['none']}")
    for f in result.findings:
        tag = paint(f"[{SEVERITY_WORDS[f.severity] if lang == 'zh' else f.severity}]", f.severity)
        row = f"第{f.row}行 " if f.row else ""
        out.append(f"  {tag} {row}{f.message}")
        if f.location is not None:
            out.append(f"         {_where(f.location)}")
    return "\n".join(out) + "\n"


def _short(text: str, width: int = 24) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
