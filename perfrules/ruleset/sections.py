"""The sections of one ruleset file, read and checked: a layer as written, its documents,
rounding, grades, rules (text, applies, cite), the form, and the key checks every
section shares.  Each reader returns the setting or the problems with their positions;
the loader (perfrules/ruleset/loader.py) merges layers and collects every problem in one run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules.rules import compiler
from perfrules.errors import PerfrulesError, Position, did_you_mean
from perfrules.ruleset.model import (
    DIRECTIONS, EVIDENCE, KINDS, ROUNDING_MODES, Citation, Document, FormRow, GradeBand, Rounding, Rule, Selector,
)
from perfrules.tomlkeys import KeyPath, Locator
from perfrules.values import to_decimal

RULE_KEYS = {"id", "name", "text", "applies", "cite", "override", "binding", "note"}
APPLIES_KEYS = {"kind", "direction", "level1", "level2", "name"}
CITE_KEYS = {"document", "article", "evidence", "note"}
DOC_KEYS = {"number", "title", "issuer", "issued", "effective", "note"}
GRADE_KEYS = {"name", "range"}
ROUNDING_KEYS = {"places", "mode", "cite"}
FORM_KEYS = {"key", "level1", "level2", "name", "target", "weight", "rule", "note"}
_RANGE = re.compile(r"^\s*([\[【])\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*([\])）】])\s*$")


@attrs.frozen
class Layer:
    """One ruleset file as written, before merging."""

    id: str
    path: str
    data: Mapping[str, Any]
    locator: Locator

    def pos(self, path: KeyPath, value: bool = True) -> Position:
        return self.locator.position(path, value=value)

    def error(self, message: str, path: KeyPath, **kw: Any) -> PerfrulesError:
        return self.locator.error(message, path, **kw)


def document(layer: Layer, key: str, raw: Any) -> Document | PerfrulesError:
    path: KeyPath = ("documents", key)
    if not isinstance(raw, dict):
        return layer.error(f"文件「{key}」应当是一个表 [documents.{key}]", path)
    for err in unknown_keys(layer, raw, DOC_KEYS, path):
        return err
    title = raw.get("title")
    if not isinstance(title, str) or not title:
        return layer.error(f"文件「{key}」缺少标题 title", path, value=False)
    fields = {k: str(raw.get(k, "")) for k in ("number", "issuer", "issued", "effective", "note")}
    return Document(key=key, title=title, **fields)


def rounding(layer: Layer, raw: Mapping[str, Any]) -> Rounding | list[PerfrulesError]:
    errors = list(unknown_keys(layer, raw, ROUNDING_KEYS, ("rounding",)))
    places, mode = raw.get("places"), raw.get("mode")
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 10:
        errors.append(layer.error("舍入位数 places 应当是 0 到 10 的整数", ("rounding", "places"), expected="places = 2"))
    if not isinstance(mode, str) or mode not in ROUNDING_MODES:
        errors.append(layer.error(f"未知的舍入方式「{mode}」", ("rounding", "mode"), expected="、".join(ROUNDING_MODES),
                                  suggestion=did_you_mean(str(mode), ROUNDING_MODES)))
    if errors:
        return errors
    assert isinstance(places, int) and isinstance(mode, str)
    return Rounding(places, mode)


def grades(layer: Layer, raw: Any) -> tuple[GradeBand, ...] | PerfrulesError:
    if not isinstance(raw, list):
        return layer.error("grades 应当是表格数组 [[grades]]", ("grades",))
    bands: list[GradeBand] = []
    for i, item in enumerate(raw):
        path: KeyPath = ("grades", i)
        if not isinstance(item, dict):
            return layer.error("每个等级应当是 { name = \"优\", range = \"[90, 100]\" }", path)
        for err in unknown_keys(layer, item, GRADE_KEYS, path):
            return err
        m = _RANGE.match(str(item.get("range", "")))
        if not m:
            return layer.error(f"等级区间写法不对：「{item.get('range', '')}」", path + ("range",),
                               expected="[下限, 上限] 或 [下限, 上限)，例如 \"[80, 90)\"")
        low, high = Decimal(m.group(2)), Decimal(m.group(3))
        if low >= high:
            return layer.error("等级区间下限应小于上限", path + ("range",))
        bands.append(GradeBand(str(item.get("name", "")), low, high, m.group(4) in "]】"))
    ordered = sorted(bands, key=lambda b: b.low)
    for a, b in zip(ordered, ordered[1:]):
        overlap = a.high > b.low or (a.high == b.low and a.high_closed)
        if overlap or a.high < b.low:
            what = "重叠" if overlap else f"之间有空档（{a.high} 到 {b.low}）"
            return layer.error(f"等级「{a.name}」{a.range_text} 与「{b.name}」{b.range_text} 的区间{what}",
                               ("grades", bands.index(a), "range"),
                               suggestion="相邻等级应首尾相接，例如 良 [80, 90)、优 [90, 100]。")
    return tuple(sorted(bands, key=lambda b: b.low, reverse=True))


def rule(layer: Layer, raw: Mapping[str, Any], path: KeyPath, docs: Mapping[str, Document],
          grade_words: Mapping[str, tuple[str, ...]]) -> Rule | list[PerfrulesError]:
    errors = list(unknown_keys(layer, raw, RULE_KEYS, path))
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(layer.error(f"规则「{raw['id']}」缺少规则文字 text", path, value=False,
                                  expected='text = "实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值"'))
        return errors
    compiled = None
    try:
        compiled = compiler.compile_rule(text, grade_words)
        for warning in compiled.warnings:
            place_in_text(warning, layer, path)
    except PerfrulesError as err:
        errors.append(place_in_text(err, layer, path))
    citation = citation_of(layer, raw, path, docs)
    if isinstance(citation, PerfrulesError):
        errors.append(citation)
    applies = selector(layer, raw.get("applies", {}), path + ("applies",))
    if isinstance(applies, PerfrulesError):
        errors.append(applies)
    if errors or compiled is None or isinstance(citation, PerfrulesError) or isinstance(applies, PerfrulesError):
        return errors
    return Rule(id=str(raw["id"]), name=str(raw.get("name", raw["id"])), text=text, applies=applies,
                citation=citation, compiled=compiled, origin=layer.pos(path, value=False), layer=layer.id)


def place_in_text(err: PerfrulesError, layer: Layer, path: KeyPath) -> PerfrulesError:
    """An error found inside a rule text, placed at its line and column in the file."""
    spot = layer.locator.text_position(path + ("text",), err.offset) if err.offset is not None else None
    if spot and err.position.line is None:
        err.located(file=layer.path, line=spot[0], column=spot[1], source_line=layer.locator.lines[spot[0] - 1])
    return err.located(file=layer.path, key=f"rules[{path[1] + 1 if isinstance(path[1], int) else ''}].text")


def check_selectors(rules: list[Rule]) -> tuple[list[PerfrulesError], list[PerfrulesError]]:
    """(errors, warnings): selectors that match nothing, rules an earlier rule hides."""
    errors: list[PerfrulesError] = []
    warnings: list[PerfrulesError] = []
    for i, rule in enumerate(rules):
        sel = rule.applies
        if sel.directions and sel.kinds and "quantitative" not in sel.kinds:
            errors.append(PerfrulesError(f"规则「{rule.id}」永远不会适用：只有定量指标才有方向（direction）",
                                         position=rule.origin or Position(), code="ruleset_check"))
        for earlier in rules[:i]:
            if covers(earlier.applies, sel):
                pos = earlier.origin
                where = f"（{pos.file}:{pos.line}）" if pos is not None and pos.line else ""
                warnings.append(PerfrulesError(
                    f"规则「{rule.id}」永远不会被用到：排在前面的规则「{earlier.id}」{where}适用于{earlier.applies.describe()}，已包含它的适用范围",
                    position=rule.origin or Position(), code="ruleset_check",
                    suggestion="把更具体的规则放在前面，或缩小前一条规则的 applies。"))
                break
    return errors, warnings


def covers(a: Selector, b: Selector) -> bool:
    pairs = ((a.kinds, b.kinds), (a.directions, b.directions), (a.level1, b.level1), (a.level2, b.level2),
             (a.names, b.names))
    return all(not x or (bool(y) and set(y) <= set(x)) for x, y in pairs)


def citation_of(layer: Layer, raw: Mapping[str, Any], path: KeyPath, docs: Mapping[str, Document]) -> Citation | PerfrulesError:
    cite = raw.get("cite")
    if cite is None:
        return layer.error(f"规则「{raw['id']}」没有注明出处 cite", path, value=False,
                           expected='cite = { document = "cz2020-10", article = "第十四条", evidence = "recalled" }')
    if not isinstance(cite, dict):
        return layer.error("cite 应当是 { document = …, article = …, evidence = … }", path + ("cite",))
    for err in unknown_keys(layer, cite, CITE_KEYS, path + ("cite",)):
        return err
    key = cite.get("document")
    if key not in docs:
        return layer.error(f"出处中的文件「{key}」没有在 [documents] 中登记", path + ("cite", "document"),
                           suggestion=did_you_mean(str(key), docs))
    evidence = cite.get("evidence", "")
    if evidence not in EVIDENCE:
        return layer.error(f"未知的依据类型「{evidence}」", path + ("cite", "evidence"),
                           expected="text（原文）、form（表式附注原文）、secondary（二手资料）、recalled（据记忆）、practice（本地做法）",
                           suggestion=did_you_mean(str(evidence), EVIDENCE))
    return Citation(document=docs[str(key)], article=str(cite.get("article", "")), evidence=EVIDENCE[evidence],
                    note=str(cite.get("note", "")), layer=layer.id)


def selector(layer: Layer, raw: Any, path: KeyPath) -> Selector | PerfrulesError:
    if not isinstance(raw, dict):
        return layer.error("applies 应当是 { kind = …, direction = … }", path)
    for err in unknown_keys(layer, raw, APPLIES_KEYS, path):
        return err
    values: dict[str, tuple[str, ...]] = {}
    for key in APPLIES_KEYS:
        item = raw.get(key, [])
        items = [item] if isinstance(item, str) else item
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            return layer.error(f"applies.{key} 应当是文字或文字列表", path + (key,))
        values[key] = tuple(items)
    for key, vocab in (("kind", KINDS), ("direction", DIRECTIONS)):
        for word in values[key]:
            if word not in vocab:
                return layer.error(f"未知的{'类型' if key == 'kind' else '方向'}「{word}」", path + (key,),
                                   expected="、".join(vocab), suggestion=did_you_mean(word, vocab))
    return Selector(
        kinds=tuple(KINDS[k] for k in values["kind"]),
        directions=tuple(DIRECTIONS[d] for d in values["direction"]),
        level1=values["level1"], level2=values["level2"], names=values["name"],
    )


def form(layer: Layer, rule_ids: set[str], errors: list[PerfrulesError]) -> tuple[FormRow, ...]:
    """``[[form]]``: the rows of the 自评表 this ruleset is for (key, names, target, weight,
    optionally the rule), so a plan can be compiled for them; the most local layer's form wins."""
    raw_rows = layer.data["form"]
    if not isinstance(raw_rows, list):
        errors.append(layer.error("form 应当是表格数组 [[form]]", ("form",)))
        return ()
    rows: list[FormRow] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rows):
        path: KeyPath = ("form", i)
        if not isinstance(raw, dict):
            errors.append(layer.error("form 的每一项应当是一个表 [[form]]", path))
            continue
        problems = list(unknown_keys(layer, raw, FORM_KEYS, path))
        texts = {k: raw.get(k, "") for k in ("key", "level1", "level2", "name", "target")}
        for k, v in texts.items():
            if not isinstance(v, str) or (k in ("key", "name") and not v.strip()):
                problems.append(layer.error(f"form 的 {k} 应当是文字" + ("，且不能为空" if k in ("key", "name") else ""),
                                            path + (k,), value=k in raw))
        rule = raw.get("rule")
        if rule is not None and rule not in rule_ids:
            problems.append(layer.error(f"form 中的规则「{rule}」不存在", path + ("rule",),
                                        suggestion=did_you_mean(str(rule), rule_ids)))
        weight = Decimal(0)
        try:
            weight = to_decimal(raw.get("weight"), "form 的分值")
        except PerfrulesError as err:
            problems.append(at(err, layer, path + ("weight",)))
        if not problems and texts["key"] in seen:
            problems.append(layer.error(f"form 的 key「{texts['key']}」重复", path + ("key",)))
        if problems:
            errors.extend(problems)
            continue
        seen.add(str(texts["key"]))
        rows.append(FormRow(key=str(texts["key"]), level1=str(texts["level1"]), level2=str(texts["level2"]),
                            name=str(texts["name"]), target=str(texts["target"]), weight=weight,
                            rule=str(rule) if rule is not None else None, origin=layer.pos(path, value=False)))
    return tuple(rows)


def level_group(name: str) -> tuple[str, ...]:
    """The 一级指标 a weight key covers: ``效益指标+满意度指标`` shares its points between two."""
    return tuple(part.strip() for part in re.split(r"[+＋]", name) if part.strip())


def unknown_keys(layer: Layer, raw: Mapping[str, Any], allowed: set[str], path: KeyPath) -> Iterator[PerfrulesError]:
    for key in raw:
        if key not in allowed:
            yield layer.error(f"未知的键「{key}」", path + (key,), value=False,
                              expected="、".join(sorted(allowed)), suggestion=did_you_mean(str(key), allowed))


def table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The table under *key* ({} when absent or not a table: the section checks say why)."""
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def list_at(data: Mapping[str, Any], key: str) -> list[Any]:
    """The array under *key*, one item taken as an array of one."""
    value = data.get(key, [])
    return value if isinstance(value, list) else [value]


def at(err: PerfrulesError, layer: Layer, path: KeyPath) -> PerfrulesError:
    return err.at(layer.pos(path))

