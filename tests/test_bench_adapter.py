"""The peer-benchmark adapter scores generated submissions exactly as the hand-written reference.

Needs shared/bench-peers (beside the checkout, as in CI); skipped only when it is absent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PEERS = next((p for p in (ROOT.parent / "shared" / "bench-peers", Path("/work/shared/bench-peers"))
              if (p / "reference.py").is_file()), None)
pytestmark = pytest.mark.skipif(PEERS is None, reason="shared/bench-peers is not beside this checkout")


@pytest.fixture(scope="module")
def harness() -> tuple[object, object, object]:
    assert PEERS is not None
    sys.path.insert(0, str(PEERS))
    import reference
    import workload

    spec = importlib.util.spec_from_file_location("perfrules_adapter", ROOT / "bench" / "perfrules_adapter.py")
    assert spec is not None and spec.loader is not None
    adapter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(adapter)
    adapter.setup(workload.RULESET)
    return workload, reference, adapter


def test_totals_equal_the_reference_exactly(harness: tuple[object, object, object]) -> None:
    workload, reference, adapter = harness
    subs = workload.generate(500, seed=7)  # type: ignore[attr-defined]
    expected = reference.score_batch(subs)  # type: ignore[attr-defined]
    assert adapter.score_batch(subs) == expected  # type: ignore[attr-defined]
    assert adapter.score_batch_explained(subs) == expected  # type: ignore[attr-defined]
    assert adapter.score_batch_explained_text(subs) == expected  # type: ignore[attr-defined]
    assert set(adapter.VARIANTS) == {"with explanations", "with explanations, values as text"}  # type: ignore[attr-defined]
    assert "年度重点任务完成率" in adapter.RULE_SOURCE  # type: ignore[attr-defined]


def test_the_ruleset_file_must_agree_with_the_workload(harness: tuple[object, object, object]) -> None:
    workload, _, adapter = harness
    import dataclasses

    changed = list(workload.RULESET)  # type: ignore[attr-defined]
    changed[1] = dataclasses.replace(changed[1], weight=changed[1].weight + 1)
    with pytest.raises(ValueError, match="I02"):
        adapter.setup(tuple(changed))  # type: ignore[attr-defined]
    adapter.setup(workload.RULESET)  # type: ignore[attr-defined]
