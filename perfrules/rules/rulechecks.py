"""What the statements of one rule must say to each other, checked when it compiles:
bands tried in order, grade bands with no gap and no overlap, a band's bounds.

Each check yields :class:`Problem` records (as jsonschema yields errors); the compiler
raises the first error, with the rule text and the span, and keeps the warnings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs

from perfrules.rules import ast
from perfrules.rules.vocabulary import HUNDRED, ONE, ZERO
from perfrules.words import fmt

#: (the left side as written, operator, constant, where): one comparison with a constant.
Threshold = tuple[str, str, Decimal, ast.Span]
#: (low, high, high closed, where): a grade's band as a share of 分值.
GradeBand = tuple[Decimal, Decimal, bool, ast.Span]

_ADJACENT = "相邻档应首尾相接，例如 [60%, 80%) 与 [80%, 100%]。"


@attrs.frozen
class Problem:
    message: str
    span: ast.Span
    suggestion: str | None = None
    warning: bool = False


def threshold_order(text: str, thresholds: Sequence[Threshold]) -> Iterator[Problem]:
    """完成率 ≥ 100% → …；≥ 90% → …: each band's threshold must be below the last (for ≥)."""
    for (k1, op1, v1, span1), (k2, op2, v2, span) in zip(thresholds, thresholds[1:]):
        if k1 != k2 or op1 != op2:
            continue
        if op1 in (">=", ">") and v2 >= v1 or op1 in ("<=", "<") and v2 <= v1:
            order = "从高到低" if op1 in (">=", ">") else "从低到高"
            this, last = " ".join(span.text(text).split()), " ".join(span1.text(text).split())
            yield Problem(f"这一档永远不会生效：「{this}」已被上一档「{last}」包含", span, f"分档应{order}排列。")


def grade_bands(bands: Sequence[GradeBand]) -> Iterator[Problem]:
    """达成 [80%, 100%]；部分达成 [60%, 80%)；未达成 [0, 60%): no gap, no overlap; from 0 to 100%."""
    ordered = sorted(bands, key=lambda b: b[0])
    if not ordered:
        return
    for (low1, high1, closed1, span), (low2, high2, closed2, _) in zip(ordered, ordered[1:]):
        if high1 > low2 or (high1 == low2 and closed1):
            yield Problem("分档区间重叠", span, _ADJACENT)
        elif high1 < low2:
            yield Problem(f"分档区间之间有空档（{fmt(high1 * HUNDRED)}% 到 {fmt(low2 * HUNDRED)}%）", span, _ADJACENT)
    low, top = ordered[0], ordered[-1]
    if low[0] != ZERO:
        yield Problem("最低一档不从 0 开始", low[3], warning=True)
    if top[1] != ONE or not top[2]:
        yield Problem("最高一档不含满分（应为 …, 100%]）", top[3], warning=True)


def band_bounds(band: ast.Range) -> Iterator[Problem]:
    """A band's percentages lie in [0, 100%] and its low bound is not above its high."""
    for bound in (band.low, band.high):
        if isinstance(bound, ast.Num) and bound.unit == "%" and not ZERO <= bound.value <= HUNDRED:
            yield Problem(f"分档比例应在 0 到 100% 之间，实际是 {bound.text}", bound.span)
    if isinstance(band.low, ast.Num) and isinstance(band.high, ast.Num) and band.low.unit == band.high.unit:
        if band.low.value > band.high.value:
            yield Problem("区间下限大于上限", band.span, "写成 [较小值, 较大值]，例如 [60%, 80%)。")
