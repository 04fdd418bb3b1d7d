"""The Excel workbook: the 自评表 as filed plus the review, findings, explanations.

Sheets 自评表 (the unit's columns, then 复核得分, 差异, 说明), 审核提示 and
失分说明.  Scores are real numbers written from the exact Decimal (openpyxl
accepts Decimal), shown with the ruleset's decimal places, so the auditor can
sum and filter them.  Reads the records only.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from perfrules.explain import Result
from perfrules.render.cells import append
from perfrules.render.common import (
    by_severity, difference, method_word, notes_for_rows, one_line, rule_label, severity_word,
    shown_values, words,
)

Cell = str | int | Decimal | None
_HEAD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
_DIFF_FILL = PatternFill("solid", fgColor="FFF3CD")
_WRAP = Alignment(wrap_text=True, vertical="top")


def number_format(places: int) -> str:
    """Excel format with the ruleset's decimal places: 0.00 for 2."""
    return "0." + "0" * places if places > 0 else "0"


def _sheet(ws: Worksheet, header: list[str], rows: list[list[Cell]], widths: list[int]) -> None:
    append(ws, header)
    for cell in ws[1]:
        cell.font, cell.fill = _HEAD, _HEAD_FILL
    for row in rows:
        append(ws, row)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = _WRAP
    ws.freeze_panes = "A2"


def _table(wb: Workbook, result: Result, lang: str) -> None:
    w = words(lang)
    ws = wb.active
    assert ws is not None
    ws.title = w["table"] if lang == "zh" else "Table"
    notes = notes_for_rows(result, lang)
    header = [w[k] for k in ("row", "level1", "level2", "name", "target", "actual", "weight", "self", "reason",
                             "review", "diff", "note", "method")]
    rows: list[list[Cell]] = []
    for r in result.rows:
        rows.append([r.row, r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.self_reported_score,
                     r.reason, r.score, difference(r), notes.get(r.row, ""), method_word(r.method, lang)])
    _sheet(ws, header, rows, [6, 12, 14, 30, 22, 22, 8, 9, 30, 9, 8, 36, 8])
    fmt = number_format(result.places)
    for excel_row, r in enumerate(result.rows, start=2):
        for col in ("G", "H", "J", "K"):
            ws[f"{col}{excel_row}"].number_format = fmt
        diff = difference(r)
        if diff is not None and diff != 0:  # ws[excel_row] would scan every cell of the sheet for its width
            for column in range(1, len(header) + 1):
                ws.cell(row=excel_row, column=column).fill = _DIFF_FILL
    last = len(result.rows) + 2
    ws.append([])
    append(ws, ["", "", "", w["total"], "", "", result.full_marks, result.self_reported_total, "", result.total])
    for col in ("G", "H", "J"):
        ws[f"{col}{last + 1}"].number_format = fmt
        ws[f"{col}{last + 1}"].font = _HEAD
    append(ws, ["", "", "", w["grade"], "", "", "", "", "", result.grade or ""])
    append(ws, ["", "", "", w["ruleset"], f"{result.ruleset.name}（{result.ruleset.id}）"])
    append(ws, ["", "", "", w["selection"], result.selection or "—"])


def _findings(wb: Workbook, result: Result, lang: str) -> None:
    w = words(lang)
    ws = wb.create_sheet(w["findings"] if lang == "zh" else "Findings")
    rows: list[list[Cell]] = [
        [severity_word(f.severity, lang), f.row, f.indicator or "", f.code, f.message,
         str(f.location) if f.location is not None else ""]
        for f in by_severity(result.findings)
    ]
    _sheet(ws, [w["severity"], w["row"], w["indicator"], w["code"], w["message"], w["where"]], rows,
           [8, 6, 24, 20, 60, 40])


def _explanations(wb: Workbook, result: Result, lang: str) -> None:
    w = words(lang)
    ws = wb.create_sheet(w["lost"] if lang == "zh" else "Points lost")
    rows: list[list[Cell]] = []
    for e in result.explanations:
        values = "；".join(f"{k} {v}" for k, v in shown_values(e).items())
        rows.append([e.row, e.level2, one_line(e.indicator), e.points_lost, rule_label(result, e.rule),
                     e.rule_text, values,
                     e.clause, e.document, e.reason, e.note])
    header = [w["row"], w["level2"], w["indicator"], w["lose"] + w["points"], w["rule"], w["rule"],
              w["values"], w["clause"], w["document"], w["reason"], w["note"]]
    header[5] = "规则文本" if lang == "zh" else "Rule text"
    _sheet(ws, header, rows, [6, 14, 30, 8, 16, 24, 40, 24, 34, 36, 30])
    for excel_row in range(2, len(rows) + 2):
        ws[f"D{excel_row}"].number_format = number_format(result.places)


def render(result: Result, lang: str = "zh") -> bytes:
    wb = Workbook()
    _table(wb, result, lang)
    _findings(wb, result, lang)
    _explanations(wb, result, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
