"""Audit checks: what an auditor must see in a 自评表, whether or not points were lost.

Each check is a generator that yields :class:`~perfrules.explain.Finding` records, the
way jsonschema yields errors; the interpreter collects them.  Severity discipline:

* ``error``: the table's own numbers contradict each other (a rate the amounts do not
  give, a fund row that is not the sum of its 其中 rows, weights over 100 …);
* ``warning``: an auditor must look (full marks on a missed target, points lost with
  no reason, boilerplate actuals …);
* ``info``: a note.

A consistent table gets no error.  Every computed number in a message is rounded as
the ruleset states (``Rounding.show``); numbers the unit filed are shown as filed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from perfrules import model
from perfrules.explain import Finding, RowResult
from perfrules.rules.program import MissingInput, NoClause, Outcome, RowInputs
from perfrules.ruleset.model import AuditSetting, Rule, Ruleset
from perfrules.scoring.policy import band_grade
from perfrules.values import Malformed, Period, Quantity, Text, Value, placeholder, read_value, repeats, squash
from perfrules.words import fmt, percent, short

ZERO, HUNDRED = Decimal(0), Decimal(100)
# Reasons that say nothing (seen on filed tables: 0 written as the reason).
EMPTY_REASONS = {"0", "无", "/", "／", "-", "—", "——", "无偏差", "无。", "不适用"}
# Actuals that restate the grade instead of a measured value.
BOILERPLATE = re.compile(r"^(达成|达到|完成|实现)(了)?(预期|年度)?(指标|目标)(值)?[。.]?$|^(已完成|已达成|已达到|完成|达标)[。.]?$")


def shown_rate(text: str, computed: Decimal) -> tuple[Decimal, int] | None:
    """A printed 执行率 as a share and its printed decimals, or None if not a number.

    With ``%`` it is a percentage.  Without, ``80.45`` and ``0.8045`` are both seen on
    filed forms: the reading nearer the amounts' rate is taken (a rate printed as
    ``100`` or ``1`` is 100% either way)."""
    value = read_value(text)
    if not isinstance(value, Quantity) or value.comparator is not None:
        return None
    digits = -int(value.number.as_tuple().exponent) if value.number.as_tuple().exponent < 0 else 0  # type: ignore[operator]
    if value.unit is not None:
        return (value.number / HUNDRED, digits + 2) if value.unit.symbol == "%" else None
    as_percent, as_share = value.number / HUNDRED, value.number
    if abs(as_share - computed) < abs(as_percent - computed):
        return as_share, digits
    return as_percent, digits + 2


def rate_findings(block: model.BudgetBlock, rate: Decimal, row: int = 0) -> Iterator[Finding]:
    """The printed 执行率 against 全年执行数 ÷ 全年预算数, at the printed precision: the rate
    rounded or cut to the printed digits (80%, 80.4% and 80.5% all stand for 80.45%; 100% and
    86.19% for 86.183% do not)."""
    printed = shown_rate(block.self_rate, rate) if block.self_rate.strip() else None
    if printed is None:
        return
    share, places = printed
    quantum = Decimal(1).scaleb(-places)
    try:  # the printed digits are the rate rounded (half up) or cut there; anything else contradicts it
        shown = {rate.quantize(quantum, rounding=ROUND_HALF_UP), rate.quantize(quantum, rounding=ROUND_DOWN)}
        differs = share.quantize(quantum, rounding=ROUND_HALF_UP) not in shown
    except ArithmeticError:  # a rate too large to compare: nothing to say
        return
    if differs:
        budget, executed = fmt(block.budget), fmt(block.executed)
        yield Finding("error", "rate_differs",
                      f"执行率印作 {block.self_rate}，全年执行数 {executed} ÷ 全年预算数 {budget} = {percent(rate)}",
                      row, model.EXECUTION_LABEL, block.where(model.RATE))


def fund_findings(block: model.BudgetBlock) -> Iterator[Finding]:
    """年度资金总额 against the sum of its 其中 rows, column by column."""
    if not block.parts:
        return
    for field, total in ((model.BUDGET, block.budget), (model.EXECUTED, block.executed),
                         (model.INITIAL_BUDGET, block.initial_budget)):
        parts = [getattr(p, _ATTR[field]) for p in block.parts]
        if all(p is None for p in parts) or any(field in p.unreadable for p in block.parts):
            continue
        summed = sum((p for p in parts if p is not None), ZERO)
        if total is None and summed == 0:
            continue
        if (total or ZERO) != summed:
            named = "＋".join(f"{p.name} {fmt(getattr(p, _ATTR[field]))}" for p in block.parts
                             if getattr(p, _ATTR[field]) is not None)
            yield Finding("error", "fund_parts_mismatch",
                          f"年度资金总额的{field}为 {fmt(total) if total is not None else '空'}，其中各项合计 {fmt(summed)}"
                          f"（{named}）", 0, model.EXECUTION_LABEL, block.where(field))


_ATTR = {model.BUDGET: "budget", model.EXECUTED: "executed", model.INITIAL_BUDGET: "initial_budget"}

# 资金构成 (湖南 部门整体支出 form, 年度预算申请): one budget split two ways, each with its parts.
_STRUCTURE = (
    ("按收入性质分", ("一般公共预算", "政府性基金拨款", "纳入专户管理的非税收入拨款", "其他资金")),
    ("按支出性质分", ("基本支出", "项目支出")),
)


def _amount(text: str | None) -> Decimal | None:
    value = read_value(text or "")
    return value.number if isinstance(value, Quantity) and value.comparator is None else None


def structure_findings(extra: Mapping[str, str], block: model.BudgetBlock) -> Iterator[Finding]:
    """资金构成: 按收入性质分 and 按支出性质分 are the same 年度预算 split two ways, so their
    totals agree, and each total is the sum of the parts printed under it.  Warnings, not
    errors: the form (H5 in STANDARDS.md) is known from filed tables only."""
    totals: dict[str, Decimal] = {}
    unit = block.money_unit
    for total_name, part_names in _STRUCTURE:
        total = _amount(extra.get(f"资金构成.{total_name}"))
        if total is None:
            continue
        totals[total_name] = total
        parts = {n: a for n in part_names if (a := _amount(extra.get(f"资金构成.{n}"))) is not None}
        if parts and sum(parts.values(), ZERO) != total:
            named = "＋".join(f"{n} {fmt(a)}" for n, a in parts.items())
            yield Finding("warning", "fund_structure_differs",
                          f"资金构成{total_name} {fmt(total)}{unit}，其下各项合计 {fmt(sum(parts.values(), ZERO))}{unit}（{named}）",
                          0, model.EXECUTION_LABEL)
    if len(totals) == 2 and len(set(totals.values())) == 2:
        income, spending = totals["按收入性质分"], totals["按支出性质分"]
        agrees = [f"{field} {fmt(v)}" for field, v in ((model.BUDGET, block.budget), (model.EXECUTED, block.executed))
                  if v is not None and v in (income, spending)]
        also = f"；表中{'、'.join(agrees)}" if agrees else ""
        yield Finding("warning", "fund_structure_differs",
                      f"资金构成按收入性质分 {fmt(income)}{unit}，按支出性质分 {fmt(spending)}{unit}，相差 {fmt(abs(income - spending))}"
                      f"{unit}：同一笔年度预算的两种分法，合计应当相等{also}", 0, model.EXECUTION_LABEL)


def source(setting: AuditSetting) -> str:
    """Where a threshold comes from, as a message cites it: 《title》article."""
    return f"{setting.citation.document}{setting.citation.article}"


def row_findings(number: int, row: model.IndicatorRow, target: Value, actual: Value, met: bool | None,
                 direction: str | None, ruleset: Ruleset) -> Iterator[Finding]:
    """What one row shows before any rule is applied: placeholders, boilerplate, over-completion,
    points taken or kept against what the target says."""
    where = row.where
    for field, text in ((model.TARGET, row.target), (model.ACTUAL, row.actual)):
        mark = placeholder(text)
        if mark:
            yield Finding("warning", "placeholder", f"「{row.label}」的{field}「{text}」留有模板占位符「{mark}」",
                          number, row.label, where(field))
    lost = row.weight is not None and row.self_score is not None and row.self_score < row.weight
    full = row.weight is not None and row.self_score is not None and row.self_score == row.weight
    if isinstance(target, Quantity) and isinstance(actual, Text) and BOILERPLATE.match(squash(row.actual)):
        yield Finding("warning", "boilerplate_actual",
                      f"「{row.label}」的年度指标值是数值「{row.target}」，实际完成值却只写「{row.actual}」，没有实测值",
                      number, row.label, where(model.ACTUAL))
    if lost and squash(row.reason) in EMPTY_REASONS and row.reason.strip():
        yield Finding("warning", "reason_is_placeholder",
                      f"「{row.label}」失分 {fmt(row.weight - row.self_score)} 分，偏差原因只写了「{row.reason.strip()}」",  # type: ignore[operator]
                      number, row.label, where(model.REASON))
    if met is None and row.actual.strip() and squash(row.actual) == squash(row.target):
        met = True  # a qualitative target whose actual says the same: met by the table's own words
    if met is True and lost:
        why = "，且未说明原因" if squash(row.reason) in EMPTY_REASONS | {""} else ""
        yield Finding("warning", "deducted_when_met",
                      f"「{row.label}」实际完成值「{row.actual}」已达到年度指标值「{row.target}」，自评却扣了 "
                      f"{fmt(row.weight - row.self_score)} 分{why}", number, row.label, where(model.SCORE))  # type: ignore[operator]
    if met is False and full and isinstance(actual, Quantity) and not actual.is_claim:
        code, what = (("ceiling_broken_full_marks", "超出了年度指标值「{}」的上限") if direction == "negative"
                      else ("full_marks_when_missed", "没有达到年度指标值「{}」"))
        yield Finding("warning", code, f"「{row.label}」实际完成值「{row.actual}」{what.format(row.target)}，自评仍得满分 "
                      f"{fmt(row.self_score)}", number, row.label, where(model.SCORE))
    yield from _over_completion(number, row, target, actual, ruleset)


def _over_completion(number: int, row: model.IndicatorRow, target: Value, actual: Value,
                     ruleset: Ruleset) -> Iterator[Finding]:
    setting = ruleset.audit.get("over_completion")
    if setting is None or not isinstance(target, Quantity) or not isinstance(actual, Quantity):
        return
    if target.comparator not in (">=", ">", None) or target.number <= 0 or actual.is_claim:
        return
    if target.unit and actual.unit and target.unit.dimension != actual.unit.dimension:
        return
    share = actual.in_unit(target.unit) / target.number
    if share >= setting.threshold and squash(row.reason) in EMPTY_REASONS | {""}:
        yield Finding("warning", "over_completion_no_reason",
                      f"「{row.label}」实际完成值「{row.actual}」是年度指标值「{row.target}」的 {percent(share)}，"
                      f"超过 {percent(setting.threshold)} 却没有说明原因（{source(setting)}）",
                      number, row.label, row.where(model.ACTUAL))


def execution_findings(block: model.BudgetBlock, rate: Decimal, ruleset: Ruleset,
                       rows: Sequence[RowResult]) -> Iterator[Finding]:
    """A reason below the ruleset's execution line (四川 F6); low spending beside full outputs."""
    setting = ruleset.audit.get("execution_reason")
    if setting is not None and rate < setting.threshold and not block.reason.strip():
        yield Finding("warning", "execution_reason_missing",
                      f"预算执行率 {percent(rate)} 低于 {percent(setting.threshold)}，没有说明原因（{source(setting)}）",
                      0, model.EXECUTION_LABEL, block.where(model.RATE))
    low = ruleset.audit.get("low_execution")
    outputs = [r for r in rows if "产出" in r.level1 and r.weight is not None and r.score is not None]
    if low is not None and rate < low.threshold and outputs and all(r.score == r.weight for r in outputs):
        yield Finding("warning", "spending_low_outputs_full",
                      f"预算执行率只有 {percent(rate)}（低于 {percent(low.threshold)}），产出指标 {len(outputs)} 项却全部满分",
                      0, model.EXECUTION_LABEL, block.where(model.RATE))


