"""Numbers put into words, as every perfrules output writes them.

``fmt`` writes a Decimal as people do (10, not 1E+1; 0.5, not 0.50000) and ``percent``
a ratio as a 完成率 (87.53%).  Both are exact and independent of the caller's decimal
context.  The formatters below make the values an explanation shows (年度指标值,
实际完成值, 分值, 完成率; 全年预算数, 全年执行数, 执行率) from the exact numbers: the
interpreter and a compiled plan write the same words, the plan only later (when a
record's values are read, :class:`perfrules.explain.ShownValues`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import DivisionUndefined, MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

HUNDRED = Decimal(100)
_CENT = Decimal("0.01")

#: normalize() in a context that never rounds: fmt shows every digit, whatever the caller's context.
_WHOLE = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def fmt(value: Decimal | None) -> str:
    """A Decimal as people write it: 10 not 1E+1, 0.5 not 0.50000."""
    if value is None:
        return ""
    text = str(value)
    if "E" in text or ("." in text and text[-1] == "0"):  # what normalize() would change
        return format(value.normalize(_WHOLE), "f")
    return text


#: The contexts a 完成率 is put into words in: the interpreter's precision and rounding,
#: whatever the caller's context.  _WORDS never traps (an absurd number shows, it does not
#: raise); _QUANTIZE traps the one case the fast path leaves: too many digits for 2 places.
_WORDS = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[])
_QUANTIZE = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation]).quantize
_TIMES = _WORDS.multiply
_DIVIDE = _WORDS.divide  # the interpreter's 28 digits, rounded half-even, as it divides


def percent(ratio: Decimal) -> str:
    """``ratio`` as a 完成率 (87.53%, 100%, -3.5%): ×100, to 2 places (as it is, when too
    large to quantize), trailing zeros cut.  Plans and the interpreter both write it so."""
    try:
        value = _QUANTIZE(_TIMES(ratio, HUNDRED), _CENT)
    except InvalidOperation:  # more than 26 digits before the point, or not finite
        return fmt(_TIMES(ratio, HUNDRED)) + "%"
    text = str(value)  # exponent -2: never in scientific notation
    if text[-1] == "0":
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def row_words(target_text: str, actual: Decimal | int | str, weight_text: str, target: Decimal | None,
              self_score: Decimal | None = None, number: Decimal | int | None = None) -> dict[str, str]:
    """A row's values as an explanation shows them: 年度指标值 and 实际完成值 as filed (a
    number never with an exponent), 分值, the unit's 自评得分 when it has one, and 完成率
    = 实际值 ÷ 目标值 when both are numbers and the target is not 0.  *number* is the
    actual in the target's unit when *actual* is the cell's text (the interpreter's
    rows); a numeric *actual* is its own number (a plan's input)."""
    if isinstance(actual, str):
        text = actual
    else:
        text = str(actual)
        if "E" in text:
            text = format(actual, "f")
        if number is None:
            number = actual
    shown = {"年度指标值": target_text, "实际完成值": text, "分值": weight_text}
    if self_score is not None:
        shown["自评得分"] = fmt(self_score)
    if target and number is not None:
        shown["完成率"] = percent(_DIVIDE(number, target))
    return shown


def execution_words(budget: Decimal | None, executed: Decimal | None, weight_text: str | None = None) -> dict[str, str]:
    """预算执行率's values: 全年预算数, 全年执行数, 执行率 = 全年执行数 ÷ 全年预算数 when the
    budget is a positive number, and 分值 when the rate is filed as an indicator row."""
    shown = {"全年预算数": fmt(budget), "全年执行数": fmt(executed)}
    if budget is not None and executed is not None and budget > 0:
        shown["执行率"] = percent(_DIVIDE(executed, budget))
    if weight_text is not None:
        shown["分值"] = weight_text
    return shown


#: The formatters a ShownValues names (its first item): records hold data, not functions.
FORMATTERS: dict[str, Callable[..., dict[str, str]]] = {"row": row_words, "execution": execution_words}


def short(text: str, width: int = 20) -> str:
    """A cell's text on one line, cut to *width* characters with … (for messages)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def why_not_computed(exc: Exception) -> str:
    """Why a rule could not be computed, in the words of the findings.

    The C decimal module raises 0 ÷ 0 as InvalidOperation with [DivisionUndefined] as
    its argument; x ÷ 0 as DivisionByZero; a result too large for the context otherwise.
    """
    if not isinstance(exc, ArithmeticError):
        return "缺少计算所需的数值"
    conditions = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
    if isinstance(exc, ZeroDivisionError) or DivisionUndefined in conditions:
        return "除数为 0"
    return "数值超出可计算的范围"


def money(label: str, value: Decimal | None) -> str:
    """An amount as the explanation shows it (全年预算数 310.2万元), or nothing."""
    return f"{label} {fmt(value)}万元" if value is not None else ""
