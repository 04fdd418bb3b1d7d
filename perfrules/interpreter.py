"""Score a submission under a ruleset: rows, execution rate, total, grade, findings.

For each row: read the target and actual cells, pick the first rule whose
``applies`` matches, evaluate it, and turn what it charged into explanation
entries.  A qualitative row the rules cannot measure keeps the unit's own score,
checked against its grade band (``self_assessed``).  A row no rule can compute
falls back to the unit's score too, with an error finding, so one odd cell never
stops a table.  All arithmetic runs under one explicit Decimal context; the total
is the exact sum, rounded once as the ruleset says.
"""

from __future__ import annotations

import re

import attrs
from collections.abc import Iterator, Mapping, Sequence
from decimal import (DivisionByZero, DivisionUndefined, InvalidOperation, Overflow, ROUND_HALF_EVEN, Context, Decimal,
                     localcontext)

from perfrules import audit, model
from perfrules.compiler import EXACT, PLACES, Env, MissingInput, NoClause, Outcome, exact_sum
from perfrules.words import fmt, percent
from perfrules.errors import PerfrulesError, Position
from perfrules.explain import CitationRecord, Explanation, Finding, Result, RowResult, RulesetRecord
from perfrules.ruleset import Rule, Ruleset
from perfrules.values import Malformed, Period, Quantity, Value, placeholder, read_value, repeats, squash

CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow],
                  Emax=999_999, Emin=-999_999)
ZERO = Decimal(0)
HUNDRED = Decimal(100)
EXECUTION = "预算执行率"
NO_CITATION = CitationRecord("", "无适用规则", "", "", "")
_BROKEN_COMPARISON = re.compile(r"[≥≤><]=?\s*[%％]|[≥≤]\s*[，,]|[≥≤]\s*$")


def score(submission: model.Submission, ruleset: Ruleset, rule_of: Mapping[str, str] | None = None, *,
          scale_levels: bool = True, notes: Sequence[Finding] = ()) -> Result:
    """Score *submission* under *ruleset*; never raises for odd cells (they become findings).

    *rule_of* (row key → rule id, 预算执行率 for the budget row) names the rule of a row
    where a form says which applies, as a plan does; other rows are matched by ``applies``.
    ``scale_levels=False`` keeps every row's filed 分值 even where a level's rows do not
    add up to the ruleset's weight (the ruleset cases use it: they test rules on small
    tables, not level weights).  *notes* are findings the caller adds (why this ruleset:
    :attr:`perfrules.catalog.Selection.findings`).

    A table whose every actual and score is blank is not graded: it raises a
    :class:`PerfrulesError` with code ``unfilled`` (exit 2 in the CLI)."""
    _refuse_unfilled(submission)
    with localcontext(CONTEXT):
        try:
            return _Scorer(submission, ruleset, rule_of or {}, scale_levels, notes).run()
        except (InvalidOperation, DivisionByZero, Overflow) as exc:  # CONTEXT's traps: never a traceback
            raise PerfrulesError(f"数值超出可计算的范围（{type(exc).__name__}）", position=Position(file=submission.source),
                                 expected="合理大小的分值、得分和金额", code="arithmetic") from None


def select_rule(ruleset: Ruleset, kind: str, direction: str | None, level1: str, level2: str, name: str) -> Rule | None:
    """The first rule whose ``applies`` matches a row of this kind, direction and names."""
    for rule in ruleset.rules:
        sel = rule.applies
        if sel.kinds and kind not in sel.kinds:
            continue
        if sel.directions and direction not in sel.directions:
            continue
        if sel.level1 and squash(level1) not in map(squash, sel.level1):
            continue
        if sel.level2 and squash(level2) not in map(squash, sel.level2):
            continue
        if sel.names and squash(name) not in map(squash, sel.names):
            continue
        if kind != "execution" and not sel.kinds and rule.compiled.uses & {"rate", "executed", "budget"}:
            continue
        return rule
    return None


