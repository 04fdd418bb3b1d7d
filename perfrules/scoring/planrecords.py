"""How a plan explains a form row that lost points: the charges the row's scorer listed
(:class:`~perfrules.rules.program.RowScorer`), made into records by :mod:`perfrules.scoring.records`,
the interpreter's record builder, bound once per form row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from perfrules.rules.arithmetic import Lost
from perfrules.explain import Explanation, ShownValues
from perfrules.scoring.planrow import Careful, Input, PlanRow, cell_text
from perfrules.scoring.records import Explainer, form_row_records, row_records
from perfrules.values import Quantity, read_value

_values = tuple.__new__  # ShownValues(...) without its checks


def explainer_for(row: PlanRow) -> Explainer:
    """The row's explainer; a row whose rule a form row cannot bind sends the submission
    to the interpreter."""
    program = row.program
    if program is None:
        return no_records
    if row.execution:
        add = row_records(row.number, row.label, row.rule.id, row.citation, row.level1, row.level2)

        def execution(seen: Input, charges: list[Lost], reason: Any, out: list[Explanation]) -> None:
            add(charges, execution_values(seen), "", out)  # 预算执行率 has no 偏差原因

        return execution
    target_text, weight_text, target = row.form.target, row.weight_text, row.target

    def text_values(actual: Any) -> ShownValues:
        """An actual that is not a number (a grade word …), shown as the cell would hold it."""
        text = cell_text(actual)
        if target is not None and isinstance(read_value(text), Quantity):
            raise Careful()  # a number written as text: the interpreter reads its unit
        return _values(ShownValues, ("row", target_text, text, weight_text, None))

    return form_row_records(row.number, row.label, row.rule.id, row.citation, row.level1, row.level2, row.key,
                            target_text, weight_text, target, text_values)


def execution_values(x: Input) -> ShownValues:
    """全年预算数, 全年执行数 and 执行率, from a positive budget (else the interpreter says why)."""
    budget, executed = x["budget"], x["executed"]
    if executed.__class__ is not Decimal or budget.__class__ is not Decimal or not budget > 0:
        raise Careful()
    return _values(ShownValues, ("execution", budget, executed))


def no_records(seen: Input, charges: list[Lost], reason: Any, out: list[Explanation]) -> None:
    """The explainer of a row a form row cannot bind (and of a run of rows, which are
    explained one by one): the submission goes to the interpreter."""
    raise Careful()
