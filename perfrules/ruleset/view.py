"""Rulesets as their authors read them: the list, the resolved view with origins, a diff.

Text only, in Chinese; nothing here changes a ruleset.  The resolved view shows each
setting with the layer and file:line that set it, so a district author can see
which rules are the nation's and which are the district's own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from perfrules.words import fmt
from perfrules.errors import Position
from perfrules.ruleset.model import Rule, Ruleset


def _origin(rs: Ruleset, key: str) -> str:
    lid, pos = rs.origins.get(key, ("", None))
    where = _pos(pos)
    return f"← {lid}" + (f"  {where}" if where else "") if lid else ""


def _pos(pos: Position | None) -> str:
    if pos is None or pos.line is None:
        return ""
    return f"{shown_path(pos.file)}:{pos.line}:{pos.column}"


def shown_path(path: str | None) -> str:
    """A path as short as it can be: relative to the current folder when inside it."""
    if not path:
        return ""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def listing(index: Mapping[str, str]) -> str:
    from perfrules.ruleset.loader import load_ruleset

    lines = []
    for rid in sorted(index):
        rs = load_ruleset(rid)
        parent = f"（继承 {rs.chain[-2]}）" if len(rs.chain) > 1 else ""
        year = f"{rs.year}年度 " if rs.year else ""
        lines.append(f"{rid:<30} {year}{rs.jurisdiction} {rs.name}{parent}\n{'':<30} {shown_path(index[rid])}")
    return "\n".join(lines) + "\n"


def describe(rs: Ruleset) -> str:
    out = [f"规则集 {rs.id}：{rs.name}", f"辖区：{rs.jurisdiction or '—'}  年度：{rs.year or '—'}  版本：{rs.version or '—'}",
           f"继承链：{' → '.join(rs.chain)}", "",
           f"舍入：{rs.rounding.places} 位小数，{rs.rounding.mode}    {_origin(rs, 'rounding')}", "", "一级指标分值："]
    for name, points in rs.weights.items():
        out.append(f"  {name} {fmt(points)}    {_origin(rs, f'weights.{name}')}")
    out.append(f"  合计 {fmt(rs.full_marks)}")
    out += ["", f"总分等级：    {_origin(rs, 'grades')}"]
    out += [f"  {g}" for g in rs.grades]
    out += ["", "规则（按匹配顺序，每行指标用第一条适用的规则）："]
    for i, rule in enumerate(rs.rules, start=1):
        out += _rule_lines(i, rule, rs)
    removed = {k[len("removed."):]: v for k, v in rs.origins.items() if k.startswith("removed.")}
    if removed:
        out += ["", "已删除的上级规则："]
        out += [f"  {rid}    ← {lid}  {_pos(pos)}" for rid, (lid, pos) in removed.items()]
    out += ["", "文件："]
    for key, doc in rs.documents.items():
        out.append(f"  [{key}] {doc}  {doc.issuer} {doc.issued}    {_origin(rs, f'documents.{key}')}".rstrip())
    return "\n".join(out) + "\n"


def _rule_lines(i: int, rule: Rule, rs: Ruleset) -> list[str]:
    c = rule.citation
    return [f"  {i}. {rule.id}「{rule.name}」    {_origin(rs, f'rules.{rule.id}')}",
            f"     适用：{rule.applies.describe()}",
            *(f"     {line.strip()}" for line in rule.text.strip().splitlines()),
            f"     出处：{c.document}{c.article}［{c.evidence}］" + (f"  {c.note}" if c.note else "")]


def diff(a: Ruleset, b: Ruleset) -> str:
    out = [f"比较 {a.id} → {b.id}"]
    changes = list(_diffs(a, b))
    out += changes or ["  两个规则集的生效内容相同"]
    return "\n".join(out) + "\n"


def _diffs(a: Ruleset, b: Ruleset) -> list[str]:
    lines: list[str] = []
    if a.rounding != b.rounding:
        lines.append(f"  舍入：{a.rounding.places} 位 {a.rounding.mode} → {b.rounding.places} 位 {b.rounding.mode}")
    for name in dict.fromkeys([*a.weights, *b.weights]):
        wa, wb = a.weights.get(name), b.weights.get(name)
        if wa != wb:
            lines.append(f"  一级指标分值「{name}」：{fmt(wa) or '无'} → {fmt(wb) or '无'}")
    if a.grades != b.grades:
        lines.append(f"  总分等级：{'，'.join(map(str, a.grades))} → {'，'.join(map(str, b.grades))}")
    ra, rb = {r.id: r for r in a.rules}, {r.id: r for r in b.rules}
    for rid in dict.fromkeys([*ra, *rb]):
        x, y = ra.get(rid), rb.get(rid)
        if x is None and y is not None:
            lines.append(f"  新增规则 {rid}「{y.name}」（{y.layer}）：{' '.join(y.text.split())}")
        elif y is None and x is not None:
            lines.append(f"  删除规则 {rid}「{x.name}」")
        elif x is not None and y is not None:
            if x.text != y.text:
                lines.append(f"  规则 {rid} 的文字：{' '.join(x.text.split())} → {' '.join(y.text.split())}")
            if x.applies != y.applies:
                lines.append(f"  规则 {rid} 的适用范围：{x.applies.describe()} → {y.applies.describe()}")
            if str(x.citation) != str(y.citation) or x.citation.evidence != y.citation.evidence:
                lines.append(f"  规则 {rid} 的出处：{x.citation}［{x.citation.evidence}］ → {y.citation}［{y.citation.evidence}］")
    if [r.id for r in a.rules if r.id in rb] != [r.id for r in b.rules if r.id in ra]:
        lines.append(f"  规则匹配顺序：{' '.join(r.id for r in a.rules)} → {' '.join(r.id for r in b.rules)}")
    for key in dict.fromkeys([*a.documents, *b.documents]):
        if key not in a.documents:
            lines.append(f"  新增文件 [{key}] {b.documents[key]}")
        elif key not in b.documents:
            lines.append(f"  删除文件 [{key}] {a.documents[key]}")
    return lines
