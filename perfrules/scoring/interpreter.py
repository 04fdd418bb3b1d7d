"""Score a submission under a ruleset: rows, execution rate, total, grade, findings.

For each row: read the target and actual cells, pick the first rule whose
``applies`` matches, evaluate it, and turn what it charged into explanation
entries.  A qualitative row the rules cannot measure keeps the unit's own score,
checked against its grade band (``self_assessed``).  A row no rule can compute
falls back to the unit's score too, with a warning that says why, so one odd cell never
stops a table.  All arithmetic runs under one explicit Decimal context; the total
is the exact sum, rounded once as the ruleset says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

import attrs

from perfrules.scoring import audit
from perfrules import model
from perfrules.rules.program import Charge, MissingInput, NoClause, Outcome, RowInputs, exact_sum, row_inputs
from perfrules.rules.vocabulary import EXACT, PLACES
from perfrules.words import execution_words, fmt, money, row_words, short, why_not_computed
from perfrules.errors import PerfrulesError, Position
from perfrules.explain import Explanation, Finding, Result, RowResult, RulesetRecord
from perfrules.scoring.records import AddRecords, row_records
from perfrules.scoring.policy import (CONTEXT, EXECUTION, ZERO, applicable_factor, band_grade, citation, classify, classify_value,
                              execution_row, execution_weight, filed_sums, level_scales, meets, own_form, refuse_unfilled,
                              rescaled, select_rule)
from perfrules.ruleset.model import Rule, Ruleset
from perfrules.scoring.tablecheck import TableChecks
from perfrules.values import Period, Quantity, Value, read_value, squash

__all__ = ["CONTEXT", "EXECUTION", "classify", "level_scales", "rescaled", "score", "select_rule"]


def score(submission: model.Submission, ruleset: Ruleset, rule_of: Mapping[str, str] | None = None, *,
          scale_levels: bool = True, notes: Sequence[Finding] = ()) -> Result:
    """Score *submission* under *ruleset*; never raises for odd cells (they become findings).

    *rule_of* (row key → rule id, 预算执行率 for the budget row) names the rule of a row
    where a form says which applies, as a plan does; other rows are matched by ``applies``.
    ``scale_levels=False`` keeps every row's filed 分值 even where a level's rows do not
    add up to the ruleset's weight (the ruleset cases use it: they test rules on small
    tables, not level weights).  *notes* are findings the caller adds (why this ruleset:
    :attr:`perfrules.ruleset.catalog.Selection.findings`).

    A table whose every actual and score is blank is not graded: it raises a
    :class:`PerfrulesError` with code ``unfilled`` (exit 2 in the CLI)."""
    refuse_unfilled(submission)
    with localcontext(CONTEXT):
        try:
            return _Scorer(submission, ruleset, rule_of or {}, scale_levels, notes).run()
        except (InvalidOperation, DivisionByZero, Overflow) as exc:  # CONTEXT's traps: never a traceback
            raise PerfrulesError(f"数值超出可计算的范围（{type(exc).__name__}）", position=Position(file=submission.source),
                                 expected="合理大小的分值、得分和金额", code="arithmetic") from None


class _Scorer:
    def __init__(self, submission: model.Submission, ruleset: Ruleset, rule_of: Mapping[str, str],
                 scale_levels: bool = True, notes: Sequence[Finding] = ()) -> None:
        self.sub = submission
        self.rs = ruleset
        self.rule_of = rule_of
        self.rows: list[RowResult] = []
        self.explanations: list[Explanation] = []
        self.findings: list[Finding] = list(notes)
        self.scale_levels = scale_levels
        self.filed = filed_sums(submission)
        self.filed_rows: dict[int, tuple[Decimal, Decimal | None]] = {}  # row number → the unit's 分值, 得分
        self.scales = self._scales() if scale_levels else {}
        self.not_applicable = applicable_factor(submission)
        self.execution_row = execution_row(submission)
        self.rate: Decimal | None = None
        self.rate_block: model.BudgetBlock | None = None  # the block the rate was computed from
        self.no_weight = 0  # rows scored from the unit's score alone (no 分值 column)

    def _scales(self) -> dict[str, Decimal]:
        """一级指标 weights are the ruleset's (财预〔2020〕10号: set uniformly); the unit
        shares them out among its rows.  Where the filed rows of a level add up to other
        than the ruleset's weight, each row's 分值 and 自评得分 are scaled to it.  Not
        where the table is of another template (a level the ruleset does not know), nor
        in a level with rows not applicable (F4 rescales those to 100 instead)."""
        if self.filed and not own_form(self.rs, self.filed):
            return {}  # another template (决策/管理/产出/效益 …): its levels are scored as filed
        na_levels = {squash(r.level1) for r in self.sub.indicators if r.not_applicable}
        return {k: v for k, v in level_scales(self.rs, self.filed).items() if k not in na_levels}

    def run(self) -> Result:
        if self.sub.budget is not None:
            self._execution(self.sub.budget)
        for number, row in enumerate(self.sub.indicators, start=1):
            self._row(number, row)
        checks = TableChecks(self.sub, self.rs, tuple(self.rows), self.filed, self.scales, self.scale_levels,
                             self.not_applicable, self.no_weight)
        self.findings.extend(checks.table_findings())
        self.findings.extend(checks.unscored())
        if self.sub.budget is not None and self.rate is not None:
            self.findings.extend(audit.execution_findings(self.sub.budget, self.rate, self.rs, self.rows))
        total_exact = exact_sum(r.score for r in self.rows if r.score is not None)
        total = self.rs.rounding.apply(total_exact)
        full = exact_sum(r.weight for r in self.rows if r.weight is not None and r.score is not None)
        rs = self.rs
        return Result(
            unit=self.sub.unit, year=self.sub.year, kind=self.sub.kind,
            ruleset=RulesetRecord(rs.id, rs.name, rs.version, rs.chain, rs.source),
            rows=tuple(self.rows), total=total, total_exact=total_exact, full_marks=full,
            places=rs.rounding.places, grade=None if checks.incomplete() or not checks.grade_certain(total) else rs.grade_of(total),
            self_reported_total=self.sub.self_total,
            explanations=tuple(self.explanations), findings=tuple(self.findings),
            source=self.sub.source, reader=self.sub.reader,
        )

    # ------------------------------------------------------------------ one row
    def _row(self, number: int, row: model.IndicatorRow) -> None:
        self._unreadable_cells(number, row, row.unreadable, skip=model.NOT_APPLICABLE if row.not_applicable else ())
        if row.is_blank and not row.unreadable:
            self.rows.append(RowResult(number, row.level1, row.level2, row.name, row.target, row.actual, None, None,
                                       row.self_score, "blank", None, row.reason, row.where(model.ACTUAL)))
            return
        if row.not_applicable:
            self._find("info", "not_applicable", f"「{row.label}」标为不适用（{row.actual or row.unreadable.get(model.WEIGHT, '')}），"
                       "不考核该指标，其余指标按百分制折算", number, row)
            return self._unscored_row(number, row, "not_applicable")
        if row.weight is None:
            if model.WEIGHT in row.unreadable:
                return self._unscored_row(number, row)
            if row.self_score is None and row.name.strip().startswith("其中"):  # a breakdown under the row above
                return self._unscored_row(number, row, "blank")
            if row.self_score is not None:  # a form with no per-row 分值 (湖北): the score is the unit's
                self.no_weight += 1
                target, actual = read_value(row.target), read_value(row.actual)
                self.findings.extend(audit.cell_findings(number, row, target, actual, classify_value(target)[0]))
                if isinstance(actual, Quantity) and actual.is_claim:
                    self._claim(number, row, actual)
                return self._record(number, row, None, row.self_score, "self_assessed")
            self._find("warning", "missing_weight", f"「{row.label}」没有填写分值，无法计分", number, row, field=model.WEIGHT)
            # Unscored, its cells still say what they say (an actual copied from the target …);
            # "unscored": no note on how its target would be scored.
            self.findings.extend(audit.cell_findings(number, row, read_value(row.target), read_value(row.actual), "unscored"))
            return self._unscored_row(number, row)
        if not row.actual.strip() and row.self_score is None and model.SCORE not in row.unreadable:
            self._find("warning", "row_unfilled", f"「{row.label}」的实际完成值和得分都没有填写，不计分（空白不按 0 分计）",
                       number, row)
            return self._unscored_row(number, row)
        row = self._scaled(number, row)
        assert row.weight is not None  # scaling keeps a weight a weight
        if number == self.execution_row and self.rate_block is not None:
            return self._execution_indicator(number, row, self.rate_block)
        target, actual = read_value(row.target), read_value(row.actual)
        kind, direction = classify_value(target)
        env = row_inputs(row.weight, self_score=row.self_score, reason=row.reason, grade=row.actual)
        self.findings.extend(audit.cell_findings(number, row, target, actual, kind))
        problem = self._fill_numbers(env, number, row, target, actual, kind)
        found = list(audit.row_findings(number, row, target, actual, env.get("met") if kind != "qualitative" else None,
                                        direction, self.rs))
        self.findings.extend(found)
        rule = self._pick(kind, direction, row, row.key)
        self._evaluate(number, row, rule, env, problem, lambda: row_words(
            row.target, row.actual, fmt(row.weight), env.get("target"), row.self_score, env.get("actual")),
            said=any(f.code in _SPECIFIC for f in found))
        if kind == "quantitative" and direction == "positive" and "成本" in row.level1 and isinstance(target, Quantity):
            self.findings.extend(audit.cost_direction(number, row, env, self._pick("quantitative", "negative", row),
                                                      self.rs))

    def _execution_indicator(self, number: int, row: model.IndicatorRow, block: model.BudgetBlock) -> None:
        """预算执行率 filed as an indicator (宁夏 项目管理): scored by the execution rule from the
        fund block's amounts, once."""
        assert row.weight is not None and self.rate is not None
        if block.weight is not None:
            self._find("warning", "execution_scored_twice",
                       f"预算执行率已在「{row.level1}」下作为指标「{row.label}」计分，资金表中的执行率分值 {fmt(block.weight)} "
                       "不再重复计入", number, row)
        env = row_inputs(row.weight, executed=block.executed, budget=block.budget, initial_budget=block.initial_budget,
                         self_score=row.self_score, reason=row.reason)
        self._evaluate(number, row, self._pick("execution", None, row, EXECUTION), env, None,
                       lambda: execution_words(block.budget, block.executed, fmt(row.weight)))

    def _unreadable_cells(self, number: int, row: model.IndicatorRow | model.BudgetBlock,
                          cells: Mapping[str, str], skip: frozenset[str] | tuple[()] = ()) -> None:
        for field, text in cells.items():
            if text.strip() in skip:
                continue
            label = row.label if isinstance(row, model.IndicatorRow) else EXECUTION
            self.findings.append(Finding("error", "unreadable_cell", f"「{label}」的{field}「{short(text)}」不是数字，无法读取",
                                         number, label, row.where(field)))

    def _unscored_row(self, number: int, row: model.IndicatorRow, method: str = "unscored") -> None:
        """A row left out of the computed total: not applicable, or its points unreadable or unfilled."""
        self.rows.append(RowResult(number, row.level1, row.level2, row.name, row.target, row.actual, row.weight, None,
                                   row.self_score, method, None, row.reason, row.where(model.ACTUAL)))

    def _execution(self, block: model.BudgetBlock) -> None:
        self._unreadable_cells(0, block, block.unreadable, skip=model.NOT_APPLICABLE)
        if block.budget is None and block.initial_budget is not None and block.executed is not None:
            self.findings.append(Finding("info", "rate_on_initial_budget",
                                         f"表中没有全年预算数，执行率按年初预算数 {fmt(block.initial_budget)} 计算（表头的 A）",
                                         0, EXECUTION, block.where(model.INITIAL_BUDGET)))
            block = attrs.evolve(block, budget=block.initial_budget)
        self.findings.extend(audit.fund_findings(block))
        self.findings.extend(audit.structure_findings(self.sub.extra, block))
        weight = execution_weight(block, self.rs, self.filed)
        if self.execution_row is not None and block.weight is None:
            self._find("info", "execution_inside_level",
                       f"预算执行率作为指标「{self.sub.indicators[self.execution_row - 1].label}」计分，资金表不另计分", 0, None)
        row = model.IndicatorRow(EXECUTION, EXECUTION, EXECUTION, money(model.BUDGET, block.budget),
                                 money(model.EXECUTED, block.executed), weight, block.self_score, "",
                                 locations=block.locations)
        row = self._scaled(0, row)
        weight = row.weight
        if block.budget is not None and block.executed is not None and block.budget > 0:
            self.rate, self.rate_block = block.executed / block.budget, block
            self.findings.extend(audit.rate_findings(block, self.rate))
        if self.execution_row is not None:
            return  # scored once, as the indicator row that carries it
        if weight is None:
            if model.WEIGHT in block.unreadable:
                return
            if row.self_score is not None:  # scored with no 分值 of its own (湖北: 得分（20分*执行率）): the unit's
                self.no_weight += 1
                return self._record(0, row, None, row.self_score, "self_assessed")
            if self.rs.weights.get(EXECUTION) is None:  # on the ruleset's own form the block takes its weight
                self._find("warning", "missing_weight", "预算执行率没有分值，无法计分", 0, row, field=model.WEIGHT)
            else:
                self._find("info", "execution_unweighted",
                           "资金表没有分值，" + ("本表的一级指标不是规则集的表式" if self.filed else "表中也没有带分值的指标行")
                           + f"：预算执行率不另计分（规则集的 {fmt(self.rs.weights[EXECUTION])} 分不套用）"
                           + ("，只核对执行率" if self.rate is not None else ""),
                           0, row, field=model.WEIGHT)
            return
        env = row_inputs(weight, executed=block.executed, budget=block.budget, initial_budget=block.initial_budget,
                         self_score=row.self_score)
        problem = None
        if block.budget is None or block.executed is None:
            problem = "缺少全年预算数或全年执行数"
        elif block.budget <= 0:
            problem = f"全年预算数为 {fmt(block.budget)}，无法计算执行率"
        self._evaluate(0, row, self._pick("execution", None, row, EXECUTION), env, problem,
                       lambda: execution_words(block.budget, block.executed))

    def _scaled(self, number: int, row: model.IndicatorRow) -> model.IndicatorRow:
        """The row with 分值 and 得分 brought to the ruleset's level weight, and, where rows
        are not applicable (F4), to a total of 100; what the unit filed is kept under its
        row number for the result and the messages."""
        factor = self.scales.get(squash(row.level1))
        if self.not_applicable is not None:
            factor = self.not_applicable if factor is None else (factor * self.not_applicable).quantize(PLACES)
        if factor is None or row.weight is None:
            return row
        self.filed_rows[number] = (row.weight, row.self_score)
        return attrs.evolve(row, weight=rescaled(row.weight, factor),
                            self_score=None if row.self_score is None else rescaled(row.self_score, factor))

    # --------------------------------------------------------------- evaluation
    def _evaluate(self, number: int, row: model.IndicatorRow, rule: Rule | None, env: RowInputs,
                  problem: str | None, values: Shown, said: bool = False) -> None:
        """Score the row by *rule*, or by the unit's own score where the rule cannot (with a
        finding that says why); explain what it lost; check the outcome against what the
        unit filed (*said*: a row finding already says its score differs)."""
        assert row.weight is not None
        if rule is None:
            self._find("warning", "no_rule", f"规则集中没有适用于「{row.label}」的规则，暂按自评得分计", number, row)
            return self._fallback(number, row, None, values, "没有适用的规则")
        if problem is None and rule.compiled.needs_numbers and "actual" not in env:
            problem = "实际完成值不是数值"
        if problem is not None:
            self._find("warning", "cannot_compute", f"「{row.label}」无法按规则「{rule.name}」计算（{problem}），暂按自评得分计",
                       number, row)
            return self._fallback(number, row, rule, values, problem)
        try:
            outcome = rule.compiled.evaluate(env, row.weight)
        except NoClause:
            self._find("warning", "no_clause", f"「{row.label}」不符合规则「{rule.name}」的任何一条，暂按自评得分计",
                       number, row)
            return self._fallback(number, row, rule, values, "规则的条款都不适用")
        except (MissingInput, ArithmeticError) as exc:
            why = why_not_computed(exc)
            self._find("warning", "cannot_compute", f"「{row.label}」无法按规则「{rule.name}」计算（{why}），暂按自评得分计",
                       number, row)
            return self._fallback(number, row, rule, values, why)
        method = "self_assessed" if outcome.band is not None else "computed"
        self._record(number, row, rule, outcome.score, method)
        self._explain(number, row, rule, outcome, values)
        filed = self.filed_rows[number][1] if number in self.filed_rows else row.self_score
        self.findings.extend(audit.outcome_findings(number, row, outcome, filed, self.rs, said))

    def _fallback(self, number: int, row: model.IndicatorRow, rule: Rule | None, values: Shown, why: str) -> None:
        assert row.weight is not None
        score = min(max(row.self_score or ZERO, ZERO), row.weight)
        self._record(number, row, rule, score, "self_assessed")
        if score < row.weight:
            charge = Charge(EXACT.subtract(row.weight, score), f"（{why}，采用自评得分 {fmt(score)} 分）")
            self._records(number, row, rule)((charge,), values(), row.reason, self.explanations)

    def _record(self, number: int, row: model.IndicatorRow, rule: Rule | None, score: Decimal, method: str) -> None:
        filed_weight, filed_score = self.filed_rows.get(number, (None, row.self_score))
        self.rows.append(RowResult(number, row.level1, row.level2, row.name, row.target, row.actual, row.weight,
                                   score, filed_score, method, rule.id if rule else None, row.reason,
                                   row.where(model.ACTUAL), filed_weight=filed_weight))

    def _records(self, number: int, row: model.IndicatorRow, rule: Rule | None) -> AddRecords:
        return row_records(number, row.label, rule.id if rule else "", citation(rule), row.level1, row.level2,
                          row.where(model.SCORE))

    def _explain(self, number: int, row: model.IndicatorRow, rule: Rule, outcome: Outcome, shown: Shown) -> None:
        if not outcome.charges:
            return
        add, values = self._records(number, row, rule), shown()
        if outcome.band is None:
            return add(outcome.charges, values, row.reason, self.explanations)
        for charge in outcome.charges:  # the band's case shows the grade and band, and where the unit's score fell
            if charge.text == outcome.matched:
                graded, note = self._band_values(row, outcome, values)
                add((Charge(charge.points, charge.text, note),), graded, row.reason, self.explanations)
            else:
                add((charge,), values, row.reason, self.explanations)

    def _band_values(self, row: model.IndicatorRow, outcome: Outcome, values: dict[str, str]) -> tuple[dict[str, str], str]:
        band = outcome.band
        assert band is not None
        named = band_grade(outcome, row.actual, self.rs)
        grade = f"「{named}」" if named else ""
        how = "按自评得分推定" if outcome.grade_inferred else "按实际完成值"
        shown = {**values, "等级": f"{named or ''}（{how}）", "区间": str(band)}
        if row.self_score is not None and band.contains(row.self_score):
            return shown, f"自评得分 {fmt(row.self_score)} 分，落在{grade}档 {band}"
        filed = f"自评得分 {fmt(row.self_score)} 分" if row.self_score is not None else "没有自评得分"
        return shown, f"{filed}，不在{grade}档 {band} 内，按该档下限 {fmt(band.low)} 分计"

    def _pick(self, kind: str, direction: str | None, row: model.IndicatorRow, key: str | None = None) -> Rule | None:
        if key is not None and key in self.rule_of:
            return self.rs.rule(self.rule_of[key])
        return select_rule(self.rs, kind, direction, row.level1, row.level2, row.name)

    # --------------------------------------------------------------- the values
    def _fill_numbers(self, env: RowInputs, number: int, row: model.IndicatorRow, target: Value, actual: Value,
                      kind: str) -> str | None:
        """Put the target and actual numbers into *env*; say why not when they cannot be."""
        if kind == "period":
            if isinstance(actual, Period) and isinstance(target, Period):
                env["met"] = actual.covers(target)
            return None
        if not isinstance(target, Quantity):
            return None
        env["target"] = target.number
        if not isinstance(actual, Quantity):
            return None
        if actual.is_claim:
            self._claim(number, row, actual, f"，按 {fmt(actual.number)}{actual.unit or ''} 计算")
        if target.unit and actual.unit and target.unit.symbol != actual.unit.symbol:
            if target.unit.dimension != actual.unit.dimension:
                self._find("error", "unit_mismatch",
                           f"「{row.label}」年度指标值单位「{target.unit}」与实际完成值单位「{actual.unit}」不一致，无法比较",
                           number, row, field=model.ACTUAL)
                return f"单位「{target.unit}」与「{actual.unit}」不一致"
            self._find("info", "unit_converted",
                       f"「{row.label}」实际完成值 {actual.text} 换算为 {fmt(actual.in_unit(target.unit))}{target.unit} 与目标比较",
                       number, row, field=model.ACTUAL)
        env["actual"] = actual.in_unit(target.unit)
        env["met"] = meets(env["actual"], target)
        return None

    # ------------------------------------------------------------------ findings
    def _claim(self, number: int, row: model.IndicatorRow, actual: Quantity, how: str = "") -> None:
        self._find("warning", "actual_is_claim", f"「{row.label}」的实际完成值「{actual.text}」是一个判断而不是实测值{how}",
                   number, row, field=model.ACTUAL)

    def _find(self, severity: str, code: str, message: str, number: int | None, row: model.IndicatorRow | None,
              field: str = model.ACTUAL) -> None:
        location = row.where(field) if row is not None else None
        label = row.label if row is not None else None
        self.findings.append(Finding(severity, code, message, number, label, location))


# ----------------------------------------------------------------------- helpers


#: A row's values as its explanation records show them, made only when it lost points.
Shown = Callable[[], dict[str, str]]

_SPECIFIC = frozenset({"full_marks_when_missed", "ceiling_broken_full_marks", "deducted_when_met"})
