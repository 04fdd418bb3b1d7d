"""Score many submissions from JSON Lines to JSON Lines with a compiled plan.

One JSON object per line in: the plan's input (row key → actual, ``budget``,
``executed``, ``reason``; an optional ``id`` is echoed).  One JSON object per line out:
``{"id": …, "total": "87.53"}``, with ``"explanations": [...]`` (the records of
``perfrules score --format json``) when asked.  A line the compiled rows cannot read
(text where a number belongs, a missing row) is scored by the interpreter, as
``perfrules score`` would: its record says ``"checked_by": "interpreter"`` and lists
the interpreter's warnings and errors under ``"findings"``.  Numbers are read as ``Decimal``
(never float) and written as decimal strings.

Lines are read, scored and written in small chunks, never held all at once: memory
stays flat however long the input is.  A line that is not a JSON object gets
``{"line": n, "error": …}`` and the stream goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from perfrules.scoring.plan import Plan

CHUNK = 512  # lines scored together: big enough to amortise, small enough to stay flat


def _decode(line: str, number: int, decoder: json.JSONDecoder) -> dict[str, Any] | str:
    """A line → the plan's input, or an error message.  true/false are not numbers."""
    try:
        data = decoder.decode(line)
    except json.JSONDecodeError as exc:
        return f"第 {number} 行不是 JSON：{exc.msg}（第 {exc.colno} 列）"
    if not isinstance(data, dict):
        return f"第 {number} 行应当是 JSON 对象"
    for key, value in data.items():
        if value is True or value is False:
            data[key] = str(value).lower()
    return data


def stream(plan: Plan, lines: Iterable[str], write: Callable[[str], Any], explain: bool = False,
           chunk: int = CHUNK) -> tuple[int, int]:
    """Score each JSON line of *lines*, write one JSON line per input.  Returns (scored, bad)."""
    decoder = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal)
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    numbered: Iterator[tuple[int, str]] = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    scored = bad = 0
    from perfrules.render.json_out import explanation_dict, finding_dict
    while True:
        block = list(islice(numbered, chunk))
        if not block:
            return scored, bad
        inputs: list[dict[str, Any]] = []
        out: list[str] = []
        for number, line in block:
            data = _decode(line, number, decoder)
            if isinstance(data, str):
                bad += 1
                out.append(encoder.encode({"line": number, "error": data}))
            else:
                inputs.append(data)
                out.append("")
        records = []
        for result in map(lambda x: plan.score(x, explain=explain), inputs):
            record: dict[str, Any] = {"total": format(result.total, "f")}
            if explain:
                record["explanations"] = [explanation_dict(e) for e in result.explanations]
            if result.careful:  # the interpreter scored it: say so, and what it found
                record["checked_by"] = "interpreter"
                record["findings"] = [finding_dict(f) for f in result.findings if f.severity != "info"]
            records.append(record)
        it = iter(zip(inputs, records))
        for i, text in enumerate(out):
            if text:
                continue
            x, record = next(it)
            if "id" in x:
                record = {"id": _plain(x["id"]), **record}
            out[i] = encoder.encode(record)
        scored += len(inputs)
        write("\n".join(out) + "\n")


def _plain(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value