def classify(target_text: str) -> tuple[str, str | None]:
    """(kind, direction) of a row from its 年度指标值 cell, as rules' ``applies`` name them."""
    return _classify(read_value(target_text))


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
        self.grades = {squash(w): canon for canon, words in ruleset.grade_words.items() for w in words}
        self.filed = _filed_sums(submission)
        self.filed_rows: dict[int, tuple[Decimal, Decimal | None]] = {}  # row number → the unit's 分值, 得分
        self.scales = self._scales() if scale_levels else {}
        self.not_applicable = _applicable_factor(submission)
        self.execution_row = _execution_row(submission)
        self.rate: Decimal | None = None
        self.rate_block: model.BudgetBlock | None = None  # the block the rate was computed from
        self.no_weight = 0  # rows scored from the unit's score alone (no 分值 column)

    def _scales(self) -> dict[str, Decimal]:
        """一级指标 weights are the ruleset's (财预〔2020〕10号: set uniformly); the unit
        shares them out among its rows.  Where the filed rows of a level add up to other
        than the ruleset's weight, each row's 分值 and 自评得分 are scaled to it.  Not
        where the table is of another template (a level the ruleset does not know), nor
        in a level with rows not applicable (F4 rescales those to 100 instead)."""
        known = {squash(m) for k in self.rs.weights for m in _group(k)}
        if any(level not in known for level in self.filed):
            return {}  # another template (决策/管理/产出/效益 …): its levels are scored as filed
        na_levels = {squash(r.level1) for r in self.sub.indicators if r.not_applicable}
        return {k: v for k, v in level_scales(self.rs, self.filed).items() if k not in na_levels}

    def run(self) -> Result:
        if self.sub.budget is not None:
            self._execution(self.sub.budget)
        for number, row in enumerate(self.sub.indicators, start=1):
            self._row(number, row)
        self.findings.extend(self._table_findings())
        self.findings.extend(self._unscored())
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
            places=rs.rounding.places, grade=None if self._incomplete() or not self._grade_certain(total) else rs.grade_of(total),
            self_reported_total=self.sub.self_total,
            explanations=tuple(self.explanations), findings=tuple(self.findings),
            source=self.sub.source, reader=self.sub.reader,
        )

    # ------------------------------------------------------------------ one row
    def _row(self, number: int, row: model.IndicatorRow) -> None:
        where = row.where(model.ACTUAL)
        self._unreadable_cells(number, row, row.unreadable, skip=model.NOT_APPLICABLE if row.not_applicable else ())
        if row.is_blank and not row.unreadable:
            self.rows.append(RowResult(number, row.level1, row.level2, row.name, row.target, row.actual, None, None,
                                       row.self_score, "blank", None, row.reason, where))
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
                self._cell_findings(number, row, target, actual, _classify(target)[0])
                return self._record(number, row, None, row.self_score, "self_assessed", {})
            self._find("warning", "missing_weight", f"「{row.label}」没有填写分值，无法计分", number, row, field=model.WEIGHT)
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
        kind, direction = _classify(target)
        env = Env(row.weight, self_score=row.self_score, reason_missing=not row.reason.strip(),
                  grade=self.grades.get(squash(row.actual)))
        self._cell_findings(number, row, target, actual, kind)
        problem = self._fill_numbers(env, number, row, target, actual, kind)
        self.findings.extend(audit.row_findings(number, row, target, actual, env.met if kind != "qualitative" else None,
                                                direction, self.rs))
        rule = self._pick(kind, direction, row, row.key)
        self._evaluate(number, row, rule, env, problem, values=_values(row, env, kind))
        if kind == "quantitative" and direction == "positive" and "成本" in row.level1 and isinstance(target, Quantity):
            self._cost_direction(number, row, env)

    def _execution_indicator(self, number: int, row: model.IndicatorRow, block: model.BudgetBlock) -> None:
        """预算执行率 filed as an indicator (宁夏 项目管理): scored by the execution rule from the
        fund block's amounts, once."""
        assert row.weight is not None and self.rate is not None
        if block.weight is not None:
            self._find("warning", "execution_scored_twice",
                       f"预算执行率已在「{row.level1}」下作为指标「{row.label}」计分，资金表中的执行率分值 {fmt(block.weight)} "
                       "不再重复计入", number, row)
        env = Env(row.weight, executed=block.executed, budget=block.budget, initial_budget=block.initial_budget,
                  self_score=row.self_score, reason_missing=not row.reason.strip())
        values = {"全年预算数": fmt(block.budget), "全年执行数": fmt(block.executed), "执行率": percent(self.rate),
                  "分值": fmt(row.weight)}
        self._evaluate(number, row, self._pick("execution", None, row, EXECUTION), env, None, values)

    def _unreadable_cells(self, number: int, row: model.IndicatorRow | model.BudgetBlock,
                          cells: Mapping[str, str], skip: frozenset[str] | tuple[()] = ()) -> None:
        for field, text in cells.items():
            if text.strip() in skip:
                continue
            label = row.label if isinstance(row, model.IndicatorRow) else EXECUTION
            self.findings.append(Finding("error", "unreadable_cell", f"「{label}」的{field}「{_short(text)}」不是数字，无法读取",
                                         number, label, row.where(field)))

    def _said(self, number: int, codes: frozenset[str]) -> bool:
        """A more specific finding on this row already says what score_differs would."""
        return any(f.row == number and f.code in codes for f in self.findings)

    def _unscored_row(self, number: int, row: model.IndicatorRow, method: str = "unscored") -> None:
        """A row left out of the computed total: not applicable, or its points unreadable or unfilled."""
        self.rows.append(RowResult(number, row.level1, row.level2, row.name, row.target, row.actual, row.weight, None,
                                   row.self_score, method, None, row.reason, row.where(model.ACTUAL)))

    def _grade_certain(self, total: Decimal) -> bool:
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

    def _unscored(self) -> Iterator[Finding]:
        """Which rows could not be scored, and the most the total could then be."""
        left = [r for r in self.rows if r.method == "unscored"]
        if left:
            scored = exact_sum(r.score for r in self.rows if r.score is not None)
            known = exact_sum(r.weight for r in left if r.weight is not None)
            most = self.rs.rounding.show(scored + known)
            names = "、".join(f"第{r.row}行" for r in left)
            unknown = "（其中有分值空缺或无法读取的行，上限不确定）" if any(r.weight is None for r in left) else ""
            total = self.rs.rounding.apply(scored)
            graded = "" if self._grade_certain(total) else "；总分可能落在不同等级，不评等级"
            yield Finding("warning", "rows_not_scored",
                          f"{len(left)} 行未能计分（{names}），不计入复核总分；这些行全部得分时总分最多为 {most}{unknown}{graded}")
        if self.no_weight:
            yield Finding("info", "no_weight_column",
                          f"表中没有逐行分值，{self.no_weight} 行按单位自评得分计，无法按规则复核")

    def _execution(self, block: model.BudgetBlock) -> None:
        self._unreadable_cells(0, block, block.unreadable, skip=model.NOT_APPLICABLE)
        if block.budget is None and block.initial_budget is not None and block.executed is not None:
            self.findings.append(Finding("info", "rate_on_initial_budget",
                                         f"表中没有全年预算数，执行率按年初预算数 {fmt(block.initial_budget)} 计算（表头的 A）",
                                         0, EXECUTION, block.where(model.INITIAL_BUDGET)))
            block = attrs.evolve(block, budget=block.initial_budget)
        self.findings.extend(audit.fund_findings(block))
        self.findings.extend(audit.structure_findings(self.sub.extra, block))
        weight = block.weight if block.weight is not None else self.rs.weights.get(EXECUTION)
        if self.execution_row is not None and block.weight is None:
            self._find("info", "execution_inside_level",
                       f"预算执行率作为指标「{self.sub.indicators[self.execution_row - 1].label}」计分，资金表不另计分", 0, None)
        row = model.IndicatorRow(EXECUTION, EXECUTION, EXECUTION, _money(model.BUDGET, block.budget),
                                 _money(model.EXECUTED, block.executed), weight, block.self_score, "",
                                 locations=block.locations)
        row = self._scaled(0, row)
        weight = row.weight
        if block.budget is not None and block.executed is not None and block.budget > 0:
            self.rate, self.rate_block = block.executed / block.budget, block
            self.findings.extend(audit.rate_findings(block, self.rate))
        if self.execution_row is not None:
            return  # scored once, as the indicator row that carries it
        if weight is None:
            if model.WEIGHT not in block.unreadable:
                self._find("warning", "missing_weight", "预算执行率没有分值，无法计分", 0, row, field=model.WEIGHT)
            return
        env = Env(weight, executed=block.executed, budget=block.budget, initial_budget=block.initial_budget,
                  self_score=row.self_score, reason_missing=True)
        problem = None
        if block.budget is None or block.executed is None:
            problem = "缺少全年预算数或全年执行数"
        elif block.budget <= 0:
            problem = f"全年预算数为 {fmt(block.budget)}，无法计算执行率"
        values = {"全年预算数": fmt(block.budget), "全年执行数": fmt(block.executed)}
        if self.rate is not None:
            values["执行率"] = percent(self.rate)
        self._evaluate(0, row, self._pick("execution", None, row, EXECUTION), env, problem, values)

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
    def _evaluate(self, number: int, row: model.IndicatorRow, rule: Rule | None, env: Env,
                  problem: str | None, values: dict[str, str]) -> None:
        assert row.weight is not None
        if rule is None:
            self._find("warning", "no_rule", f"规则集中没有适用于「{row.label}」的规则，暂按自评得分计", number, row)
            return self._fallback(number, row, None, values, "没有适用的规则")
        if problem is None and rule.compiled.needs_numbers and env.actual is None:
            problem = "实际完成值不是数值"
        if problem is not None:
            self._find("warning", "cannot_compute", f"「{row.label}」无法按规则「{rule.name}」计算（{problem}），暂按自评得分计",
                       number, row)
            return self._fallback(number, row, rule, values, problem)
        try:
            outcome = rule.compiled.evaluate(env)
        except NoClause:
            self._find("warning", "no_clause", f"「{row.label}」不符合规则「{rule.name}」的任何一条，暂按自评得分计",
                       number, row)
            return self._fallback(number, row, rule, values, "规则的条款都不适用")
        except (MissingInput, ArithmeticError) as exc:
            why = _why(exc)
            self._find("warning", "cannot_compute", f"「{row.label}」无法按规则「{rule.name}」计算（{why}），暂按自评得分计",
                       number, row)
            return self._fallback(number, row, rule, values, why)
        method = "self_assessed" if outcome.band is not None else "computed"
        self._record(number, row, rule, outcome.score, method, values)
        self._explain(number, row, rule, outcome, values)
        for flag in outcome.flags:
            self._find("warning", "rule_flag", f"「{row.label}」：{flag}", number, row)
        if outcome.band is not None:
            self._check_band(number, row, outcome)
        elif (row.self_score is not None and self.rs.rounding.apply(outcome.score) != self.rs.rounding.apply(row.self_score)
              and not self._said(number, _SPECIFIC)):  # 8.62 filed for 8.6183 is the same score, rounded
            filed = self.filed_rows[number][1] if number in self.filed_rows else row.self_score
            scaled = f"（按一级指标分值折算为 {self.rs.rounding.show(row.self_score)}）" if filed != row.self_score else ""
            self._find("warning", "score_differs",
                       f"「{row.label}」自评得分 {fmt(filed)}{scaled}，复核得分 {self.rs.rounding.show(outcome.score)}",
                       number, row, field=model.SCORE)

    def _fallback(self, number: int, row: model.IndicatorRow, rule: Rule | None, values: dict[str, str], why: str) -> None:
        assert row.weight is not None
        score = min(max(row.self_score or ZERO, ZERO), row.weight)
        self._record(number, row, rule, score, "self_assessed", values)
        if score < row.weight:
            self.explanations.append(Explanation(
                number, row.label, EXACT.subtract(row.weight, score), rule.id if rule else "", f"（{why}，采用自评得分 {fmt(score)} 分）",
                _citation(rule), values, row.reason, location=row.where(model.SCORE),
                level1=row.level1, level2=row.level2))

    def _record(self, number: int, row: model.IndicatorRow, rule: Rule | None, score: Decimal, method: str,
                values: dict[str, str]) -> None:
        filed_weight, filed_score = self.filed_rows.get(number, (None, row.self_score))
        self.rows.append(RowResult(number, row.level1, row.level2, row.name, row.target, row.actual, row.weight,
                                   score, filed_score, method, rule.id if rule else None, row.reason,
                                   row.where(model.ACTUAL), filed_weight=filed_weight))

    def _explain(self, number: int, row: model.IndicatorRow, rule: Rule, outcome: Outcome, values: dict[str, str]) -> None:
        for charge in outcome.charges:
            shown = dict(values)
            note = charge.detail
            if outcome.band is not None and charge.text == outcome.matched:
                grade = f"「{outcome.grade}」" if outcome.grade else ""
                how = "按自评得分推定" if outcome.grade_inferred else "按实际完成值"
                shown["等级"] = f"{outcome.grade or ''}（{how}）"
                shown["区间"] = str(outcome.band)
                if row.self_score is not None and outcome.band.contains(row.self_score):
                    note = f"自评得分 {fmt(row.self_score)} 分，落在{grade}档 {outcome.band}"
                else:
                    filed = f"自评得分 {fmt(row.self_score)} 分" if row.self_score is not None else "没有自评得分"
                    note = f"{filed}，不在{grade}档 {outcome.band} 内，按该档下限 {fmt(outcome.band.low)} 分计"
            self.explanations.append(Explanation(
                number, row.label, charge.points, rule.id, charge.text, _citation(rule), shown, row.reason,
                note=note, location=row.where(model.SCORE), level1=row.level1, level2=row.level2))
        if outcome.charges and not row.reason.strip() and number:
            self._find("warning", "missing_reason", f"「{row.label}」失分但未填写偏差原因", number, row, field=model.REASON)

    def _check_band(self, number: int, row: model.IndicatorRow, outcome: Outcome) -> None:
        band = outcome.band
        assert band is not None
        if row.self_score is None:
            self._find("warning", "missing_self_score", f"「{row.label}」是定性指标，但没有自评得分，按所在档下限计", number, row)
        elif not band.contains(row.self_score):
            self._find("error", "self_score_outside_band",
                       f"「{row.label}」自评得分 {fmt(row.self_score)} 不在「{outcome.grade}」档的区间 {band} 内，"
                       f"按该档下限 {fmt(band.low)} 分计", number, row, field=model.SCORE)

    def _pick(self, kind: str, direction: str | None, row: model.IndicatorRow, key: str | None = None) -> Rule | None:
        if key is not None and key in self.rule_of:
            return self.rs.rule(self.rule_of[key])
        return select_rule(self.rs, kind, direction, row.level1, row.level2, row.name)

    # --------------------------------------------------------------- the values
    def _fill_numbers(self, env: Env, number: int, row: model.IndicatorRow, target: Value, actual: Value,
                      kind: str) -> str | None:
        """Put the target and actual numbers into *env*; say why not when they cannot be."""
        if kind == "period":
            if isinstance(actual, Period) and isinstance(target, Period):
                env.met = actual.covers(target)
            return None
        if not isinstance(target, Quantity):
            return None
        env.target = target.number
        if not isinstance(actual, Quantity):
            return None
        if actual.is_claim:
            self._find("warning", "actual_is_claim",
                       f"「{row.label}」的实际完成值「{actual.text}」是一个判断而不是实测值，按 {fmt(actual.number)}"
                       f"{actual.unit or ''} 计算", number, row, field=model.ACTUAL)
        if target.unit and actual.unit and target.unit.symbol != actual.unit.symbol:
            if target.unit.dimension != actual.unit.dimension:
                self._find("error", "unit_mismatch",
                           f"「{row.label}」年度指标值单位「{target.unit}」与实际完成值单位「{actual.unit}」不一致，无法比较",
                           number, row, field=model.ACTUAL)
                return f"单位「{target.unit}」与「{actual.unit}」不一致"
            self._find("info", "unit_converted",
                       f"「{row.label}」实际完成值 {actual.text} 换算为 {fmt(actual.in_unit(target.unit))}{target.unit} 与目标比较",
                       number, row, field=model.ACTUAL)
        env.actual = actual.in_unit(target.unit)
        env.met = _meets(env.actual, target)
        return None

    # ------------------------------------------------------------------ findings
    def _find(self, severity: str, code: str, message: str, number: int | None, row: model.IndicatorRow | None,
              field: str = model.ACTUAL) -> None:
        location = row.where(field) if row is not None else None
        label = row.label if row is not None else None
        self.findings.append(Finding(severity, code, message, number, label, location))

    def _cell_findings(self, number: int, row: model.IndicatorRow, target: Value, actual: Value, kind: str) -> None:
        measured = isinstance(actual, Quantity) and not actual.is_claim  # 100% for 100% is a result, not a copy
        if row.actual.strip() and repeats(row.actual, row.target) and not measured:
            same_name = repeats(row.actual, row.name)
            what = "年度指标值和指标名称" if same_name else "年度指标值"
            if not (isinstance(actual, Quantity) and actual.is_claim):  # a claim gets its own finding
                self._find("warning", "actual_repeats_target",
                           f"「{row.label}」的实际完成值照抄了{what}（「{_short(row.actual)}」），没有写明实际完成情况", number, row)
        elif row.actual.strip() and repeats(row.actual, row.name):
            self._find("warning", "actual_repeats_name", f"「{row.label}」的实际完成值照抄了指标名称", number, row)
        m = _BROKEN_COMPARISON.search(row.name)
        if m:
            self._find("warning", "malformed_name", f"指标名称「{row.name}」中有残缺的比较式「{m.group(0)}」", number, row,
                       field=model.NAME)
        for field, value in ((model.TARGET, target), (model.ACTUAL, actual)):
            if isinstance(value, Malformed) and not placeholder(value.text):  # a placeholder has its own finding
                self._find("warning", "malformed_value", f"「{row.label}」的{field}「{value.text}」无法识别：{value.problem}",
                           number, row, field=field)
        if row.self_score is not None and row.weight is not None and row.self_score > row.weight:
            self._find("error", "score_above_weight",
                       f"「{row.label}」自评得分 {fmt(row.self_score)} 超过分值 {fmt(row.weight)}", number, row, field=model.SCORE)
        if isinstance(target, Quantity) and target.comparator is None and kind == "quantitative":
            self._find("info", "target_without_sign", f"「{row.label}」的年度指标值「{target.text}」没有 ≥/≤ 符号，按正向指标计分",
                       number, row, field=model.TARGET)

    def _cost_direction(self, number: int, row: model.IndicatorRow, env: Env) -> None:
        """财预〔2021〕101号: a cost target should be a ceiling (≤); say what ≤ would give."""
        rule = self._pick("quantitative", "negative", row)
        lose = ""
        if rule is not None and env.actual is not None and env.target is not None:
            probe = Env(env.weight, actual=env.actual, target=env.target, self_score=env.self_score,
                        reason_missing=env.reason_missing, met=env.actual <= env.target)
            try:
                as_ceiling = rule.compiled.evaluate(probe).score
                lost = env.weight - as_ceiling
                places = self.rs.rounding
                lose = f"；若按「≤」计分（规则「{rule.name}」）得 {places.show(as_ceiling)} 分，失 {places.show(lost)} 分"
            except (MissingInput, NoClause, ArithmeticError):
                lose = ""
        self._find("warning", "cost_direction",
                   f"成本指标「{row.label}」的年度指标值写成「{row.target}」（≥），成本指标应当是上限（≤）{lose}", number, row,
                   field=model.TARGET)

    def _table_findings(self) -> Iterator[Finding]:
        for level, header in self.sub.level_weights.items():
            found = self.filed.get(squash(level), ZERO)
            if found != header and not self._level_incomplete(level):
                yield Finding("error", "level_weight_mismatch",
                              f"「{level}」表头写 {fmt(header)} 分，下属指标分值合计 {fmt(found)} 分", None, level,
                              self.sub.where("一级指标分值"))
        for level, points in self.rs.weights.items():
            found_sum = _filed_for(self.filed, level)
            if found_sum is None or found_sum == points or found_sum <= 0:
                continue
            if any(squash(m) in self.scales for m in _group(level)):
                yield Finding("warning", "weight_differs_from_ruleset",
                              f"「{level}」在表中共 {fmt(found_sum)} 分，规则集「{self.rs.name}」规定 {fmt(points)} 分；"
                              f"本级各行分值与自评得分按 {fmt(points)}/{fmt(found_sum)} 折算", None, level)
            else:
                yield Finding("info", "weight_differs_from_ruleset",
                              f"「{level}」在表中共 {fmt(found_sum)} 分，规则集「{self.rs.name}」定为 {fmt(points)} 分；"
                              f"{'没有本地规则集' if not self.scale_levels else '表不完整或表式不同'}，按表中分值计", None, level)
        known = {squash(m) for k in self.rs.weights for m in _group(k)}
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
        if self._incomplete():
            filed = sum(self.filed.values(), ZERO)
            read = f"读到的各项分值合计 {fmt(filed)} 分" if self.filed else "表中没有填写分值"
            rows = "" if any(not r.is_blank for r in self.sub.indicators) else "，也没有读到任何指标行"
            yield Finding("warning", "table_incomplete",
                          f"表没有总分行（{read}{rows}）：表可能被截短，复核总分只反映读到的部分，不评等级")

    def _incomplete(self) -> bool:
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

    def _level_incomplete(self, level: str) -> bool:
        """A level with a row whose 分值 is unreadable or not applicable, or the last level
        of a table with no 总分 row (cut short where the text ends): its sum proves nothing."""
        rows = [r for r in self.sub.indicators if not r.is_blank]
        if not self._printed_whole() and rows and squash(rows[-1].level1) == squash(level):
            return True
        return any(squash(r.level1) == squash(level) and (model.WEIGHT in r.unreadable or r.not_applicable)
                   for r in self.sub.indicators)

    def _printed_whole(self) -> bool:
        """The table has its 总分 row (its 分值 cell, or a filed total read from it; a total
        printed in the header, 自评得分, says nothing of where the table ends)."""
        from_total_row = self.sub.self_total is not None and "自评得分" not in self.sub.header
        return from_total_row or bool(self.sub.header.get("总分"))

    def _na_weights(self) -> Decimal:
        return sum((r.weight for r in self.sub.indicators if r.not_applicable and r.weight is not None), ZERO)


