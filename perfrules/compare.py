"""What-if: the same 自评表 under two rulesets, row by row, with the difference explained.

Both results are computed by the interpreter as usual; this module only lines them
up.  A row whose score differs is shown with the explanation entries each ruleset
gave it, so the reader sees which rule (and which layer) makes the difference.
"""

from __future__ import annotations

from decimal import Decimal

from perfrules.compiler import fmt
from perfrules.explain import Explanation, Result


def _entries(result: Result, row: int) -> list[Explanation]:
    return [e for e in result.explanations if e.row == row]


def _describe(entries: list[Explanation]) -> str:
    if not entries:
        return "不失分"
    return "；".join(f"失 {fmt(e.points_lost.normalize())} 分（{e.rule}：{' '.join(e.rule_text.split())}，"
                    f"{e.citation.layer}）" for e in entries)


def render_comparison(a: Result, b: Result) -> str:
    q = Decimal(1).scaleb(-max(a.places, b.places))
    out = [f"同一张自评表在两个规则集下的对比：{a.unit}",
           f"  A：{a.ruleset.name}（{a.ruleset.id}）",
           f"  B：{b.ruleset.name}（{b.ruleset.id}）", "",
           f"总分  A {format(a.total, 'f')}（{a.grade or '—'}）  B {format(b.total, 'f')}（{b.grade or '—'}）"
           f"  差 {format((b.total_exact - a.total_exact).quantize(q), 'f')}", ""]
    rows_b = {r.row: r for r in b.rows}
    changed = 0
    for ra in a.rows:
        rb = rows_b.get(ra.row)
        if rb is None or ra.score == rb.score and ra.rule == rb.rule:
            continue
        changed += 1
        sa = format(ra.score.quantize(q), "f") if ra.score is not None else "—"
        sb = format(rb.score.quantize(q), "f") if rb.score is not None else "—"
        name = " ".join((ra.name or ra.level2).split())
        name = name if len(name) <= 24 else name[:23] + "…"
        weights = ""
        if ra.weight != rb.weight:
            weights = f"（分值 A {fmt(ra.weight)}，B {fmt(rb.weight)}：按各自规则集的一级指标分值折算）"
        out.append(f"第{ra.row}行「{name}」  A {sa}  B {sb}{weights}")
        out.append(f"    A：{_describe(_entries(a, ra.row))}")
        out.append(f"    B：{_describe(_entries(b, ra.row))}")
    if not changed:
        out.append("各行得分相同。")
    return "\n".join(out) + "\n"
