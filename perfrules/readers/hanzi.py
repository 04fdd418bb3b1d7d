"""Traditional characters in the 自评表's own vocabulary, read as simplified.

Tables filed from Hong Kong-style or converted templates print 績效指標, 實際完成值,
一級指標 …  Only the form's words are mapped (headers, row labels, level names), by a
small explicit table: a value cell is never touched, so 實際完成值's content stays as
printed.  A character not in the table is kept.
"""

from __future__ import annotations

from perfrules.values import seldom_translated

# One character to one character, so positions inside a label do not move.
_TRADITIONAL = str.maketrans(
    "績標實際級產滿項總計預執數資額値單稱評價與質時會態經濟續響務對結轉撥當調進權門體報營業種類係別況達準說環區縣鎮鄉閱貳參餘費衆眾層屬萬",
    "绩标实际级产满项总计预执数资额值单称评价与质时会态经济续响务对结转拨当调进权门体报营业种类系别况达准说环区县镇乡阅贰参余费众众层属万",
)

#: *text* with the form's traditional characters read as simplified (most tables have none).
simplified = seldom_translated(_TRADITIONAL)
