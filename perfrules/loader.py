"""Ruleset files (TOML) → a checked, compiled :class:`~perfrules.ruleset.Ruleset`.

A ruleset may build on a more general one (``extends = "<id>"``): the national
rules, then the province, the city, the district.  Layers are merged from the most
general down (see docs/rulesets.md for the exact override semantics), every
setting keeping the layer and position that set it; then the merged settings are
checked and every rule compiled, once, at load time.

Problems are collected, not raised one by one: an author sees every error of a
file in one run, each with file:line:column.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules import compiler
from perfrules.errors import PerfrulesError, Position, did_you_mean, raise_all
from perfrules.ruleset import (
    AuditSetting, DIRECTIONS, EVIDENCE, KINDS, ROUNDING_MODES, Citation, Document, FormRow, GradeBand, Rounding, Rule, Ruleset, Selector,
)
from perfrules.catalog import (  # re-exported: the loader is where callers look
    Selection, bundled_dir, choose_ruleset, guess_jurisdiction, is_ruleset_file, resolve_ruleset_path, ruleset_files,
    ruleset_index, select_ruleset,
)
from perfrules.tomlsource import KeyPath, Locator, load_toml, read_text
from perfrules.limits import MAX_CHAIN
from perfrules.values import points, to_decimal

TOP_KEYS = {"id", "name", "jurisdiction", "year", "version", "extends", "kind", "note", "documents", "rounding",
            "weights", "grades", "rules", "remove", "grade_words", "binding", "cases", "form",
            "places", "audit"}
AUDIT_CHECKS = {"over_completion": "超额完成需说明原因的比例", "execution_reason": "执行率低于此值需说明原因",
                "low_execution": "执行率低于此值而产出全部满分时提示"}
AUDIT_KEYS = {"threshold", "cite"}
RULE_KEYS = {"id", "name", "text", "applies", "cite", "override", "binding", "note"}
APPLIES_KEYS = {"kind", "direction", "level1", "level2", "name"}
CITE_KEYS = {"document", "article", "evidence", "note"}
DOC_KEYS = {"number", "title", "issuer", "issued", "effective", "note"}
GRADE_KEYS = {"name", "range"}
ROUNDING_KEYS = {"places", "mode", "cite"}
REMOVE_KEYS = {"rule", "reason"}
FORM_KEYS = {"key", "level1", "level2", "name", "target", "weight", "rule", "note"}

__all__ = ["load_ruleset", "load_ruleset_text", "build", "Layer", "bundled_dir", "guess_jurisdiction",
           "is_ruleset_file", "resolve_ruleset_path", "ruleset_files", "ruleset_index", "select_ruleset",
           "choose_ruleset", "Selection"]


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


# ---------------------------------------------------------------------- loading
def load_ruleset(ref: str, search: tuple[str, ...] = ()) -> Ruleset:
    """Load, merge, check and compile a ruleset (by path or by id)."""
    path = resolve_ruleset_path(ref, search)
    return _load_cached(path, _mtime(path), search)


def load_ruleset_text(text: str, file: str = "<规则集>", search: tuple[str, ...] = ()) -> Ruleset:
    layers = _chain(_read_layer_text(text, file), search)
    return build(layers)


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime: float, search: tuple[str, ...]) -> Ruleset:
    layers = _chain(_read_layer(path), search)
    return build(layers)


def _read_layer(path: str) -> Layer:
    return _read_layer_text(read_text(path), path)


def _read_layer_text(text: str, file: str) -> Layer:
    data, locator = load_toml(text, file)
    lid = data.get("id")
    if not isinstance(lid, str) or not lid.strip():
        written = ("id",) if "id" in data else ()  # an id of the wrong kind: point at it
        raise locator.error("规则集缺少编号 id", written, value=bool(written),
                            expected='id = "hunan/zhuzhou/lusong/2023"')
    return Layer(lid, file, data, locator)


def _chain(leaf: Layer, search: tuple[str, ...]) -> list[Layer]:
    """The layers from the most general to *leaf*; cycles and missing parents are errors."""
    layers = [leaf]
    seen = {leaf.id: leaf}
    while "extends" in layers[0].data:
        child = layers[0]
        parent_id = child.data["extends"]
        if not isinstance(parent_id, str):
            raise child.error("extends 应当是上级规则集的编号（文字）", ("extends",))
        if parent_id in seen:
            first = seen[parent_id]
            raise child.error(
                f"规则集继承成环：「{parent_id}」已在链中（{first.path}）", ("extends",),
                suggestion="每个规则集只能继承更上一级的规则集。")
        # extends names a ruleset by id, looked up only in the rulesets roots (the bundled
        # folder and *search*): never a file path, so "../../etc/passwd" is not read.
        index = ruleset_index(search)
        if parent_id not in index:
            raise child.error(f"找不到上级规则集「{parent_id}」", ("extends",),
                              expected="上级规则集的编号（perfrules ruleset list 列出的编号，不是文件路径）",
                              suggestion=did_you_mean(parent_id, index)) from None
        parent_path = index[parent_id]
        parent = _read_layer(parent_path)
        if parent.id != parent_id:  # pragma: no cover - the index reads the same id line
            raise child.error(f"上级规则集编号不符：{parent.id}", ("extends",))
        if len(layers) >= MAX_CHAIN:
            raise child.error(f"继承层级过多（上限 {MAX_CHAIN} 层）", ("extends",))
        layers.insert(0, parent)
        seen[parent.id] = parent
    return layers


# --------------------------------------------------------------------- merging
@attrs.define
class _Merged:
    """Settings while layers are merged, each with (layer id, position)."""

    documents: dict[str, tuple[Document, str, Position]] = attrs.field(factory=dict)
    rounding: tuple[Rounding, str, Position] | None = None
    weights: dict[str, tuple[Decimal, str, Position]] = attrs.field(factory=dict)
    grades: tuple[tuple[GradeBand, ...], str, Position] | None = None
    rules: dict[str, tuple[Mapping[str, Any], Layer, KeyPath]] = attrs.field(factory=dict)
    binding: dict[str, tuple[str, Position]] = attrs.field(factory=dict)  # setting → who bound it
    removed: list[tuple[str, str, str, Position]] = attrs.field(factory=list)
    grade_words: dict[str, tuple[str, ...]] = attrs.field(factory=lambda: dict(compiler.DEFAULT_GRADES))
    kinds: tuple[str, ...] = ()
    audit: dict[str, tuple[Mapping[str, Any], Layer, KeyPath]] = attrs.field(factory=dict)


def build(layers: list[Layer]) -> Ruleset:
    """Merge the layers, check everything, compile every rule; raise all problems at once."""
    merged = _Merged()
    errors: list[PerfrulesError] = []
    for layer in layers:
        errors.extend(_merge_layer(merged, layer))
    leaf = layers[-1]
    rules, rule_errors = _compile_rules(merged)  # rule texts are checked even when settings are wrong:
    if errors:  # `check` promises every problem in one run (issue 12), not one round per kind
        raise_all(errors + rule_errors)
    errors = rule_errors
    errors.extend(_check_weights(merged, leaf))
    selector_errors, warnings = _check_selectors(rules)
    errors.extend(selector_errors)
    audit, audit_errors = _audit(merged, {k: v[0] for k, v in merged.documents.items()})
    errors.extend(audit_errors)
    form_layer = next((layer for layer in reversed(layers) if "form" in layer.data), None)
    form = _form(form_layer, {r.id for r in rules}, errors) if form_layer is not None else ()
    raise_all(errors)
    warnings = [w for rule in rules for w in rule.compiled.warnings] + warnings
    if merged.rounding is None:
        raise leaf.error("规则集没有写舍入规则 [rounding]（位数和方式必须写明）", (), value=False,
                         expected='[rounding]\nplaces = 2\nmode = "half_up"')
    origins: dict[str, tuple[str, Position | None]] = {}
    for key, (_, lid, pos) in merged.weights.items():
        origins[f"weights.{key}"] = (lid, pos)
    origins["rounding"] = (merged.rounding[1], merged.rounding[2])
    if merged.grades:
        origins["grades"] = (merged.grades[1], merged.grades[2])
    for key, (_, lid, pos) in merged.documents.items():
        origins[f"documents.{key}"] = (lid, pos)
    for rule in rules:
        origins[f"rules.{rule.id}"] = (rule.layer, rule.origin)
    for rid, lid, reason, pos in merged.removed:
        origins[f"removed.{rid}"] = (lid, pos)
    year = leaf.data.get("year")
    return Ruleset(
        id=leaf.id,
        name=str(leaf.data.get("name", leaf.id)),
        jurisdiction=str(leaf.data.get("jurisdiction", "")),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        version=str(leaf.data.get("version", "")),
        documents={k: v[0] for k, v in merged.documents.items()},
        rounding=merged.rounding[0],
        weights={k: v[0] for k, v in merged.weights.items()},
        grades=merged.grades[0] if merged.grades else (),
        rules=tuple(rules),
        grade_words=dict(merged.grade_words),
        source=leaf.path,
        chain=tuple(layer.id for layer in layers),
        origins=origins,
        warnings=tuple(warnings),
        form=form,
        kinds=merged.kinds,
        audit=audit,
    )


def _merge_layer(m: _Merged, layer: Layer) -> Iterator[PerfrulesError]:
    data = layer.data
    yield from _unknown_keys(layer, data, TOP_KEYS, ())
    for key, raw in _table(layer, data, "documents", ()).items():
        doc = _document(layer, key, raw)
        if isinstance(doc, PerfrulesError):
            yield doc
        else:
            m.documents[key] = (doc, layer.id, layer.pos(("documents", key), value=False))
    if "rounding" in data:
        yield from _guard(m, layer, "rounding", ("rounding",))
        result = _rounding(layer, _table(layer, data, "rounding", ()))
        if isinstance(result, list):
            yield from result
        else:
            m.rounding = (result, layer.id, layer.pos(("rounding",), value=False))
    weights = _table(layer, data, "weights", ())
    for name, raw in weights.items():
        if name == "cite":
            continue
        yield from _guard(m, layer, f"weights.{name}", ("weights", name))
        try:
            weight = points(to_decimal(raw, f"「{name}」的分值"), f"「{name}」的分值")
            m.weights[name] = (weight, layer.id, layer.pos(("weights", name)))
            for member in level_group(name)[1:] and level_group(name):  # 效益指标+满意度指标: one share for both
                m.weights.pop(member, None)
        except PerfrulesError as err:
            yield _at(err, layer, ("weights", name))
    if "grades" in data:
        yield from _guard(m, layer, "grades", ("grades",))
        grades = _grades(layer, data["grades"])
        if isinstance(grades, PerfrulesError):
            yield grades
        else:
            m.grades = (grades, layer.id, layer.pos(("grades",), value=False))
    for canon, words in _table(layer, data, "grade_words", ()).items():
        if canon not in m.grade_words or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            yield layer.error(f"等级同义词「{canon}」应当对应已有等级（{'、'.join(m.grade_words)}）的文字列表",
                              ("grade_words", canon))
            continue
        m.grade_words[canon] = tuple(dict.fromkeys([*m.grade_words[canon], *words]))
    for binding in _list(layer, data, "binding", ()):
        m.binding[str(binding)] = (layer.id, layer.pos(("binding",)))
    yield from _merge_removals(m, layer)
    yield from _merge_rules(m, layer)
    yield from _merge_kinds(m, layer)
    for name, raw in _table(layer, data, "audit", ()).items():
        path: KeyPath = ("audit", name)
        if name not in AUDIT_CHECKS:
            yield layer.error(f"未知的审核设置「{name}」", path, value=False,
                              expected="、".join(AUDIT_CHECKS), suggestion=did_you_mean(str(name), AUDIT_CHECKS))
        elif not isinstance(raw, dict):
            yield layer.error(f"审核设置「{name}」应当是 {{ threshold = \"130%\", cite = {{…}} }}", path)
        else:
            yield from _unknown_keys(layer, raw, AUDIT_KEYS, path)
            m.audit[name] = (raw, layer, path)


def _merge_kinds(m: _Merged, layer: Layer) -> Iterator[PerfrulesError]:
    """``kind``: the 类型 a ruleset serves (one or a list); the most local layer that says wins."""
    raw = layer.data.get("kind")
    if raw is None:
        return
    kinds = [raw] if isinstance(raw, str) else raw
    if not isinstance(kinds, list) or not all(isinstance(k, str) and k in SUBMISSION_KINDS for k in kinds):
        yield layer.error(f"kind 应当是 {' 或 '.join(SUBMISSION_KINDS)}（或它们的列表）", ("kind",),
                          suggestion=did_you_mean(str(raw), SUBMISSION_KINDS))
        return
    m.kinds = tuple(kinds)


SUBMISSION_KINDS = ("部门整体支出", "项目支出")


def _audit(m: _Merged, docs: Mapping[str, Document]) -> tuple[dict[str, AuditSetting], list[PerfrulesError]]:
    settings: dict[str, AuditSetting] = {}
    errors: list[PerfrulesError] = []
    for name, (raw, layer, path) in m.audit.items():
        try:
            text = raw.get("threshold")
            share = isinstance(text, str) and text.strip().endswith(("%", "％"))
            threshold = to_decimal(str(text).strip()[:-1] if share else text, f"审核设置「{name}」的 threshold")
            threshold = threshold / 100 if share else threshold
        except PerfrulesError as err:
            errors.append(_at(err, layer, path + ("threshold",)))
            continue
        cite = _citation(layer, {"id": name, **raw}, path, docs)
        if isinstance(cite, PerfrulesError):
            errors.append(cite)
            continue
        settings[name] = AuditSetting(name, threshold, cite)
    return settings, errors


def _guard(m: _Merged, layer: Layer, setting: str, path: KeyPath) -> Iterator[PerfrulesError]:
    """A layer may not change what a more general layer marked as binding."""
    bound = m.binding.get(setting) or m.binding.get(setting.split(".")[0])
    if bound and bound[0] != layer.id:
        lid, pos = bound
        yield layer.error(f"「{setting}」已被上级规则集「{lid}」定为约束性规定（{pos.file}:{pos.line}:{pos.column}），下级不能修改",
                          path, value=False)


def _merge_removals(m: _Merged, layer: Layer) -> Iterator[PerfrulesError]:
    for i, raw in enumerate(_list(layer, layer.data, "remove", ())):
        path: KeyPath = ("remove", i)
        if not isinstance(raw, dict):
            yield layer.error("remove 的每一项应当是 { rule = \"…\", reason = \"…\" }", path)
            continue
        yield from _unknown_keys(layer, raw, REMOVE_KEYS, path)
        rid, reason = raw.get("rule"), raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            yield layer.error("删除上级规则必须写明理由 reason", path, value=False)
            continue
        if rid not in m.rules:
            yield layer.error(f"要删除的规则「{rid}」在上级规则集中不存在", path + ("rule",),
                              suggestion=did_you_mean(str(rid), m.rules))
            continue
        yield from _guard(m, layer, f"rules.{rid}", path)
        del m.rules[str(rid)]
        m.removed.append((str(rid), layer.id, reason, layer.pos(path + ("rule",))))


def _merge_rules(m: _Merged, layer: Layer) -> Iterator[PerfrulesError]:
    own: dict[str, KeyPath] = {}
    added: list[tuple[str, tuple[Mapping[str, Any], Layer, KeyPath]]] = []
    for i, raw in enumerate(_list(layer, layer.data, "rules", ())):
        path: KeyPath = ("rules", i)
        if not isinstance(raw, dict):
            yield layer.error("rules 的每一项应当是一个表 [[rules]]", path)
            continue
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid:
            yield layer.error("规则缺少编号 id", path, value=False, expected='id = "quantitative-positive"')
            continue
        if rid in own:
            first = layer.pos(own[rid], value=False)
            yield layer.error(f"规则编号「{rid}」重复（第一次出现在第 {first.line} 行）", path + ("id",))
            continue
        own[rid] = path
        if rid in m.rules:
            parent_raw, parent_layer, parent_path = m.rules[rid]
            ppos = parent_layer.pos(parent_path, value=False)
            if raw.get("override") is not True:
                yield layer.error(
                    f"规则「{rid}」与上级规则集「{parent_layer.id}」的同名规则冲突（{ppos.file}:{ppos.line}:{ppos.column}）",
                    path + ("id",), suggestion="如要替换上级规则，请加上 override = true；如要另立规则，请换一个编号。")
                continue
            if parent_raw.get("binding") is True:
                yield layer.error(
                    f"规则「{rid}」已被上级规则集「{parent_layer.id}」定为约束性规定（{ppos.file}:{ppos.line}:{ppos.column}），下级不能替换",
                    path + ("id",))
                continue
            yield from _guard(m, layer, f"rules.{rid}", path)
            m.rules[rid] = (raw, layer, path)  # replaced in place: the parent's order stands
        else:
            if raw.get("override") is True:
                yield layer.error(f"override = true，但上级规则集中没有编号为「{rid}」的规则", path + ("override",),
                                  suggestion=did_you_mean(rid, m.rules))
                continue
            added.append((rid, (raw, layer, path)))
    # A layer's new rules come before its parents': the more local rule is tried first.
    m.rules = dict([*added, *m.rules.items()])


# -------------------------------------------------------------------- settings
def _document(layer: Layer, key: str, raw: Any) -> Document | PerfrulesError:
    path: KeyPath = ("documents", key)
    if not isinstance(raw, dict):
        return layer.error(f"文件「{key}」应当是一个表 [documents.{key}]", path)
    for err in _unknown_keys(layer, raw, DOC_KEYS, path):
        return err
    title = raw.get("title")
    if not isinstance(title, str) or not title:
        return layer.error(f"文件「{key}」缺少标题 title", path, value=False)
    fields = {k: str(raw.get(k, "")) for k in ("number", "issuer", "issued", "effective", "note")}
    return Document(key=key, title=title, **fields)


def _rounding(layer: Layer, raw: Mapping[str, Any]) -> Rounding | list[PerfrulesError]:
    errors = list(_unknown_keys(layer, raw, ROUNDING_KEYS, ("rounding",)))
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


_RANGE = re.compile(r"^\s*([\[【])\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*([\])）】])\s*$")


def _grades(layer: Layer, raw: Any) -> tuple[GradeBand, ...] | PerfrulesError:
    if not isinstance(raw, list):
        return layer.error("grades 应当是表格数组 [[grades]]", ("grades",))
    bands: list[GradeBand] = []
    for i, item in enumerate(raw):
        path: KeyPath = ("grades", i)
        if not isinstance(item, dict):
            return layer.error("每个等级应当是 { name = \"优\", range = \"[90, 100]\" }", path)
        for err in _unknown_keys(layer, item, GRADE_KEYS, path):
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


def _compile_rules(m: _Merged) -> tuple[list[Rule], list[PerfrulesError]]:
    rules: list[Rule] = []
    errors: list[PerfrulesError] = []
    docs = {k: v[0] for k, v in m.documents.items()}
    for rid, (raw, layer, path) in m.rules.items():
        result = _rule(layer, raw, path, docs, m.grade_words)
        if isinstance(result, list):
            errors.extend(result)
        else:
            rules.append(result)
    return rules, errors


def _rule(layer: Layer, raw: Mapping[str, Any], path: KeyPath, docs: Mapping[str, Document],
          grade_words: Mapping[str, tuple[str, ...]]) -> Rule | list[PerfrulesError]:
    errors = list(_unknown_keys(layer, raw, RULE_KEYS, path))
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(layer.error(f"规则「{raw['id']}」缺少规则文字 text", path, value=False,
                                  expected='text = "实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值"'))
        return errors
    compiled = None
    try:
        compiled = compiler.compile_rule(text, grade_words)
        for warning in compiled.warnings:
            _place_in_text(warning, layer, path)
    except PerfrulesError as err:
        errors.append(_place_in_text(err, layer, path))
    citation = _citation(layer, raw, path, docs)
    if isinstance(citation, PerfrulesError):
        errors.append(citation)
    applies = _selector(layer, raw.get("applies", {}), path + ("applies",))
    if isinstance(applies, PerfrulesError):
        errors.append(applies)
    if errors or compiled is None or isinstance(citation, PerfrulesError) or isinstance(applies, PerfrulesError):
        return errors
    return Rule(id=str(raw["id"]), name=str(raw.get("name", raw["id"])), text=text, applies=applies,
                citation=citation, compiled=compiled, origin=layer.pos(path, value=False), layer=layer.id)


def _place_in_text(err: PerfrulesError, layer: Layer, path: KeyPath) -> PerfrulesError:
    """An error found inside a rule text, placed at its line and column in the file."""
    spot = layer.locator.text_position(path + ("text",), err.offset) if err.offset is not None else None
    if spot and err.position.line is None:
        err.located(file=layer.path, line=spot[0], column=spot[1], source_line=layer.locator.lines[spot[0] - 1])
    return err.located(file=layer.path, key=f"rules[{path[1] + 1 if isinstance(path[1], int) else ''}].text")


def _check_selectors(rules: list[Rule]) -> tuple[list[PerfrulesError], list[PerfrulesError]]:
    """(errors, warnings): selectors that match nothing, rules an earlier rule hides."""
    errors: list[PerfrulesError] = []
    warnings: list[PerfrulesError] = []
    for i, rule in enumerate(rules):
        sel = rule.applies
        if sel.directions and sel.kinds and "quantitative" not in sel.kinds:
            errors.append(PerfrulesError(f"规则「{rule.id}」永远不会适用：只有定量指标才有方向（direction）",
                                         position=rule.origin or Position(), code="ruleset_check"))
        for earlier in rules[:i]:
            if _covers(earlier.applies, sel):
                pos = earlier.origin
                where = f"（{pos.file}:{pos.line}）" if pos is not None and pos.line else ""
                warnings.append(PerfrulesError(
                    f"规则「{rule.id}」永远不会被用到：排在前面的规则「{earlier.id}」{where}适用于{earlier.applies.describe()}，已包含它的适用范围",
                    position=rule.origin or Position(), code="ruleset_check",
                    suggestion="把更具体的规则放在前面，或缩小前一条规则的 applies。"))
                break
    return errors, warnings


def _covers(a: Selector, b: Selector) -> bool:
    pairs = ((a.kinds, b.kinds), (a.directions, b.directions), (a.level1, b.level1), (a.level2, b.level2),
             (a.names, b.names))
    return all(not x or (bool(y) and set(y) <= set(x)) for x, y in pairs)


def _citation(layer: Layer, raw: Mapping[str, Any], path: KeyPath, docs: Mapping[str, Document]) -> Citation | PerfrulesError:
    cite = raw.get("cite")
    if cite is None:
        return layer.error(f"规则「{raw['id']}」没有注明出处 cite", path, value=False,
                           expected='cite = { document = "cz2020-10", article = "第十四条", evidence = "recalled" }')
    if not isinstance(cite, dict):
        return layer.error("cite 应当是 { document = …, article = …, evidence = … }", path + ("cite",))
    for err in _unknown_keys(layer, cite, CITE_KEYS, path + ("cite",)):
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


def _selector(layer: Layer, raw: Any, path: KeyPath) -> Selector | PerfrulesError:
    if not isinstance(raw, dict):
        return layer.error("applies 应当是 { kind = …, direction = … }", path)
    for err in _unknown_keys(layer, raw, APPLIES_KEYS, path):
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


def _form(layer: Layer, rule_ids: set[str], errors: list[PerfrulesError]) -> tuple[FormRow, ...]:
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
        problems = list(_unknown_keys(layer, raw, FORM_KEYS, path))
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
            problems.append(_at(err, layer, path + ("weight",)))
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


def _check_weights(m: _Merged, leaf: Layer) -> Iterator[PerfrulesError]:
    if not m.weights:
        return
    total = sum((v[0] for v in m.weights.values()), Decimal(0))
    if total != 100:
        parts = "＋".join(f"{k} {v[0]}" for k, v in m.weights.items())
        yield leaf.error(f"一级指标分值合计应为 100，实际是 {total}（{parts}）", ("weights",), value=False)


# ----------------------------------------------------------------------- helpers
def _unknown_keys(layer: Layer, raw: Mapping[str, Any], allowed: set[str], path: KeyPath) -> Iterator[PerfrulesError]:
    for key in raw:
        if key not in allowed:
            yield layer.error(f"未知的键「{key}」", path + (key,), value=False,
                              expected="、".join(sorted(allowed)), suggestion=did_you_mean(str(key), allowed))


def _table(layer: Layer, data: Mapping[str, Any], key: str, path: KeyPath) -> Mapping[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def _list(layer: Layer, data: Mapping[str, Any], key: str, path: KeyPath) -> list[Any]:
    value = data.get(key, [])
    return value if isinstance(value, list) else [value]


def _at(err: PerfrulesError, layer: Layer, path: KeyPath) -> PerfrulesError:
    return err.at(layer.pos(path))
