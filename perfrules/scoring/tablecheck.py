"""Table-level checks: what the whole table shows once its rows are scored.

Each check yields :class:`~perfrules.explain.Finding` records, the way jsonschema yields
errors; :class:`TableChecks` holds what they look at (the submission, the scored rows,
the points the unit filed per level) and nothing else, so every check reads the same
facts.  Row-level checks live in :mod:`perfrules.scoring.audit`; this module is about the sums:
level headers, weights against 100, a table cut short, rows left unscored, the grade.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

import attrs

from perfrules.scoring import audit
from perfrules import model
from perfrules.rules.program import exact_sum
from perfrules.explain import Finding, RowResult
from perfrules.scoring.policy import HUNDRED, ZERO, filed_for, group, ruleset_levels
from perfrules.ruleset.model import Ruleset
from perfrules.values import squash
from perfrules.words import fmt


@attrs.frozen
class TableChecks:
    """The facts the table checks read, once every row is scored."""

    sub: model.Submission
    rs: Ruleset
    rows: Sequence[RowResult]
    filed: Mapping[str, Decimal]  # 一级指标 (squashed) → points as filed
    scales: Mapping[str, Decimal]  # 一级指标 (squashed) → factor to the ruleset's weight
    scale_levels: bool
    not_applicable: Decimal | None  # form note F4's factor, when rows are not applicable
    no_weight: int  # rows scored from the unit's score alone (no 分值 column)

    def table_findings(self) -> Iterator[Finding]:
        for level, header in self.sub.level_weights.items():
            found = self.filed.get(squash(level), ZERO)
            if found != header and not self._levelincomplete(level) and not (found < header and self._unweighted(level)):
                yield Finding("error", "level_weight_mismatch",
                              f"「{level}」表头写 {fmt(header)} 分，下属指标分值合计 {fmt(found)} 分", None, level,
                              self.sub.where("一级指标分值"))
        for level, points in self.rs.weights.items():
            found_sum = filed_for(self.filed, level)
            if found_sum is None or found_sum == points or found_sum <= 0:
                continue
            if any(squash(m) in self.scales for m in group(level)):
                yield Finding("warning", "weight_differs_from_ruleset",
                              f"「{level}」在表中共 {fmt(found_sum)} 分，规则集「{self.rs.name}」规定 {fmt(points)} 分；"
                              f"本级各行分值与自评得分按 {fmt(points)}/{fmt(found_sum)} 折算", None, level)
            else:
                yield Finding("info", "weight_differs_from_ruleset",
                              f"「{level}」在表中共 {fmt(found_sum)} 分，规则集「{self.rs.name}」定为 {fmt(points)} 分；"
                              f"{'没有本地规则集' if not self.scale_levels else '表不完整或表式不同'}，按表中分值计", None, level)
        known = ruleset_levels(self.rs)
        if known:
            for level in self.filed:
                if level not in known:
                    yield Finding("info", "level_not_in_ruleset",
                                  f"一级指标「{level}」不在规则集「{self.rs.name}」的分值表中：本表是另一种表式，"
                                  "各一级指标按表中分值计，不折算", None, level)
        inferred = dict.fromkeys(r.level1 for r in self.sub.indicators if r.level1_inferred)
        for level in inferred:
            yield Finding("info", "level_inferred", f"表中没有印一级指标名称，按其二级指标推定为「{level}」", None, level)
        yield from self._weights_total()
        yield from self._weights_over()
        if self.not_applicable is not None:
            applicable = sum(self.filed.values(), ZERO) - self._na_weights()
            yield Finding("info", "not_applicable_rescaled",
                          f"不适用的指标不考核，其余指标分值合计 {fmt(applicable)} 分，各项按百分制折算（×100/{fmt(applicable)}）")
        total = self.rs.rounding.apply(exact_sum(r.score for r in self.rows if r.score is not None))
        yield from audit.total_findings(self.sub, self.rows, self.rs, total)
        if self.incomplete():
            filed = sum(self.filed.values(), ZERO)
            read = f"读到的各项分值合计 {fmt(filed)} 分" if self.filed else "表中没有填写分值"
            rows = "" if any(not r.is_blank for r in self.sub.indicators) else "，也没有读到任何指标行"
            yield Finding("warning", "table_incomplete",
                          f"表没有总分行（{read}{rows}）：表可能被截短，复核总分只反映读到的部分，不评等级")

    def incomplete(self) -> bool:
        """No 总分 row: a table cut short, or a fragment; its total is not a grade's."""
        no_rows = not any(not r.is_blank for r in self.sub.indicators)  # 福建 2018: cut before its first row
        return not self._printed_whole() and not self.no_weight and (bool(self.filed) or no_rows)

    def _weights_total(self) -> Iterator[Finding]:
        """The filed 分值 (before any rescaling) against 100, on a table printed whole."""
        if self.no_weight or not self._printed_whole():
            return
        if any(model.WEIGHT in r.unreadable or (r.not_applicable and r.weight is None) for r in self.sub.indicators):
            return  # a weight unreadable or left out as not applicable: the sum proves nothing
        if self.sub.budget is not None and model.WEIGHT in self.sub.budget.unreadable:
            return
        filed = sum(self.filed.values(), ZERO)
        if filed and filed != HUNDRED:
            yield Finding("error", "weights_not_100", f"各项分值合计 {fmt(filed)} 分，不是 100 分")

    def _weights_over(self) -> Iterator[Finding]:
        """A table cut short whose points already pass 100: that much is certain."""
        filed = sum(self.filed.values(), ZERO)
        if not self._printed_whole() and filed > self.rs.full_marks:
            yield Finding("error", "weights_not_100", f"读到的各项分值已合计 {fmt(filed)} 分，超过 {fmt(self.rs.full_marks)} 分")

    def _levelincomplete(self, level: str) -> bool:
        """A level with a row whose 分值 is unreadable or not applicable, or the last level
        of a table with no 总分 row (cut short where the text ends): its sum proves nothing."""
        rows = [r for r in self.sub.indicators if not r.is_blank]
        if not self._printed_whole() and rows and squash(rows[-1].level1) == squash(level):
            return True
        return any(squash(r.level1) == squash(level) and (model.WEIGHT in r.unreadable or r.not_applicable)
                   for r in rows)

    def _unweighted(self, level: str) -> bool:
        """A level with a row that prints no 分值 (保山 2022 prints its points only in the 一级
        cells): its rows' 分值 add up to at most the header, never to less than their sum."""
        return any(squash(r.level1) == squash(level) and r.weight is None and not r.is_blank for r in self.sub.indicators)

    def _printed_whole(self) -> bool:
        """The table has its 总分 row (its 分值 cell, or a filed total read from it; a total
        printed in the header, 自评得分, says nothing of where the table ends)."""
        from_total_row = self.sub.self_total is not None and "自评得分" not in self.sub.header
        return from_total_row or bool(self.sub.header.get("总分"))

    def _na_weights(self) -> Decimal:
        return sum((r.weight for r in self.sub.indicators if r.not_applicable and r.weight is not None), ZERO)

    def grade_certain(self, total: Decimal) -> bool:
        """Rows left unscored could still move the total: the grade is given only when the
        total with all of them at full marks falls in the same grade (湖北工程学院: a table
        nearly blank is not 差)."""
        left = [r for r in self.rows if r.method == "unscored"]
        if not left:
            return True
        if any(r.weight is None for r in left):
            return False
        most = total + exact_sum(r.weight for r in left if r.weight is not None)
        return self.rs.grade_of(total) == self.rs.grade_of(self.rs.rounding.apply(most))

    def unscored(self) -> Iterator[Finding]:
        """Which rows could not be scored, and the most the total could then be."""
        left = [r for r in self.rows if r.method == "unscored"]
        if left:
            scored = exact_sum(r.score for r in self.rows if r.score is not None)
            known = exact_sum(r.weight for r in left if r.weight is not None)
            most = self.rs.rounding.show(scored + known)
            names = "、".join(f"第{r.row}行" for r in left)
            unknown = "（其中有分值空缺或无法读取的行，上限不确定）" if any(r.weight is None for r in left) else ""
            total = self.rs.rounding.apply(scored)
            graded = "" if self.grade_certain(total) else "；总分可能落在不同等级，不评等级"
            yield Finding("warning", "rows_not_scored",
                          f"{len(left)} 行未能计分（{names}），不计入复核总分；这些行全部得分时总分最多为 {most}{unknown}{graded}")
        if self.no_weight:
            yield Finding("info", "no_weight_column",
                          f"表中没有逐行分值，{self.no_weight} 行按单位自评得分计，无法按规则复核")