def total_findings(sub: model.Submission, rows: Sequence[RowResult], ruleset: Ruleset,
                   total: Decimal) -> Iterator[Finding]:
    """The filed total against the rows it sums and the most they allow."""
    filed = [r.self_reported_score for r in rows if r.method not in ("not_applicable", "blank")]
    claimed = sub.self_total
    if claimed is None:
        return
    where = sub.where("自评总分")
    yield from _claimed_above_max(sub, rows, ruleset, claimed)
    if filed and all(s is not None for s in filed) and not _unreadable(sub):
        summed = sum((s for s in filed if s is not None), ZERO)
        places = max(-int(claimed.as_tuple().exponent), 0)
        if summed.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) != claimed:
            yield Finding("error", "self_total_mismatch",
                          f"填报的总分 {fmt(claimed)} 不等于各项自评得分之和 {fmt(summed)}", location=where)
    if total != claimed:
        yield Finding("warning", "total_differs",
                      f"自评总分 {fmt(claimed)}，复核总分 {ruleset.rounding.show(total)}，"
                      f"相差 {ruleset.rounding.show(total - claimed)}（复核 − 自评）", location=where)


def _claimed_above_max(sub: model.Submission, rows: Sequence[RowResult], ruleset: Ruleset,
                       claimed: Decimal) -> Iterator[Finding]:
    """A claimed total above what the table allows: the full marks less the points its own
    rows already gave up (a claimed 98 where the rows lost 6 of 100), or above the sum of
    its 分值."""
    printed = sub.header.get("总分", "")
    full = Decimal(printed) if printed.strip().replace(".", "", 1).isdigit() else ruleset.full_marks or HUNDRED
    lost: list[tuple[int, Decimal]] = []
    for r in rows:
        weight = r.filed_weight if r.filed_weight is not None else r.weight
        if weight is not None and r.self_reported_score is not None and r.self_reported_score < weight:
            lost.append((r.row, weight - r.self_reported_score))
    most = full - sum((points for _, points in lost), ZERO)
    if claimed > most:
        where = "、".join(f"第{n}行 {fmt(p)}" for n, p in lost)
        yield Finding("error", "claimed_above_max",
                      f"填报的总分 {fmt(claimed)}，但各行自评已失 {fmt(full - most)} 分（{where}），"
                      f"满分 {fmt(full)} 时最多 {fmt(most)} 分", location=sub.where("自评总分"))
        return
    weights = [r.filed_weight if r.filed_weight is not None else r.weight for r in rows
               if r.method not in ("not_applicable", "blank")]
    if weights and all(w is not None for w in weights) and not _unreadable(sub):
        ceiling = sum((w for w in weights if w is not None), ZERO)
        if claimed > ceiling:
            yield Finding("error", "claimed_above_max",
                          f"填报的总分 {fmt(claimed)} 高于各项分值之和 {fmt(ceiling)}（最多只能得 {fmt(ceiling)} 分）",
                          location=sub.where("自评总分"))


