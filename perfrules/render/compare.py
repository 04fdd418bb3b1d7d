"""What-if: the same 自评表 under two rulesets, row by row, with the difference explained.

Both results are computed by the interpreter as usual; this module only lines them
up.  A row whose score differs is shown with the explanation entries each ruleset
gave it, so the reader sees which rule (and which layer) makes the difference.
"""

from __future__ import annotations

from decimal import Decimal

from perfrules.words import fmt
from perfrules.explain import Explanation, Result


def _entries(result: Result, row: int) -> list[Explanation]:
    return [e for e in result.explanations if e.row == row]


def _describe(entries: list[Explanation], places: int = 2) -> str:
    if not entries:
        return "不失分"
    q = Decimal(1).scaleb(-places)  # exact points lost can run to 28 digits; shown as the ruleset rounds
    return "；".join(f"失 {fmt(e.points_lost.quantize(q).normalize())} 分（{e.rule}：{' '.join(e.rule_text.split())}，"
                    f"{e.citation.layer}）" for e in entries)


def render_comparison(a: Result, b: Result) -> str:
    q = Decimal(1).scaleb(-max(a.places, b.places))
    out = [f"同一张自评表在两个规则集下的对比：{a.unit}",
           f"  A：{a.ruleset.name}（{a.ruleset.id}）",
           f"  B：{b.ruleset.name}（{b.ruleset.id}）", "",
           f"总分  A {format(a.total, 'f')}（{a.grade or '—'}）  B {format(b.total, 'f')}（{b.grade or '—'}）"
           f"  差 {format((b.total_exact - a.total_exact).quantize(q), 'f')}", ""]
    rows_b = {r.row: r for r in b.rows}
    levels = _level_weights(a), _level_weights(b)
    for level in dict.fromkeys([*levels[0], *levels[1]]):
        wa, wb = levels[0].get(level), levels[1].get(level)
        if wa != wb:
            out.append(f"一级指标「{level}」分值 A {fmt(_short(wa))}，B {fmt(_short(wb))}")
    changed = 0
    for ra in a.rows:
        rb = rows_b.get(ra.row)
        if rb is None or ra.score == rb.score and ra.rule == rb.rule:
            continue
        changed += 1
        name = " ".join((ra.name or ra.level2).split())
        name = name if len(name) <= 24 else name[:23] + "…"
        sa = format(ra.score.quantize(q), "f") if ra.score is not None else "—"
        sb = format(rb.score.quantize(q), "f") if rb.score is not None else "—"
        lost_a, lost_b = _entries(a, ra.row), _entries(b, ra.row)
        weights = f"，分值 {fmt(_short(ra.weight))} → {fmt(_short(rb.weight))}" if ra.weight != rb.weight else ""
        if not lost_a and not lost_b:
            out.append(f"第{ra.row}行「{name}」  A {sa}  B {sb}（两者都得满分{weights}）")
            continue
        out.append(f"第{ra.row}行「{name}」  A {sa}  B {sb}{f'（{weights[1:]}）' if weights else ''}")
        out.append(f"    A：{_describe(lost_a, a.places)}")
        out.append(f"    B：{_describe(lost_b, b.places)}")
    if not changed:
        out.append("各行得分相同。")
    return "\n".join(out) + "\n"


def _level_weights(result: Result) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for r in result.rows:
        if r.weight is not None:
            sums[r.level1] = sums.get(r.level1, Decimal(0)) + r.weight
    return sums


def _short(value: Decimal | None) -> Decimal | None:
    """A weight as people write it: 4.375, not 4.37500000000000000000."""
    return None if value is None else value.normalize()
