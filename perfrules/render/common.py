"""What the Markdown, HTML and Excel reports share: words, number display, row cells.

Kept apart so the three renderers say the same thing in the same words; nothing
here scores anything, it only shows the record fields (a difference is
复核 − 自评 everywhere, and every header says so: 差异（复核−自评）).
"""

from __future__ import annotations

from decimal import Decimal

from perfrules.explain import METHOD_WORDS, SEVERITIES, SEVERITY_WORDS, Explanation, Finding, Result, RowResult

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "绩效自评复核结果", "ruleset": "规则集", "version": "版本", "chain": "继承链", "source": "来源",
        "total": "复核总分", "self_total": "自评总分", "grade": "等级", "lost": "失分说明", "findings": "审核提示",
        "none": "无", "rule": "规则", "values": "取值", "clause": "条款", "document": "文件", "reason": "偏差原因",
        "where": "位置", "no_reason": "（未填写）", "table": "自评表", "points": "分", "lose": "失",
        "row": "序号", "level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "年度指标值",
        "actual": "实际完成值", "weight": "分值", "self": "自评得分", "review": "复核得分", "diff": "差异（复核−自评）",
        "method": "方式", "note": "说明", "severity": "级别", "code": "代码", "message": "内容",
        "indicator": "指标", "full_marks": "满分", "year_suffix": "年度", "evidence": "依据可靠性",
        "layer": "所在层", "generated": "由 perfrules 生成", "unit": "单位", "year": "年度",
        "selection": "规则集选择", "execution": "预算执行",
    },
}


def words(lang: str) -> dict[str, str]:
    """The report vocabulary.  Reports are in Chinese only: ``--lang en`` was dropped
    (issue 12) rather than left half translated; *lang* stays for the signature."""
    return WORDS.get(lang, WORDS["zh"])


def plain(value: Decimal | None) -> str:
    """A Decimal as people write it (10, 0.5), never in exponent form."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def shown(value: Decimal | None, places: int) -> str:
    """A score with the ruleset's decimal places (9.40, not 9.4)."""
    if value is None:
        return ""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def difference(r: RowResult) -> Decimal | None:
    """复核 − 自评 for a row both scored; None when either is missing."""
    if r.score is None or r.self_reported_score is None:
        return None
    return r.score - r.self_reported_score


def total_difference(result: Result) -> Decimal | None:
    """复核总分 − 自评总分 (both as shown), None without a self-reported total."""
    if result.self_reported_total is None:
        return None
    return result.total - result.self_reported_total


def row_number(r: RowResult) -> str:
    """序号 as a reader counts: indicators from 1, the budget execution row unnumbered.

    Records and JSON keep row 0 for the execution row; only the shown number differs.
    """
    return "" if r.row == 0 else str(r.row)


def rule_label(result: Result, rule: str) -> str:
    """A rule as a reader knows it: its name, then its id (定性指标（分档自评） qualitative)."""
    name = result.rule_name(rule)
    return name if name == rule else f"{name}（{rule}）"


def method_word(method: str, lang: str) -> str:
    return METHOD_WORDS.get(method, method) if lang == "zh" else method


def severity_word(severity: str, lang: str) -> str:
    return SEVERITY_WORDS.get(severity, severity) if lang == "zh" else severity


def one_line(text: str) -> str:
    """Cell text on one line (the 自评表 has line breaks inside cells)."""
    return " ".join(text.split())


def by_severity(findings: tuple[Finding, ...]) -> list[Finding]:
    """Errors first, then warnings, then notes; the filed order within each."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: order.get(f.severity, len(order)))


def explanation_title(e: Explanation) -> str:
    name = one_line(e.indicator)
    return f"{e.level2}「{name}」" if e.level2 and e.level2 != name else f"「{name}」"


def shown_values(e: Explanation) -> dict[str, str]:
    """The values a rule used, on one line each."""
    return {k: one_line(v) for k, v in e.values.items()}


def heading(result: Result, lang: str) -> str:
    w = words(lang)
    year = f"{result.year}{w['year_suffix']} " if result.year else ""
    gap = "" if lang == "zh" else " "
    return f"{result.unit} {year}{result.kind}{gap}{w['title']}"


def notes_for_rows(result: Result, lang: str = "zh") -> dict[int, str]:
    """Per row, a short 说明: the points lost and why (from the explanations)."""
    w = words(lang)
    notes: dict[int, list[str]] = {}
    for e in result.explanations:
        text = (f"{w['lose']} {shown(e.points_lost, result.places)} {w['points']}"
                f"（{result.rule_name(e.rule)}：{one_line(e.rule_text)}）")
        notes.setdefault(e.row, []).append(text)
    return {row: "；".join(items) for row, items in notes.items()}