def _unreadable(sub: model.Submission) -> bool:
    return any(r.unreadable for r in sub.indicators) or bool(sub.budget and sub.budget.unreadable)


_BROKEN_COMPARISON = re.compile(r"[≥≤><]=?\s*[%％]|[≥≤]\s*[，,]|[≥≤]\s*$")
# A yes/no target (评审程序是否公正: 是): the actual that says the same is the answer, not a copy.
_YES_NO = frozenset("是否有无")


def cell_findings(number: int, row: model.IndicatorRow, target: Value, actual: Value, kind: str) -> Iterator[Finding]:
    """What a row's own cells show: an actual copied from the target or the name, a broken
    comparison in the name, a value that cannot be read, a score above its points, a
    target with no ≥/≤."""
    def found(severity: str, code: str, message: str, field: str = model.ACTUAL) -> Finding:
        return Finding(severity, code, message, number, row.label, row.where(field))

    # 100% for 100%, 2021年 for 2021年: a result, not a copy
    measured = (isinstance(actual, Quantity) and not actual.is_claim) or isinstance(actual, Period)
    if row.actual.strip() and repeats(row.actual, row.target) and not measured and squash(row.target) not in _YES_NO:
        same_name = repeats(row.actual, row.name)
        what = "年度指标值和指标名称" if same_name else "年度指标值"
        if not (isinstance(actual, Quantity) and actual.is_claim):  # a claim gets its own finding
            yield found("warning", "actual_repeats_target",
                        f"「{row.label}」的实际完成值照抄了{what}（「{short(row.actual)}」），没有写明实际完成情况")
    elif row.actual.strip() and repeats(row.actual, row.name):
        yield found("warning", "actual_repeats_name", f"「{row.label}」的实际完成值照抄了指标名称")
    m = _BROKEN_COMPARISON.search(row.name)
    if m:
        yield found("warning", "malformed_name", f"指标名称「{row.name}」中有残缺的比较式「{m.group(0)}」", model.NAME)
    for field, value in ((model.TARGET, target), (model.ACTUAL, actual)):
        if isinstance(value, Malformed) and not placeholder(value.text):  # a placeholder has its own finding
            yield found("warning", "malformed_value", f"「{row.label}」的{field}「{value.text}」无法识别：{value.problem}", field)
    if row.self_score is not None and row.weight is not None and row.self_score > row.weight:
        yield found("error", "score_above_weight",
                    f"「{row.label}」自评得分 {fmt(row.self_score)} 超过分值 {fmt(row.weight)}", model.SCORE)
    if isinstance(target, Quantity) and target.comparator is None and kind == "quantitative":
        yield found("info", "target_without_sign", f"「{row.label}」的年度指标值「{target.text}」没有 ≥/≤ 符号，按正向指标计分",
                    model.TARGET)


