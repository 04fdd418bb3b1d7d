"""Units as 自评表 cells write them (%, 万元, 人次, 元/平方米, 元/人*月): what each is, its
dimension and its size, so that a target and an actual in different units can be
compared (1.2亿元 against 万元), and a unit told from the words of a sentence."""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.frozen
class Unit:
    """A unit as written, its dimension, and its size in the dimension's base unit."""

    symbol: str
    dimension: str
    factor: Decimal = Decimal(1)

    def __str__(self) -> str:
        return self.symbol


_KNOWN_UNITS: dict[str, Unit] = {}


def _unit(symbol: str, dimension: str, factor: str = "1", *aliases: str) -> None:
    unit = Unit(symbol, dimension, Decimal(factor))
    for name in (symbol, *aliases):
        _KNOWN_UNITS[name] = unit


_unit("%", "percent", "1", "％", "百分比", "%(百分比)", "百分比(%)")
_unit("个百分点", "percent", "1", "百分点", "pp")
_unit("元", "money", "1")
_unit("千元", "money", "1000")
_unit("万元", "money", "10000")
_unit("亿元", "money", "100000000")
for _count in ("天", "人", "个", "家", "次", "项", "亩", "件", "户", "场", "名", "篇", "所", "条", "套", "台", "批", "期", "份", "人次", "户次"):
    _unit(_count, _count)
_unit("日", "天")
_unit("小时", "小时")
_unit("月", "月", "1", "个月")
_unit("平方米", "平方米", "1", "㎡", "m2", "m²")
_unit("公里", "公里", "1", "千米", "km")


def unit_for(text: str) -> Unit | None:
    """The unit named by *text* ('' → None); unknown units get a dimension of their own,
    a rate per two things one whatever it is written with (元/人*月 is 元/人/月), and a
    rate of a known unit its size (万元/人 is 10000 元/人)."""
    text = text.strip()
    if not text:
        return None
    known = _KNOWN_UNITS.get(text)
    if known is not None:
        return known
    canon = compound_unit(text) or text
    head, slash, per = canon.partition("/")
    base = _KNOWN_UNITS.get(head) if slash else None
    if base is not None:  # 万元/人 is 10000 元/人: a rate converts as its first unit does
        return Unit(canon, f"{base.dimension}/{per}", base.factor)
    return Unit(canon, canon)


_PER = str.maketrans({"*": "/", "·": "/", "×": "/", "•": "/", "(": None, ")": None})


def compound_unit(text: str) -> str | None:
    """A rate per two things (元/人*月, 元/人·月, 元/(人·月), 元/人/月: 530 元 per person per
    month) written as 元/人/月, or None when *text* is not one."""
    parts = text.translate(_PER).split("/")
    if len(parts) != 3 or not all(1 <= len(p) <= 4 and all(map(_unit_char, p)) for p in parts):
        return None
    return "/".join(parts)


def _unit_char(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "a" <= ch <= "z" or "A" <= ch <= "Z" or ch in "²㎡"


def unit_word(unit: str) -> bool:
    """1 to 3 hanzi or Latin letters, then perhaps ``/`` and 1 to 4 more (元, 万元, 元/平方米):
    what the regex ``^[\u4e00-\u9fffA-Za-z²㎡]{1,3}(?:/[…]{1,4})?$`` matches in a stripped
    text, with no regex (compiling that character class took 3 ms of every start)."""
    head, slash, tail = unit.partition("/")
    if not 1 <= len(head) <= 3 or (slash and not 1 <= len(tail) <= 4):
        return False
    return all(map(_unit_char, head)) and all(map(_unit_char, tail))


def unit_ok(unit: str | None) -> bool:
    """A unit is a known one or a short word (``万元``, ``元/平方米``), not a sentence
    (``以上项目``) and not the text of a numbered item (``1.是否推进``)."""
    if not unit:
        return True
    unit = unit.strip()
    return unit in _KNOWN_UNITS or unit_word(unit) or compound_unit(unit) is not None
