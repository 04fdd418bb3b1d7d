"""What a rule may name, and in which dimension: 分 (points), the row's unit, money and
plain shares; the names and their spellings, the grade words, the functions, and the
Decimal contexts every stage of scoring shares.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Any

import attrs



ZERO = Decimal(0)


ONE = Decimal(1)


#: Row formulas run with 28 significant digits (the interpreter's CONTEXT); what is
#: added up or taken away afterwards (points lost, deductions, totals) goes through
#: EXACT, wide enough that no sum or difference of scores is ever rounded.
PLACES = Decimal(1).scaleb(-20)  # level-weight scale factors are held to this


EXACT = Context(prec=100)


#: The whole number of steps in a gap (每低于目标值 5个百分点): rounded down, as a context
#: method (five times cheaper than to_integral_value(rounding=…) per row).
floor = Context(rounding=ROUND_FLOOR).to_integral_value


HUNDRED = Decimal(100)


@attrs.frozen
class Type:
    """A dimension: exponents of points (分), the row's unit (指标值) and money (金额).

    分值 × 实际值 ÷ 目标值 is 分·指标值 ÷ 指标值 = 分: checking dimensions rather than
    fixed types lets authors write a formula in the order the documents do.
    """

    points: int = 0
    quantity: int = 0
    money: int = 0

    def __mul__(self, other: Type) -> Type:
        return Type(self.points + other.points, self.quantity + other.quantity, self.money + other.money)

    def __truediv__(self, other: Type) -> Type:
        return Type(self.points - other.points, self.quantity - other.quantity, self.money - other.money)

    @property
    def value(self) -> str:
        """What the dimension is called in messages."""
        named = {Type(): "比例", Type(1): "分", Type(0, 1): "指标值", Type(0, 0, 1): "金额"}
        if self in named:
            return named[self]
        parts = [(n, e) for n, e in (("分", self.points), ("指标值", self.quantity), ("金额", self.money)) if e]
        return "·".join(n if e == 1 else f"{n}^{e}" for n, e in parts)


POINTS, SCALAR, QUANTITY, MONEY = Type(1), Type(), Type(0, 1), Type(0, 0, 1)


#: canonical name → (type, spellings)
NAMES: dict[str, tuple[Type, tuple[str, ...]]] = {
    "actual": (QUANTITY, ("实际值", "实际完成值", "actual")),
    "target": (QUANTITY, ("目标值", "年度指标值", "target")),
    "weight": (POINTS, ("分值", "权重", "weight")),
    "full": (POINTS, ("满分", "full")),
    "zero": (POINTS, ("零分", "zero")),
    "ratio": (SCALAR, ("完成率", "ratio", "completion")),
    "rate": (SCALAR, ("执行率", "预算执行率", "rate")),
    "executed": (MONEY, ("全年执行数", "executed")),
    "budget": (MONEY, ("全年预算数", "budget")),
    "initial_budget": (MONEY, ("年初预算数", "initial_budget")),
    "self_score": (POINTS, ("自评得分", "self_score")),
}


SPELLINGS: dict[str, str] = {word: canon for canon, (_, words) in NAMES.items() for word in words}


#: canonical grade → spellings (财预〔2020〕10号 names, their common variants, ASCII)
DEFAULT_GRADES: dict[str, tuple[str, ...]] = {
    "达成": ("达成", "达成年度指标", "达成预期指标", "已达成", "achieved"),
    "部分达成": ("部分达成", "部分达成年度指标并具有一定效果", "部分达成预期指标并具有一定效果", "partial", "partly_achieved"),
    "未达成": ("未达成", "未完成", "未达成年度指标且效果较差", "未达成预期指标且效果较差", "not_achieved"),
}


FUNCS = {"min": min, "较小值": min, "取小": min, "max": max, "较大值": max, "取大": max}


# A closure reads a row's input mapping (program.row_inputs) or, compiled for a form
# row, the submission's input mapping (see binding.RowBinding): Any, so one compiler builds both.
Fn = Callable[[Any], Decimal]


Test = Callable[[Any], bool]