def cost_direction(number: int, row: model.IndicatorRow, inputs: Mapping[str, Any], rule: Rule | None,
                   ruleset: Ruleset) -> Iterator[Finding]:
    """财预〔2021〕101号: a cost target should be a ceiling (≤); say what *rule* (the ruleset's
    rule for a ≤ target) would give the row's numbers, when it can."""
    lose = ""
    if rule is not None and row.weight is not None and "actual" in inputs and "target" in inputs:
        probe = RowInputs(inputs, met=inputs["actual"] <= inputs["target"], grade=None)
        try:
            as_ceiling = rule.compiled.evaluate(probe, row.weight).score
            places = ruleset.rounding
            lose = (f"；若按「≤」计分（规则「{rule.name}」）得 {places.show(as_ceiling)} 分，"
                    f"失 {places.show(row.weight - as_ceiling)} 分")
        except (MissingInput, NoClause, ArithmeticError):
            lose = ""
    yield Finding("warning", "cost_direction",
                  f"成本指标「{row.label}」的年度指标值写成「{row.target}」（≥），成本指标应当是上限（≤）{lose}", number,
                  row.label, row.where(model.TARGET))


def outcome_findings(number: int, row: model.IndicatorRow, outcome: Outcome, filed_score: Decimal | None,
                     ruleset: Ruleset, said: bool) -> Iterator[Finding]:
    """What a rule's outcome for a row shows against what the unit filed: points lost with no
    偏差原因, the rule's own flags, a self-assessed score outside its grade's band (or no
    self-assessed score at all), a computed score other than the unit's.  *row* carries the
    weight and score brought to the ruleset's level weights; *filed_score* is the score as the
    unit filed it; *said*: a more specific finding on the row already says the score differs."""
    where = row.where
    if outcome.charges and number and not row.reason.strip():
        yield Finding("warning", "missing_reason", f"「{row.label}」失分但未填写偏差原因", number, row.label,
                      where(model.REASON))
    for flag in outcome.flags:
        yield Finding("warning", "rule_flag", f"「{row.label}」：{flag}", number, row.label, where(model.ACTUAL))
    band = outcome.band
    if band is not None:
        if row.self_score is None:
            yield Finding("warning", "missing_self_score", f"「{row.label}」是定性指标，但没有自评得分，按所在档下限计",
                          number, row.label, where(model.ACTUAL))
        elif not band.contains(row.self_score):
            yield Finding("error", "self_score_outside_band",
                          f"「{row.label}」自评得分 {fmt(row.self_score)} 不在「{band_grade(outcome, row.actual, ruleset)}」档的"
                          f"区间 {band} 内，按该档下限 {fmt(band.low)} 分计", number, row.label, where(model.SCORE))
    elif (row.self_score is not None and not said
          and ruleset.rounding.apply(outcome.score) != ruleset.rounding.apply(row.self_score)):
        # 8.62 filed for 8.6183 is the same score, rounded
        scaled = f"（按一级指标分值折算为 {ruleset.rounding.show(row.self_score)}）" if filed_score != row.self_score else ""
        yield Finding("warning", "score_differs",
                      f"「{row.label}」自评得分 {fmt(filed_score)}{scaled}，复核得分 {ruleset.rounding.show(outcome.score)}",
                      number, row.label, where(model.SCORE))
