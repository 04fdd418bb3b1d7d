"""Ruleset files (TOML) → a checked, compiled :class:`~perfrules.ruleset.model.Ruleset`.

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
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfrules.rules import compiler
from perfrules.errors import PerfrulesError, Position, did_you_mean, raise_all
from perfrules.ruleset.model import AuditSetting, Document, GradeBand, Rounding, Rule, Ruleset
from perfrules.ruleset.files import (  # re-exported: the loader is where callers look
    bundled_dir, is_ruleset_file, resolve_ruleset_path, ruleset_files, ruleset_index,
)
from perfrules.ruleset import sections
from perfrules.ruleset.sections import Layer, level_group
from perfrules.tomlkeys import KeyPath
from perfrules.tomlsource import load_toml, read_text
from perfrules.limits import MAX_CHAIN
from perfrules.values import points, to_decimal

TOP_KEYS = {"id", "name", "jurisdiction", "year", "version", "extends", "kind", "note", "documents", "rounding",
            "weights", "grades", "rules", "remove", "grade_words", "binding", "cases", "form",
            "places", "audit"}
AUDIT_CHECKS = {"over_completion": "超额完成需说明原因的比例", "execution_reason": "执行率低于此值需说明原因",
                "low_execution": "执行率低于此值而产出全部满分时提示"}
AUDIT_KEYS = {"threshold", "cite"}
REMOVE_KEYS = {"rule", "reason"}
__all__ = ["load_ruleset", "load_ruleset_text", "build", "Layer", "bundled_dir", "is_ruleset_file",
           "resolve_ruleset_path", "ruleset_files", "ruleset_index"]


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
    selector_errors, warnings = sections.check_selectors(rules)
    errors.extend(selector_errors)
    audit, audit_errors = _audit(merged, {k: v[0] for k, v in merged.documents.items()})
    errors.extend(audit_errors)
    form_layer = next((layer for layer in reversed(layers) if "form" in layer.data), None)
    form = sections.form(form_layer, {r.id for r in rules}, errors) if form_layer is not None else ()
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
    yield from sections.unknown_keys(layer, data, TOP_KEYS, ())
    for key, raw in sections.table(data, "documents").items():
        doc = sections.document(layer, key, raw)
        if isinstance(doc, PerfrulesError):
            yield doc
        else:
            m.documents[key] = (doc, layer.id, layer.pos(("documents", key), value=False))
    if "rounding" in data:
        yield from _guard(m, layer, "rounding", ("rounding",))
        result = sections.rounding(layer, sections.table(data, "rounding"))
        if isinstance(result, list):
            yield from result
        else:
            m.rounding = (result, layer.id, layer.pos(("rounding",), value=False))
    weights = sections.table(data, "weights")
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
            yield sections.at(err, layer, ("weights", name))
    if "grades" in data:
        yield from _guard(m, layer, "grades", ("grades",))
        grades = sections.grades(layer, data["grades"])
        if isinstance(grades, PerfrulesError):
            yield grades
        else:
            m.grades = (grades, layer.id, layer.pos(("grades",), value=False))
    for canon, words in sections.table(data, "grade_words").items():
        if canon not in m.grade_words or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            yield layer.error(f"等级同义词「{canon}」应当对应已有等级（{'、'.join(m.grade_words)}）的文字列表",
                              ("grade_words", canon))
            continue
        m.grade_words[canon] = tuple(dict.fromkeys([*m.grade_words[canon], *words]))
    for binding in sections.list_at(data, "binding"):
        m.binding[str(binding)] = (layer.id, layer.pos(("binding",)))
    yield from _merge_removals(m, layer)
    yield from _merge_rules(m, layer)
    yield from _merge_kinds(m, layer)
    for name, raw in sections.table(data, "audit").items():
        path: KeyPath = ("audit", name)
        if name not in AUDIT_CHECKS:
            yield layer.error(f"未知的审核设置「{name}」", path, value=False,
                              expected="、".join(AUDIT_CHECKS), suggestion=did_you_mean(str(name), AUDIT_CHECKS))
        elif not isinstance(raw, dict):
            yield layer.error(f"审核设置「{name}」应当是 {{ threshold = \"130%\", cite = {{…}} }}", path)
        else:
            yield from sections.unknown_keys(layer, raw, AUDIT_KEYS, path)
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
            errors.append(sections.at(err, layer, path + ("threshold",)))
            continue
        cite = sections.citation_of(layer, {"id": name, **raw}, path, docs)
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
    for i, raw in enumerate(sections.list_at(layer.data, "remove")):
        path: KeyPath = ("remove", i)
        if not isinstance(raw, dict):
            yield layer.error("remove 的每一项应当是 { rule = \"…\", reason = \"…\" }", path)
            continue
        yield from sections.unknown_keys(layer, raw, REMOVE_KEYS, path)
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
    for i, raw in enumerate(sections.list_at(layer.data, "rules")):
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
def _compile_rules(m: _Merged) -> tuple[list[Rule], list[PerfrulesError]]:
    rules: list[Rule] = []
    errors: list[PerfrulesError] = []
    docs = {k: v[0] for k, v in m.documents.items()}
    for rid, (raw, layer, path) in m.rules.items():
        result = sections.rule(layer, raw, path, docs, m.grade_words)
        if isinstance(result, list):
            errors.extend(result)
        else:
            rules.append(result)
    return rules, errors


def _check_weights(m: _Merged, leaf: Layer) -> Iterator[PerfrulesError]:
    if not m.weights:
        return
    total = sum((v[0] for v in m.weights.values()), Decimal(0))
    if total != 100:
        parts = "＋".join(f"{k} {v[0]}" for k, v in m.weights.items())
        yield leaf.error(f"一级指标分值合计应为 100，实际是 {total}（{parts}）", ("weights",), value=False)


# ----------------------------------------------------------------------- helpers
