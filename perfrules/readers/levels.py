"""一级指标 cells as printed: ``产出指标(50分)``, ``（50分）`` with no name, or a name alone.

A merged 一级 cell carries its block's points; some forms print only the points.  The
block's name is then inferred from its 二级 names with the national taxonomy (数量、质量、
时效 → 产出指标 …), and two blocks are never merged into one: a name that cannot be
inferred, or that another block already took, gets the block's number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from perfrules import model
from perfrules.readers.hanzi import simplified
from perfrules.values import normalize, points, short_text_cache, squash, to_decimal

_POINTS = re.compile(r"[(（]?\s*(\d+(?:\.\d+)?)\s*分\s*[)）]?$")
# 二级指标 words → the 一级 they belong to (财预〔2020〕10号 form; 成本 as 一级 per 财预〔2021〕101号).
_TAXONOMY = (
    (("经济成本", "社会成本", "生态环境成本"), "成本指标"),
    (("数量", "质量", "时效", "成本"), "产出指标"),
    (("经济效益", "社会效益", "生态效益", "环境效益", "可持续"), "效益指标"),
    (("满意",), "满意度指标"),
)


_LEVELS = tuple(dict.fromkeys(level for _, level in _TAXONOMY))  # the national 一级 names


@short_text_cache
def split_points(text: str) -> tuple[str, Decimal | None]:
    """``产出指标(50分)`` → (产出指标, 50); ``（30分）`` → ("", 30); ``产出指标`` → (产出指标, None).

    A name in the form's traditional characters (產出指標) is read as simplified.  Kept
    per text: the same few dozen 一级 and 二级 cells head the rows of every table."""
    flat = squash(text)
    if simplified(flat) != flat and any(simplified(flat).startswith(w) for w in _LEVEL_WORDS):
        flat = simplified(flat)
    m = _POINTS.search(normalize(flat))
    if not m or (m.start() > 0 and not m.group(0).startswith(("(", "（"))) and not flat[: m.start()].endswith("指标"):
        return flat, None
    return flat[: m.start()], points(to_decimal(m.group(1), "一级指标分值"), "一级指标分值")


_LEVEL_WORDS = ("产出", "效益", "满意度", "成本", "数量", "质量", "时效", "经济", "社会", "生态", "可持续", "服务对象")


def infer_level(level2_names: Sequence[str]) -> str | None:
    """The 一级 most of a block's 二级 names belong to, or None."""
    votes: Counter[str] = Counter()
    for name in level2_names:
        word = simplified(squash(name))
        found = next((level for keys, level in _TAXONOMY if any(k in word for k in keys)), None)
        if found:
            votes[found] += 1
    return votes.most_common(1)[0][0] if votes else None


def _level_of(name: str) -> str | None:
    """The national 一级 a printed 一级 name is (产出目标 → 产出指标), or None (决策, 管理 …)."""
    word = simplified(squash(name))
    return next((level for level in _LEVELS if level.removesuffix("指标") in word), None)


def strays(level1: str, level2: str) -> bool:
    """A row whose 一级 cell is blank belongs to the block above unless its 二级 is the
    national taxonomy's under another 一级 (产出指标 above, 社会效益指标 here).  The older
    form's 服务对象满意度 under 效益指标 is not a stray."""
    above, here = _level_of(split_points(level1)[0]), infer_level([level2])
    return above is not None and here is not None and here != above and (above, here) != ("效益指标", "满意度指标")


def name_levels(rows: Sequence[model.IndicatorRow], starts: Sequence[bool] = (),
                ) -> tuple[tuple[model.IndicatorRow, ...], dict[str, Decimal]]:
    """Rows with their 一级 and 二级 names as :func:`level_names` gives them, and the points
    each block's header printed."""
    names, weights = level_names([(row.level1, row.level2) for row in rows], starts)
    out = []
    for row, (level1, inferred, level2) in zip(rows, names):
        if inferred is not None:
            row = attrs.evolve(row, level1=level1, level2=level2, level1_inferred=inferred)
        elif (level1, level2) != (row.level1, row.level2):
            row = attrs.evolve(row, level1=level1, level2=level2)
        out.append(row)
    return tuple(out), weights


def level_names(levels: Sequence[tuple[str, str]], starts: Sequence[bool] = (),
                ) -> tuple[list[tuple[str, bool | None, str]], dict[str, Decimal]]:
    """Each row's (一级, 二级) as printed → (一级 name, whether it was inferred, 二级 name):
    points split off, unprinted names inferred; and the points each block's header printed.
    "Inferred" is None for a row whose 一级 stays as printed.  (Names first, rows after:
    the layout makes each row once, with its names.)

    A block is a run of rows with the same 一级 text; *starts* (from a grid's merged
    cells) also marks where a block with the same text as the one above begins."""
    blocks: list[list[int]] = []
    last: str | None = None
    for i, (level1, _level2) in enumerate(levels):
        if level1 != last or not blocks or (i < len(starts) and starts[i]):
            blocks.append([])
            last = level1
        blocks[-1].append(i)
    out: list[tuple[str, bool | None, str]] = [(level1, None, level2) for level1, level2 in levels]
    weights: dict[str, Decimal] = {}
    taken: set[str] = set()
    for number, block in enumerate(blocks, start=1):
        printed = levels[block[0]][0]
        name, weight = split_points(printed)
        inferred = False
        if not name:  # （50分） with no name, or a 一级 cell left blank (鄂州: 社会效益指标 under a blank 一级)
            guess = infer_level([levels[i][1] for i in block])
            if weight is not None or printed.strip():
                name, inferred = (guess or f"一级指标{number}"), True
            elif guess:
                name, inferred = guess, True
        if name and weight is not None and name in taken:
            name = f"{name}(第{number}组)"  # never merge two printed blocks (half-width: stable when read back)
        if name:
            taken.add(name)
        if weight is not None:
            weights[name] = weight
        if name != printed or inferred:
            for i in block:
                out[i] = (name, inferred, levels[i][1])
    for i, (level1, flag, printed2) in enumerate(out):  # 数量指标(10分): a 二级 cell's points are the form's
        level2, _points2 = split_points(printed2)
        if level2 and level2 != printed2:  # points split off, 數量指標 read, 经济效益\n指标 joined
            out[i] = (level1, flag, level2)
    return out, weights


def block_weights(rows: Sequence[model.IndicatorRow], weights: Mapping[str, Decimal]) -> tuple[model.IndicatorRow, ...]:
    """A form with no 分值 column: a block of one row takes its header's points as the
    row's 分值; rows of larger blocks keep no weight (their printed score stays)."""
    sizes = Counter(row.level1 for row in rows if not row.is_blank)
    return tuple(
        attrs.evolve(row, weight=weights[row.level1])
        if row.weight is None and model.WEIGHT not in row.unreadable and sizes[row.level1] == 1
        and row.level1 in weights and not row.is_blank else row
        for row in rows
    )
