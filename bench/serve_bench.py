"""perfrules serve: the two latencies of issue 15, item 5, measured server-side, and how
long a small request waits behind a big one on a real server.

1. an edit: re-check the district ruleset's text and re-run its chain's cases
   (what POST /api/test does on every keystroke pause);
2. impact: score 300 generated tables under the saved and the edited ruleset
   (what POST /api/impact does), with the corpus already read once (the server keeps it);
3. responsiveness: a real ``perfrules serve`` (uvicorn) on a local port scores a 4,800-row
   table to xlsx while GET /api/csrf is asked over and over: how long each of those waits.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scaling  # noqa: E402
from children import child_env, perfrules_command  # noqa: E402

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


def responsiveness(port: int = 8799) -> None:
    """A 4,800-row table scored to xlsx by a real server, and the small requests meanwhile."""
    import json
    import subprocess
    import threading
    import urllib.request

    table = scaling.many_rows(4800).encode("utf-8")
    server = subprocess.Popen([*perfrules_command(), "serve", "--port", str(port)], env=child_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                csrf = json.load(urllib.request.urlopen(base + "/api/csrf", timeout=1))["csrf"]
                break
            except OSError:
                time.sleep(0.1)
        boundary = "----perfrules-bench"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.toml\"\r\n\r\n".encode()
                + table + f"\r\n--{boundary}--\r\n".encode())
        took: list[float] = []

        def upload() -> None:
            req = urllib.request.Request(base + "/api/score?format=xlsx", data=body, method="POST", headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Perfrules-CSRF": csrf, "Origin": base})
            t0 = time.perf_counter()
            urllib.request.urlopen(req, timeout=300).read()
            took.append(time.perf_counter() - t0)

        waits = []
        big = threading.Thread(target=upload)
        big.start()
        time.sleep(0.3)
        while big.is_alive():
            t0 = time.perf_counter()
            urllib.request.urlopen(base + "/api/csrf", timeout=300).read()
            waits.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.05)
        big.join()
        print(f"{'responsiveness: 4,800-row table to xlsx, real server':<58} {took[0] * 1000:7.0f} ms; "
              f"{len(waits)} GET /api/csrf meanwhile: median {statistics.median(waits):.0f} ms, max {max(waits):.0f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
    responsiveness()
