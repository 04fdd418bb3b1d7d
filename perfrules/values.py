"""Reading the values real 自评表 cells hold: targets, actuals, weights, scores.

A 年度指标值 or 实际完成值 cell is free text.  What real tables contain:
``≥10%``, ``≤386万元``, ``≥238天``, ``21人``, ``10.2%``, ``2023全年`` / ``2023年``,
a claim written as an actual (``≥80%``), qualitative text (``已完成``), numbered
parts (``1.推进；2.促进``), and broken cells (``≥%``).  :func:`read_value` turns
each into one of a few frozen value types; nothing here scores anything.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from collections.abc import Callable
from typing import Protocol, TypeVar, Union, cast

import attrs

from perfrules.errors import PerfrulesError
from perfrules.limits import MAX_DIGITS, MAX_POINTS
from perfrules.units import Unit, unit_for, unit_ok

# Full-width ASCII (！..～) to half-width, the ideographic space to a space, and the
# spaces Word and Excel leave behind.  One character maps to one character, so
# offsets into normalised text are offsets into the original.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20, 0x2212: ord("-")})
_FULL_WIDTH.update({ord("（"): ord("("), ord("）"): ord(")"), ord("【"): ord("["), ord("】"): ord("]")})
# Comparison glyphs seen on filed forms: small-form ﹥﹤﹦ and box-drawing ═ (≧ ≦ are read
# by the comparator pattern itself; full-width ＞＜＝ by the table above).
_FULL_WIDTH.update({0xFE65: ord(">"), 0xFE64: ord("<"), 0xFE66: ord("="), 0x2550: ord("=")})
_ZERO_WIDTH = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])



# Both tables in one: no full-width character maps to a zero-width mark.
_NORMAL = {**_FULL_WIDTH, **{k: 0x20 for k in _ZERO_WIDTH}}
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class TextFunction(Protocol[_T_co]):
    def __call__(self, text: str, /) -> _T_co: ...

    def cache_clear(self) -> None: ...


def short_text_cache(fn: Callable[[str], _T], maxsize: int = 1 << 15) -> TextFunction[_T]:
    """A pure function of a cell's text, kept for short texts: cell texts repeat across
    tables (level names, 满意度 targets, 100%), so each is worked out once per process.
    A long text is never kept, so a 40 MB cell costs no memory here.  (A closure, not a
    class with __call__: this is on the scoring hot path.)"""
    cache: dict[str, _T] = {}

    @functools.wraps(fn)
    def call(text: str) -> _T:
        try:
            return cache[text]  # a hit is one dict lookup (no lru bookkeeping, no len())
        except KeyError:
            pass
        value = fn(text)
        if len(text) < 200:
            if len(cache) >= maxsize:
                cache.clear()  # bounded: a batch of odd texts starts the cache again
            cache[text] = value
        return value

    call.cache_clear = cache.clear  # type: ignore[attr-defined]
    return cast("TextFunction[_T]", call)


def normalize(text: str) -> str:
    """Half-width punctuation and digits, same length (zero-width marks become spaces)."""
    return text if text.isascii() else _normal(text)


def seldom_translated(table: dict[int, int]) -> Callable[[str], str]:
    """``str.translate(table)`` for texts that seldom hold a character of *table*: a
    search for one first, far cheaper than translate(), which looks every character up."""
    any_of = re.compile("[" + "".join(re.escape(chr(c)) for c in table) + "]")

    def translate(text: str) -> str:
        return text.translate(table) if any_of.search(text) else text

    return translate


_normalised = seldom_translated(_NORMAL)  # 1 in 9 cell texts has a full-width or zero-width character
_normal = short_text_cache(_normalised)


@short_text_cache
def squash(text: str) -> str:
    """Normalised text without any white space, for comparing cells.  (str.split() and
    the regex ``\\s`` take the same characters for white space, every code point checked.)"""
    return "".join(_normalised(text).split())


# ---------------------------------------------------------------------------- values
COMPARATORS = {"≥": ">=", ">=": ">=", "≧": ">=", "＞=": ">=", ">": ">", "≤": "<=", "<=": "<=", "≦": "<=",
               "<": "<", "=": "=", "==": "=", "＝": "="}
# A comparison written in words before the number (不低于95%, 不超过386万元), longest first
# so that 大于等于 is not read as 大于.  《民法典》第一千二百五十九条: 以上、以下、以内 include
# the number they follow, 超过 and 不满 do not.
_WORD_COMPARATORS = tuple(sorted({
    "大于等于": ">=", "大于或等于": ">=", "不少于": ">=", "不低于": ">=", "不小于": ">=", "至少": ">=",
    "小于等于": "<=", "小于或等于": "<=", "不超过": "<=", "不高于": "<=", "不大于": "<=", "不多于": "<=",
    "至多": "<=", "最多": "<=", "控制在": "",  # 控制在 386万元 is a ceiling, 控制在 95%以上 a floor: its suffix says
    "大于": ">", "高于": ">", "超过": ">", "多于": ">", "小于": "<", "低于": "<", "少于": "<", "不满": "<", "不足": "<",
}.items(), key=lambda item: -len(item[0])))
# The same after the number and its unit (12种以上, 5%以下, 386万元以内): the number included.
_WORD_SUFFIXES = (("及以上", ">="), ("以上", ">="), ("及以下", "<="), ("以下", "<="), ("以内", "<="))


@attrs.frozen
class Quantity:
    """A number with an optional comparator and unit: ``≥10%``, ``21人``, ``409.31万元``."""

    number: Decimal
    unit: Unit | None
    comparator: str | None  # ">=", ">", "<=", "<", "=" or None
    text: str

    @property
    def is_claim(self) -> bool:
        return self.comparator is not None

    def in_unit(self, unit: Unit | None) -> Decimal:
        """The number expressed in *unit* (same dimension assumed)."""
        if self.unit is None or unit is None or self.unit.factor == unit.factor:
            return self.number
        return self.number * self.unit.factor / unit.factor

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Period:
    """A time target or actual: ``2023全年``, ``2023年``, ``全年``."""

    year: int | None
    full_year: bool
    text: str

    def covers(self, target: Period) -> bool:
        """``2023年`` covers ``2023全年``: a year named whole is the full year."""
        return target.year is None or self.year is None or self.year == target.year

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Text:
    """Qualitative text; numbered parts (``1.推进；2.促进``) are kept apart."""

    text: str
    parts: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Malformed:
    """A cell that looks quantitative but cannot be read (``≥%``)."""

    text: str
    problem: str

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Empty:
    text: str = ""

    def __str__(self) -> str:
        return ""


Value = Union[Quantity, Period, Text, Malformed, Empty]

_CMP = r"(?P<cmp>>=|<=|==|≥|≤|≧|≦|>|<|=)"
_NUM = r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)"
_QUANTITY = re.compile(rf"^{_CMP}?\s*{_NUM}\s*(?P<unit>[^\d\s].*)?$")
_PERIOD = re.compile(r"^(?P<year>(?:19|20)\d\d)?\s*(?P<suffix>年度全年|年全年|全年|年度|年)$")
_DEADLINE = re.compile(r"^(\d{1,2})(月|日)(?:底|末)?(?:前|之前|以前)$")
# What a template prints where a figure goes (≥**, XX%, ≤××): never a value.
_PLACEHOLDER = re.compile(r"\*{2,}|[xX×]{2,}|…{2,}|\?{2,}")


def placeholder(text: str) -> str | None:
    """The template placeholder left in a cell (``≥**``, ``XX%``, ``＊＊``) as printed, or None."""
    m = _PLACEHOLDER.search(normalize(text))  # normalize is one for one: the span is the printed text's
    return text[m.start():m.end()] if m else None
_PARTS = re.compile(r"(?:^|[;；。\n]\s*)(\d+)[.、．]\s*")


def read_value(text: str | None) -> Value:
    """Read one target or actual cell.  Never raises: odd cells become Text or Malformed.

    Values are frozen, so a short cell text (≥90%, 100人次, 好) is read once per process."""
    return Empty() if text is None else _read(str(text))


@short_text_cache
def _read(raw: str) -> Value:
    flat = normalize(raw).strip()
    if not flat:
        return Empty(raw)
    compact = re.sub(r"\s+", "", flat)
    mark = _PLACEHOLDER.search(compact)
    if mark:
        return Malformed(raw, f"模板占位符「{mark.group(0)}」未填写")
    p = _PERIOD.match(compact)
    if p:
        year = int(p.group("year")) if p.group("year") else None
        return Period(year, "全年" in p.group("suffix"), raw.strip())
    d = _DEADLINE.match(compact)
    if d:  # 9月前, 11月底前: a deadline, met by any earlier month (a ceiling)
        return Quantity(Decimal(d.group(1)), unit_for(d.group(2)), "<=", raw.strip())
    worded, rest = _worded(compact)
    m = _QUANTITY.match(rest)
    if m and not (worded is not None and m.group("cmp")):
        unit, suffix = _suffixed(m.group("unit") or "")
        symbol = COMPARATORS[m.group("cmp")] if m.group("cmp") else None
        comparator = worded or symbol or suffix or ("<=" if worded == "" else None)  # 控制在 386万元: a ceiling
        if unit_ok(unit):
            digits = m.group("num").replace(",", "")
            if len(digits.lstrip("+-").replace(".", "")) > MAX_DIGITS:
                return Malformed(raw, "数字过长")
            return Quantity(Decimal(digits), unit_for(unit), comparator, raw.strip())
    if re.search(_CMP, compact) and not re.search(r"\d", compact):
        return Malformed(raw, "有比较符号但没有数值")
    return Text(raw.strip(), _numbered_parts(flat))


def _suffixed(unit: str) -> tuple[str, str | None]:
    """(the unit, the comparator its suffix says) for 种以上, %以下, 万元以内; else (unit, None)."""
    for word, comparator in _WORD_SUFFIXES:
        if unit.endswith(word):
            return unit[:-len(word)], comparator
    return unit, None


def _worded(text: str) -> tuple[str | None, str]:
    """(comparator, the rest) for a text that opens with a comparison in words (不低于95%;
    '' for 控制在, whose suffix decides), else (None, text)."""
    if text and "\u4e00" <= text[0] <= "\u9fff":
        for word, comparator in _WORD_COMPARATORS:
            if text.startswith(word):
                return comparator, text[len(word):]
    return None, text


def _numbered_parts(text: str) -> tuple[str, ...]:
    pieces = _PARTS.split(text)
    if len(pieces) < 5:  # fewer than two numbered parts
        return ()
    return tuple(p.strip().rstrip("；;，,。") for p in pieces[2::2])


def repeats(a: str, b: str) -> bool:
    """Whether two cells say the same thing (ignoring white space and width)."""
    flat = squash(a)
    return bool(flat) and flat == squash(b)


# --------------------------------------------------------------------------- numbers
def to_decimal(value: object, what: str = "数值") -> Decimal:
    """A weight or score from TOML, JSON or a cell: int, Decimal or text → Decimal.

    Floats are refused (they would already be inexact); so are NaN, infinities and
    numbers too large or too small to be a real figure.
    """
    if value.__class__ is Decimal:  # most: TOML's and JSON's numbers with a point, read exactly
        return checked(value, what)
    if isinstance(value, bool):
        raise PerfrulesError(f"{what}应当是数字，不能是 true/false", expected="数字，例如 10 或 7.5")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_DIGITS:
            raise PerfrulesError(f"{what}过大：{str(value)[:20]}…", expected=f"不超过 {MAX_DIGITS} 位的数字")
        return Decimal(value)
    if isinstance(value, Decimal):
        return checked(value, what)
    if isinstance(value, str):
        text = normalize(value).strip().replace(",", "")
        if text.endswith("分"):
            text = text[:-1].strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise PerfrulesError(f"{what}不是数字：「{value}」", expected="数字，例如 10 或 7.5") from None
        return checked(number, what)
    raise PerfrulesError(f"{what}应当是数字，实际是{_kind(value)}", expected="数字，例如 10 或 7.5")


def checked(number: Decimal, what: str = "数值") -> Decimal:
    """Refuse NaN, infinities and exponent bombs (``1e999999999``) at the door."""
    if not number.is_finite():
        raise PerfrulesError(f"{what}不能是 {number}", expected="有限的数字")
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > MAX_DIGITS or not -MAX_DIGITS <= exponent <= MAX_DIGITS:
        raise PerfrulesError(f"{what}超出可处理的范围：{number:.6E}", expected=f"不超过 {MAX_DIGITS} 位的数字")
    return number


def points(number: Decimal, what: str = "分值") -> Decimal:
    """Refuse a weight or score no table could hold: it would also break the exact
    20-place row arithmetic (28 significant digits) long before it meant anything."""
    if abs(number) > MAX_POINTS:
        raise PerfrulesError(f"{what}超出范围：{number:.6G}", expected=f"-{MAX_POINTS} 到 {MAX_POINTS} 之间的分数")
    return number


def _kind(value: object) -> str:
    return {"list": "列表", "dict": "表", "float": "浮点数"}.get(type(value).__name__, type(value).__name__)
