"""Rulesets through Excel: export one ruleset layer to a workbook, import it back.

Policy staff edit rulesets in Excel; the workbook is a view of one TOML layer (and
its cases), and importing it writes TOML that the ordinary loader checks, with every
problem reported at its ``sheet!cell``.  See docs/rulesets.md「用 Excel 编辑规则集」.
"""

from __future__ import annotations

from perfrules.rulesetbook.export import export_workbook
from perfrules.rulesetbook.importer import import_workbook

__all__ = ["export_workbook", "import_workbook"]
