"""The result records: scored rows, one explanation per point lost, findings.

These are frozen data and nothing else: every renderer (text, JSON, HTML …) reads
them and none recomputes anything.  The invariant the interpreter keeps and the
tests check: for each row, its explanations add up to 分值 − score exactly; over
the table they add up to the full marks − the unrounded total.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from perfrules.errors import Position
from perfrules.words import FORMATTERS

if TYPE_CHECKING:
    from perfrules.ruleset.model import Ruleset

_EXACT = Context(prec=100)
SEVERITIES = ("error", "warning", "info")
SEVERITY_WORDS = {"error": "错误", "warning": "警告", "info": "提示"}
METHOD_WORDS = {"computed": "计算", "self_assessed": "自评", "blank": "空行", "not_applicable": "不适用", "unscored": "未计分"}


@attrs.frozen
class CitationRecord:
    """A structured citation as results carry it (文号, title, article, evidence, layer)."""

    number: str
    title: str
    article: str
    evidence: str
    layer: str
    issued: str = ""

    @property
    def document(self) -> str:
        return f"{self.number}《{self.title}》" if self.number else f"《{self.title}》"


class ShownValues(tuple[Any, ...], Mapping[str, str]):
    """The values an explanation shows (年度指标值, 实际完成值, 完成率 …), kept as the exact
    numbers they come from and put into words when read.

    A compiled plan (:mod:`perfrules.scoring.plan`) builds one per point lost.  Writing 完成率 as
    text costs more than the rest of the record, and a consumer that keeps totals and
    points lost (a batch summary, a dashboard) never reads it; one that renders reads
    each record's values once.  So the words are made on the first read by a
    pure formatter of :mod:`perfrules.words` (``FORMATTERS[kind](*parts)`` → dict), with
    its own decimal context, and kept: the same text, whatever context the reader runs
    in, as a dict built at once would hold, and equal to that dict.  Stored as a tuple
    ``(kind, *parts)`` of strings and numbers, built three times faster than the dict of
    formatted text; immutable, and pickled as what it holds.
    """

    # No __slots__: the instance dict (made on the first read) keeps the words.

    def __new__(cls, kind: str, *parts: Any) -> ShownValues:
        if kind not in FORMATTERS:
            raise ValueError(f"no formatter {kind!r}: one of {', '.join(FORMATTERS)}")
        return tuple.__new__(cls, (kind, *parts))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _words(self) -> dict[str, str]:
        kept = self.__dict__
        words: dict[str, str] | None = kept.get("words")
        if words is None:
            kind, *parts = tuple.__iter__(self)
            words = kept["words"] = FORMATTERS[kind](*parts)
        return words

    def shown(self) -> dict[str, str]:
        """The values as text, in a new dict."""
        return dict(self._words())

    def __getitem__(self, key: str) -> str:  # type: ignore[override]
        return self._words()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())

    def __contains__(self, key: object) -> bool:
        return key in self._words()

    def keys(self) -> KeysView[str]:
        return self._words().keys()  # a view: read-only

    def items(self) -> ItemsView[str, str]:
        return self._words().items()  # a view: read-only

    def values(self) -> ValuesView[str]:
        return self._words().values()  # a view: read-only

    def get(self, key: str, default: Any = None) -> Any:
        return self._words().get(key, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ShownValues):
            return self._words() == other._words()
        if isinstance(other, Mapping):
            return self._words() == dict(other.items())
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]  # as unhashable as the dict it stands for

    def __repr__(self) -> str:
        return repr(self._words())

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(tuple.__iter__(self))


class Explanation(NamedTuple):
    """Points one row lost, to one statement of one rule, with the values used.

    A named tuple rather than an attrs class, for one reason: a plan builds one per
    point lost, for every submission of a batch, and a tuple is built about four
    times faster than a frozen slotted attrs instance (bench/run.py, "with
    explanations").  It is as immutable, and compares as the other records do:
    ``location`` (where the row was filed) takes no part in equality, and an
    Explanation equals only another Explanation, never a bare tuple.
    """

    row: int  # 1-based row of the 自评表 (0 for the budget execution row)
    indicator: str
    points_lost: Decimal
    rule: str  # rule id
    rule_text: str  # the statement that cost the points, as written
    citation: CitationRecord
    values: Mapping[str, str]
    reason: str  # 偏差原因 as the unit filed it
    note: str = ""
    location: Position | None = None
    level1: str = ""
    level2: str = ""

    @property
    def clause(self) -> str:
        return self.citation.article

    @property
    def document(self) -> str:
        return self.citation.document

    def _compared(self) -> tuple[object, ...]:
        return self[:9] + self[10:]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Explanation:
            return False if isinstance(other, tuple) else NotImplemented
        assert isinstance(other, Explanation)
        return self._compared() == other._compared()

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._compared())


@attrs.frozen
class Finding:
    """Something an auditor must see, whether or not points were lost."""

    severity: str  # error, warning, info
    code: str
    message: str
    row: int | None = None
    indicator: str | None = None
    location: Position | None = attrs.field(default=None, eq=False)


@attrs.frozen
class RowResult:
    """One scored row, as filed and as reviewed."""

    row: int
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal | None
    score: Decimal | None  # exact, unrounded; None for a blank row
    self_reported_score: Decimal | None
    method: str  # computed, self_assessed, blank
    rule: str | None
    reason: str = ""
    location: Position | None = attrs.field(default=None, eq=False)
    filed_weight: Decimal | None = None  # the unit's 分值 when the ruleset's level weight rescaled it

    @property
    def points_lost(self) -> Decimal:
        if self.weight is None or self.score is None:
            return Decimal(0)
        return self.weight - self.score


@attrs.frozen
class RulesetRecord:
    id: str
    name: str
    version: str
    chain: tuple[str, ...]
    source: str | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Result:
    """A scored submission: the reviewed 自评表, its explanations and findings."""

    unit: str
    year: int | None
    kind: str
    ruleset: RulesetRecord
    rows: tuple[RowResult, ...]  # the budget execution row first, when there is one
    total: Decimal  # rounded once, as the ruleset says
    total_exact: Decimal
    full_marks: Decimal
    places: int
    grade: str | None
    self_reported_total: Decimal | None
    explanations: tuple[Explanation, ...]
    findings: tuple[Finding, ...]
    source: str | None = attrs.field(default=None, eq=False)
    reader: str = ""
    #: Why this ruleset scores the table (辖区 inferred from …, a 2024 table with 2023
    #: rules); every report format shows it.  Plain text, set where the ruleset is chosen.
    selection: str = ""
    #: Rule id → its name (定性指标（分档自评）), so a report names a rule as a reader
    #: knows it; the id is shown beside it in small type.  Empty: the id is shown.
    rule_names: tuple[tuple[str, str], ...] = attrs.field(default=(), eq=False)

    def rule_name(self, rule: str) -> str:
        """The name of rule *rule*, or its id when the result does not know it."""
        return dict(self.rule_names).get(rule, rule)

    @property
    def points_lost(self) -> Decimal:
        total = Decimal(0)
        for e in self.explanations:
            total = _EXACT.add(total, e.points_lost)  # never rounded: the entries add up exactly
        return total

    def findings_by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return counts


def described(result: Result, ruleset: Ruleset, selection: str = "") -> Result:
    """*result* with the names of its ruleset's rules and why that ruleset was chosen."""
    names = tuple((rule.id, rule.name) for rule in ruleset.rules if rule.name)
    return attrs.evolve(result, selection=selection or result.selection, rule_names=names)
