"""The result records: scored rows, one explanation per point lost, findings.

These are frozen data and nothing else: every renderer (text, JSON, HTML …) reads
them and none recomputes anything.  The invariant the interpreter keeps and the
tests check: for each row, its explanations add up to 分值 − score exactly; over
the table they add up to the full marks − the unrounded total.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Context, Decimal

import attrs

from perfrules.errors import Position

_EXACT = Context(prec=100)
SEVERITIES = ("error", "warning", "info")
SEVERITY_WORDS = {"error": "错误", "warning": "警告", "info": "提示"}
METHOD_WORDS = {"computed": "计算", "self_assessed": "自评", "blank": "空行"}


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


@attrs.frozen
class Explanation:
    """Points one row lost, to one statement of one rule, with the values used."""

    row: int  # 1-based row of the 自评表 (0 for the budget execution row)
    indicator: str
    points_lost: Decimal
    rule: str  # rule id
    rule_text: str  # the statement that cost the points, as written
    citation: CitationRecord
    values: Mapping[str, str]
    reason: str  # 偏差原因 as the unit filed it
    note: str = ""
    location: Position | None = attrs.field(default=None, eq=False)
    level1: str = ""
    level2: str = ""

    @property
    def clause(self) -> str:
        return self.citation.article

    @property
    def document(self) -> str:
        return self.citation.document


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
