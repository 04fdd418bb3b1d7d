"""The JSON result: the contract other apps rely on.

Field names are stable (documented in docs/json.md, schema in
``perfrules/schemas/result.schema.json``).  Every number is a decimal string, never
a JSON number, so no consumer can turn 0.1 into 0.1000000000000000055.
``total`` and each row's ``score`` are shown with the ruleset's decimal places;
``*_exact`` and ``points_lost`` keep every digit, so the explanations add up.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from perfrules.errors import Position
from perfrules.explain import Explanation, Finding, Result, RowResult

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a declared dependency; json then writes the same text
    _orjson = None  # type: ignore[assignment]

SCHEMA_VERSION = "1"


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _shown(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def location(pos: Position | None) -> dict[str, Any] | None:
    if pos is None:
        return None
    return {"file": pos.file, "line": pos.line, "column": pos.column, "cell": pos.cell}


def row_dict(r: RowResult, places: int) -> dict[str, Any]:
    return {
        "row": r.row, "level1": r.level1, "level2": r.level2, "name": r.name,
        "target": r.target, "actual": r.actual, "weight": _num(r.weight), "filed_weight": _num(r.filed_weight),
        "score": _shown(r.score, places), "score_exact": _num(r.score),
        "self_reported_score": _num(r.self_reported_score), "method": r.method, "rule": r.rule,
        "reason": r.reason, "location": location(r.location),
    }


def explanation_dict(e: Explanation, rule_name: str = "") -> dict[str, Any]:
    c = e.citation
    return {
        "row": e.row, "indicator": e.indicator, "level1": e.level1, "level2": e.level2,
        "points_lost": _num(e.points_lost), "rule": e.rule, "rule_name": rule_name or e.rule,
        "rule_text": e.rule_text,
        "clause": e.clause, "document": e.document,
        "citation": {"number": c.number, "title": c.title, "article": c.article, "evidence": c.evidence,
                     "layer": c.layer, "issued": c.issued},
        "layer": c.layer, "values": dict(e.values), "reason": e.reason, "note": e.note,
        "location": location(e.location),
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    return {"row": f.row, "indicator": f.indicator, "severity": f.severity, "code": f.code,
            "message": f.message, "location": location(f.location)}


def result_dict(result: Result) -> dict[str, Any]:
    rs = result.ruleset
    places = result.places
    return {
        "schema_version": SCHEMA_VERSION,
        "unit": result.unit, "year": result.year, "kind": result.kind,
        "source": result.source, "reader": result.reader,
        "ruleset": {"id": rs.id, "name": rs.name, "version": rs.version, "chain": list(rs.chain)},
        "selection": result.selection,
        "total": _shown(result.total, places), "total_exact": _num(result.total_exact),
        "full_marks": _num(result.full_marks), "points_lost": _num(result.points_lost),
        "self_reported_total": _num(result.self_reported_total), "grade": result.grade,
        "indicators": [row_dict(r, places) for r in result.rows],
        "explanations": [explanation_dict(e, result.rule_name(e.rule)) for e in result.explanations],
        "findings": [finding_dict(f) for f in result.findings],
        "findings_by_severity": result.findings_by_severity(),
    }


def render(result: Result, lang: str = "zh") -> str:
    return dumps(result_dict(result)) + "\n"


def dumps(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2)``, the same text, by orjson where it
    can: the standard library indents with its pure-Python encoder, which was nine tenths
    of rendering a result (bench/run.py, "render JSON"; orjson writes it six to ten times
    faster, and escapes every code point as json does).  What orjson refuses (a lone
    surrogate, an integer past 64 bits, a key that is no string) goes to json itself, as
    does everything when orjson is not installed.  For data of strings, integers,
    booleans, None, lists and dicts, as a result is (its numbers are decimal strings):
    a float would not be written as json writes it (``1e16``, ``NaN``)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(data, option=_orjson.OPT_INDENT_2).decode()
        except TypeError:  # orjson.JSONEncodeError
            pass
    return json.dumps(data, ensure_ascii=False, indent=2)

