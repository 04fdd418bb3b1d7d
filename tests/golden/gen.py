"""The generated part of the golden corpus, drawn the same way every run.

Two kinds, written as submission files under tests/golden/inputs/:

* ``gen-NNNN``: the tables of tests/test_properties.py's ``submissions()`` strategy
  (1–12 rows of quantitative, period and qualitative indicators, weights 1–20, targets
  with ≥ ≤ > < = or none in %, 万元, 天, 人, 个 or no unit, actuals from −1000 to 100000,
  self scores blank or within the weight, a budget block), written out as an explicit
  generator over ``random.Random`` so the same seed gives the same bytes (hypothesis'
  ``example()`` and ``find()`` do not promise that).  Boundary values (0.01, 1, 100000,
  −1000, 0, the target itself) are drawn more often, as hypothesis does.  Every fourth
  is written as JSON.
* ``het-NNNN``: the first tables of bench/hetero.py's generator (the seed, the ruleset
  cases and the corpus, varied in every value form the readers accept).

``python tests/golden/freeze.py`` writes them; the test reads the files written.
"""

from __future__ import annotations

import json
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import hetero  # noqa: E402

SEED = 20240614
PROPERTY_TABLES = 150
HETERO_TABLES = 150

UNITS = ["%", "万元", "天", "人", "个", ""]
COMPARATORS = ["≥", "≤", ">", "<", "=", ""]
GRADES = ["达成", "部分达成", "未达成", "已完成", "1.推进；2.促进", ""]
LEVEL1 = ["产出指标", "效益指标", "满意度指标", "成本指标"]
PLACES = ["湖南省/株洲市/芦淞区", "湖南省/株洲市/芦淞区", "湖南省/株洲市/芦淞区", "四川省", "湖北省", ""]


def _decimal(rng: random.Random, low: Decimal, high: Decimal, places: int, edges: list[Decimal]) -> Decimal:
    """A decimal in [low, high] with *places* places; an edge value one time in eight."""
    if rng.random() < 0.125:
        return rng.choice([e for e in edges if low <= e <= high] or [low])
    step = Decimal(1).scaleb(-places)
    span = int((high - low) / step)
    return low + step * rng.randint(0, span)


def _row(rng: random.Random) -> dict[str, Any]:
    weight = rng.randint(1, 20)
    kind = rng.choice(["quantitative", "qualitative", "period"])
    if kind == "quantitative":
        unit = rng.choice(UNITS)
        target = _decimal(rng, Decimal("0.01"), Decimal(100000), 2, [Decimal("0.01"), Decimal(1), Decimal(100000)])
        actual = _decimal(rng, Decimal(-1000), Decimal(100000), 2, [Decimal(-1000), Decimal(0), target, Decimal(100000)])
        target_text, actual_text = f"{rng.choice(COMPARATORS)}{target}{unit}", f"{actual}{unit}"
    elif kind == "period":
        target_text, actual_text = "2023全年", rng.choice(["2023年", "2022年", "全年"])
    else:
        target_text, actual_text = "推进园区建设", rng.choice(GRADES)
    row: dict[str, Any] = {"一级指标": rng.choice(LEVEL1), "二级指标": "数量指标", "三级指标": "指标",
                           "年度指标值": target_text, "实际完成值": actual_text, "分值": weight}
    if rng.random() < 0.5:
        row["得分"] = str(_decimal(rng, Decimal(0), Decimal(weight), 1, [Decimal(0), Decimal(weight)]))
    row["偏差原因"] = rng.choice(["", "资金拨付滞后"])
    return row


def property_table(i: int) -> dict[str, Any]:
    """Table *i* of the property-test shape (tests/test_properties.py ``submissions()``)."""
    rng = random.Random(f"{SEED}-gen-{i}")
    budget = _decimal(rng, Decimal("0.01"), Decimal(100000), 2, [Decimal("0.01"), Decimal(100000)])
    executed = _decimal(rng, Decimal(0), budget * 2, 2, [Decimal(0), budget, budget * 2])
    table: dict[str, Any] = {"单位名称": f"单位{i + 1:04d}", "年度": 2023, "类型": "部门整体支出"}
    place = rng.choice(PLACES)
    if place:
        table["辖区"] = place
    table["预算执行"] = {"全年预算数": str(budget), "全年执行数": str(executed), "分值": 10}
    table["指标"] = [_row(rng) for _ in range(rng.randint(1, 12))]
    return table


def inputs() -> dict[str, bytes]:
    """File name → content of every generated input."""
    out: dict[str, bytes] = {}
    for i in range(PROPERTY_TABLES):
        table = property_table(i)
        if i % 4 == 3:
            out[f"gen-{i + 1:04d}.json"] = (json.dumps(table, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        else:
            out[f"gen-{i + 1:04d}.toml"] = hetero.to_toml(table).encode("utf-8")
    for table in hetero.generate(HETERO_TABLES, seed=SEED):
        out[f"het-{table.name[1:]}.toml"] = table.toml().encode("utf-8")
    return out
