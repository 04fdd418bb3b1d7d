"""perfrules serve: the two latencies of issue 15, item 5, measured server-side.

1. an edit: re-check the district ruleset's text and re-run its chain's cases
   (what POST /api/test does on every keystroke pause);
2. impact: score 300 generated tables under the saved and the edited ruleset
   (what POST /api/impact does), with the corpus already read once (the server keeps it).

Run from the project folder:  .venv/bin/python bench/serve_bench.py
Prints median and p90 over repeated runs; no assertion, no threshold.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import perfrules  # noqa: E402
from batchgen import variant  # noqa: E402
from perfrules.serve import work  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

DISTRICT = "hunan/zhuzhou/lusong/2023"


def timed(label: str, fn: Callable[[], object], runs: int) -> None:
    fn()  # warm: parsed-rule caches, imports
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"{label:<58} median {statistics.median(times):7.1f} ms   p90 {p90:7.1f} ms   ({runs} runs)")


def main() -> None:
    path = perfrules.ruleset_index()[DISTRICT]
    saved = Path(path).read_text(encoding="utf-8")
    edits = [saved.replace('"成本指标" = 20', f'"成本指标" = {20 - i % 2 * 5}')
                  .replace('"效益指标" = 20', f'"效益指标" = {20 + i % 2 * 5}') for i in range(2)]
    counter = iter(range(10**9))

    def edit() -> None:
        text = edits[next(counter) % 2] + f"\n# {next(counter)}\n"  # new text every time: no cache hit on the text
        rs, diags = work.check_text(text, "2023.toml", ())
        assert rs is not None and not [d for d in diags if d["severity"] == "error"]
        assert all(c.passed for c in work.run_cases(rs, path))

    n_cases = len(work.run_cases(perfrules.load_ruleset(DISTRICT), path))
    timed(f"edit: check + {n_cases} cases of the district chain (function)", edit, 50)

    from perfrules.serve.app import ServeConfig, create_app
    from perfrules.serve.security import Guard

    with tempfile.TemporaryDirectory() as tmp:
        seed = (ROOT / "examples/2023-dongjiaduan/submission.toml").read_text(encoding="utf-8")
        for i in range(300):
            Path(tmp, f"{i:03d}.toml").write_text(variant(seed, i), encoding="utf-8")
        client = TestClient(create_app(ServeConfig(corpus=tmp), Guard(None, "b")), base_url="http://127.0.0.1")
        h = {"X-Perfrules-CSRF": "b"}

        def edit_http() -> None:
            r = client.post("/api/test", json={"id": DISTRICT, "ruleset": edits[next(counter) % 2]
                                               + f"\n# {next(counter)}\n"}, headers=h)
            assert r.status_code == 200 and r.json()["failed"] == 0

        timed("edit: POST /api/test through the ASGI app", edit_http, 50)
        corpus = work.Corpus(tmp)
        t0 = time.perf_counter()
        assert len(list(corpus.submissions())) == 300
        print(f"{'impact: first read of the 300 tables (once per server)':<58} {1000 * (time.perf_counter() - t0):7.1f} ms")
        old = perfrules.load_ruleset(DISTRICT)
        new, _ = work.check_text(edits[1], "2023.toml", ())
        assert new is not None

        def impact() -> None:
            out = work.impact(corpus, old, new)
            assert len(out["units"]) == 300 and out["changed"] > 0

        timed("impact: 300 tables under A and B (function)", impact, 10)

        def impact_http() -> None:
            r = client.post("/api/impact", json={"id": DISTRICT, "ruleset": edits[1]}, headers=h)
            assert r.status_code == 200 and len(r.json()["units"]) == 300

        timed("impact: POST /api/impact through the ASGI app", impact_http, 10)


if __name__ == "__main__":
    main()