# ----------------------------------------------------------------------- helpers
def level_scales(ruleset: Ruleset, filed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """一级指标 (squashed) → the factor that brings the filed rows to the ruleset's weight.
    A weight shared by several levels (``效益指标+满意度指标``) scales them together."""
    scales: dict[str, Decimal] = {}
    with localcontext(CONTEXT):
        for key, weight in ruleset.weights.items():
            members = [squash(m) for m in _group(key)]
            total = sum((filed[m] for m in members if m in filed), ZERO)
            if total > 0 and weight != total:
                factor = (weight / total).quantize(PLACES)
                scales.update((m, factor) for m in members if m in filed)
    return scales


def _group(key: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[+＋]", key) if part.strip())


def _filed_for(filed: Mapping[str, Decimal], key: str) -> Decimal | None:
    """The filed points of a ruleset weight key (a level, or a group of levels)."""
    found = [filed[squash(m)] for m in _group(key) if squash(m) in filed]
    return sum(found, ZERO) if found else None


def rescaled(value: Decimal, factor: Decimal) -> Decimal:
    """A filed 分值 or 自评得分 brought to the ruleset's level weight (held to PLACES)."""
    with localcontext(CONTEXT):
        return (value * factor).quantize(PLACES)


def _refuse_unfilled(sub: model.Submission) -> None:
    """A table whose every actual and score (the execution score too) is blank was never
    filled in: no total, no grade.  Amounts alone do not count: the finance system prints them."""
    rows = [r for r in sub.indicators if not r.is_blank]
    filled = any(r.actual.strip() or r.self_score is not None or model.SCORE in r.unreadable for r in rows)
    filled = filled or (sub.budget is not None and (sub.budget.self_score is not None or model.SCORE in sub.budget.unreadable))
    if rows and not filled:
        raise PerfrulesError(f"自评表未填写：{len(rows)} 行指标的实际完成值和得分全部为空，不计总分、不评等级",
                             position=Position(file=sub.source), code="unfilled",
                             suggestion="请先填写实际完成值和自评得分（空白不按 0 分计）。")


def _applicable_factor(sub: model.Submission) -> Decimal | None:
    """Form note F4: with rows not applicable, the applicable rows are scored out of 100.
    The factor that brings their points (and the execution row's) to 100, or None."""
    if not any(r.not_applicable for r in sub.indicators):
        return None
    weights = [r.weight for r in sub.indicators if not r.not_applicable and not r.is_blank]
    if any(w is None for w in weights):
        return None
    applicable = sum((w for w in weights if w is not None), ZERO)
    if sub.budget is not None and sub.budget.weight is not None and _execution_row(sub) is None:
        applicable += sub.budget.weight
    if applicable <= 0 or applicable == HUNDRED:
        return None
    with localcontext(CONTEXT):
        return (HUNDRED / applicable).quantize(PLACES)


_SPECIFIC = frozenset({"full_marks_when_missed", "ceiling_broken_full_marks", "deducted_when_met"})
_EXECUTION_NAME = re.compile(r"(预算|资金)?执行率|预算执行")


def _execution_row(sub: model.Submission) -> int | None:
    """The indicator row (1-based) that scores execution inside a level (宁夏 决策/管理/产出/效益
    forms score it under 管理), or None."""
    for number, row in enumerate(sub.indicators, start=1):
        if row.weight is not None and _EXECUTION_NAME.search(squash(row.name or row.level2)):
            return number
    return None


def _filed_sums(sub: model.Submission) -> dict[str, Decimal]:
    """Points per 一级指标 as the unit filed them (the budget block as 预算执行率)."""
    sums: dict[str, Decimal] = {}
    for row in sub.indicators:
        if row.weight is not None and not row.is_blank:
            sums[squash(row.level1)] = sums.get(squash(row.level1), ZERO) + row.weight
    if sub.budget is not None and sub.budget.weight is not None:
        sums[squash(EXECUTION)] = sub.budget.weight
    return sums


def _classify(target: Value) -> tuple[str, str | None]:
    if isinstance(target, Period):
        return "period", None
    if isinstance(target, Quantity):
        return "quantitative", {">=": "positive", ">": "positive", "<=": "negative", "<": "negative",
                                "=": "exact", None: "positive"}[target.comparator]
    return "qualitative", None


def _meets(actual: Decimal, target: Quantity) -> bool:
    t = target.number
    return {">=": actual >= t, ">": actual > t, "<=": actual <= t, "<": actual < t, "=": actual == t,
            None: actual >= t}[target.comparator]


def _values(row: model.IndicatorRow, env: Env, kind: str) -> dict[str, str]:
    values = {"年度指标值": row.target, "实际完成值": row.actual, "分值": fmt(row.weight)}
    if row.self_score is not None:
        values["自评得分"] = fmt(row.self_score)
    if env.actual is not None and env.target:
        values["完成率"] = percent(env.actual / env.target)
    return values


def _why(exc: Exception) -> str:
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


def _money(label: str, value: Decimal | None) -> str:
    return f"{label} {fmt(value)}万元" if value is not None else ""


def _citation(rule: Rule | None) -> CitationRecord:
    if rule is None:
        return NO_CITATION
    c = rule.citation
    return CitationRecord(c.document.number, c.document.title, c.article, c.evidence, rule.layer, c.document.issued)


def _short(text: str, width: int = 20) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"



