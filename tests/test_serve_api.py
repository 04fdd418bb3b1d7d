"""perfrules serve through the ASGI test client: the JSON API, hostile uploads, path tricks, CSRF."""

from __future__ import annotations

import io
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DISTRICT, ROOT, SEED, cli

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from perfrules.serve.app import ServeConfig, create_app  # noqa: E402
from perfrules.serve.security import Guard  # noqa: E402
from perfrules.serve.work import bump_version  # noqa: E402

CSRF = "test-csrf-token"
H = {"X-Perfrules-CSRF": CSRF}


def _client(config: ServeConfig, guard: Guard) -> TestClient:
    return TestClient(create_app(config, guard), base_url="http://127.0.0.1")  # a loopback Host, as a browser sends


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    rulesets = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", rulesets, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.toml")
    (corpus / "broken.toml").write_text('"单位名称" = "x"\n"年度" = \n', encoding="utf-8")
    return rulesets, corpus


@pytest.fixture()
def client(folders: tuple[Path, Path]) -> TestClient:
    rulesets, corpus = folders
    return _client(ServeConfig(rulesets=str(rulesets), corpus=str(corpus)), Guard(None, CSRF))


def _score(client: TestClient, name: str, data: bytes, **extra: str) -> object:
    return client.post("/api/score", files={"file": (name, data)}, data=extra, headers=H)


def test_score_the_seed_gives_98_and_you(client: TestClient) -> None:
    r = _score(client, "自评表.toml", SEED.read_bytes())
    assert r.status_code == 200
    data = r.json()
    assert (data["total"], data["grade"], data["ruleset"]["id"]) == ("98.00", "优", DISTRICT)
    xlsx = _score(client, "自评表.toml", SEED.read_bytes(), ruleset=DISTRICT)
    assert xlsx.status_code == 200
    html = client.post("/api/score?format=html", files={"file": ("自评表.toml", SEED.read_bytes())}, headers=H)
    assert "98.00" in html.text and "attachment" in html.headers["content-disposition"]
    assert "自评表.toml（toml）" in html.text and "perfrules-serve-" not in html.text
    book = client.post("/api/score?format=xlsx", files={"file": ("a.toml", SEED.read_bytes())}, headers=H)
    assert book.content[:2] == b"PK"
    import openpyxl
    cells = [str(c.value) for ws in openpyxl.load_workbook(io.BytesIO(book.content)).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("a.toml:" in c for c in cells) and not any("perfrules-serve-" in c for c in cells)
    assert "perfrules-serve-" not in data.__repr__() and "perfrules-serve-" not in r.text


def test_input_errors_are_json_with_the_cli_position(client: TestClient, tmp_path: Path) -> None:
    bad = SEED.read_text(encoding="utf-8").replace('"实际完成值" = "10.2%"', '"实计完成值" = "10.2%"', 1)
    r = _score(client, "坏表.toml", bad.encode("utf-8"))
    assert r.status_code == 400
    err = r.json()["error"]
    (tmp_path / "坏表.toml").write_text(bad, encoding="utf-8")
    shown = cli("score", str(tmp_path / "坏表.toml")).err
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "实计完成值" in t)
    assert f"坏表.toml:{line}:{err['column']}:" in shown
    assert (err["file"], err["line"]) == ("坏表.toml", line)
    assert "未知的键" in err["message"] and "/tmp" not in err["rendered"]


def test_hostile_uploads(client: TestClient, tmp_path: Path) -> None:
    assert _score(client, "表.exe", b"MZ").status_code == 415
    assert _score(client, "../../etc/passwd", b"x").status_code == 415
    big = client.post("/api/score", files={"file": ("big.csv", b"0" * (60 * 1024 * 1024))}, headers=H)
    assert big.status_code == 413 and "文件过大" in big.json()["error"]["message"]
    # a zip bomb: a .docx whose one member unpacks to 210 MB of zeros
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("word/document.xml", "w") as fh:
        chunk = b"\0" * (1 << 20)
        for _ in range(210):
            fh.write(chunk)
    bomb = _score(client, "bomb.docx", buf.getvalue())
    assert bomb.status_code == 400 and "bomb.docx" in bomb.json()["error"]["rendered"]
    picture = _score(client, "表.docx", b"\x89PNG\r\n\x1a\n" + bytes(256))
    assert picture.status_code == 400 and picture.json()["error"]["message"]
    missing = client.post("/api/score", data={"x": "1"}, headers=H)
    assert missing.status_code == 400
    garbled = client.post("/api/score", content=b"--zz\r\nContent-Disposition: form-data\r\n\r\nx",
                          headers={**H, "Content-Type": "multipart/form-data; boundary=zz"})
    assert garbled.status_code == 400 and garbled.json()["error"]["message"]
    two = client.post("/api/score", files=[("file", ("a.toml", b"x")), ("file", ("b.toml", b"y"))], headers=H)
    assert two.status_code == 400
    for body in ({"ruleset": 5}, {"id": ["x"]}, [1, 2]):
        assert client.post("/api/test", json=body, headers=H).status_code in (400, 404)


def test_path_tricks_are_refused(client: TestClient) -> None:
    for rid in ("../../../../etc/passwd", "/etc/passwd", "hunan/../../../etc/passwd"):
        r = client.post("/api/test", json={"id": rid}, headers=H)
        assert r.status_code == 404, rid
        assert client.get(f"/api/rulesets/{rid}").status_code in (404, 400)
    text = 'id = "evil"\nextends = "../../../../etc/passwd"\n'
    diags = client.post("/api/check", json={"ruleset": text}, headers=H).json()["diagnostics"]
    assert [(d["line"], d["column"]) for d in diags] == [(2, 11)]
    assert "root:" not in diags[0]["rendered"]
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.post("/api/score", files={"file": ("a.toml", SEED.read_bytes())},
                       data={"ruleset": "/etc/passwd"}, headers=H).status_code == 404


def test_extends_is_an_id_in_the_cli_too(tmp_path: Path) -> None:
    evil = tmp_path / "evil.toml"
    evil.write_text('id = "evil"\nextends = "../../../../etc/passwd"\n', encoding="utf-8")
    res = cli("check", str(evil))
    assert res.code == 2 and "evil.toml:2:11" in res.err and "root:" not in res.err


def test_check_gives_positions_and_hints(client: TestClient) -> None:
    src = client.get(f"/api/rulesets/{DISTRICT}").json()["source"]
    text = src + '\n[[rules]]\nid = "x"\ntext = "实际值 ≥ 目标值 → 满份"\ncite = { document = "cz2020-10", evidence = "recalled" }\n'
    diags = client.post("/api/check", json={"ruleset": text, "id": DISTRICT}, headers=H).json()["diagnostics"]
    line = text.splitlines().index('text = "实际值 ≥ 目标值 → 满份"') + 1
    d = next(d for d in diags if "满份" in d["message"])
    assert (d["line"], d["column"], d["end_column"], d["severity"]) == (line, 21, 23, "error")
    assert d["hint"] == "你是否想写「满分」？"
    assert client.post("/api/check", content=b"{not json", headers=H).status_code == 400


def test_cases_and_impact_follow_the_edit(client: TestClient) -> None:
    src = client.get(f"/api/rulesets/{DISTRICT}").json()["source"]
    r = client.post("/api/test", json={"id": DISTRICT}, headers=H).json()
    assert r["ok"] and r["failed"] == 0 and r["passed"] >= 20
    edited = src.replace('"效益指标" = 20', '"效益指标" = 25').replace('"成本指标" = 20', '"成本指标" = 15')
    assert edited != src
    impact = client.post("/api/impact", json={"id": DISTRICT, "ruleset": edited}, headers=H).json()
    [unit] = impact["units"]
    assert (unit["old_total"], unit["new_total"], unit["changed"]) == ("98.00", "97.50", True)
    assert any("单位管理运营成本" in w and "10.00 → 7.50" in w for w in unit["why"])
    assert impact["failures"][0]["file"] == "broken.toml" and impact["failures"][0]["line"] == 2
    assert {g["grade"]: (g["before"], g["after"]) for g in impact["grades"]}["优"] == (1, 1)
    broken = client.post("/api/test", json={"id": DISTRICT, "ruleset": src.replace("[weights]", "[weights")}, headers=H).json()
    assert not broken["ok"] and broken["diagnostics"][0]["severity"] == "error"


def test_save_refuses_errors_writes_atomically_and_bumps(client: TestClient, folders: tuple[Path, Path]) -> None:
    path = folders[0] / "hunan/zhuzhou/lusong/2023.toml"
    src = path.read_text(encoding="utf-8")
    bad = src.replace('"成本指标" = 20', '"成本指标" = "二十"')
    r = client.post("/api/save", json={"id": DISTRICT, "ruleset": bad}, headers=H)
    assert r.status_code == 400 and "未保存" in r.json()["error"]["message"]
    assert path.read_text(encoding="utf-8") == src
    good = src.replace('"效益指标" = 20', '"效益指标" = 25').replace('"成本指标" = 20', '"成本指标" = 15')
    diff = client.post("/api/diff", json={"id": DISTRICT, "ruleset": good, "bump": True}, headers=H).json()["diff"]
    assert '-"成本指标" = 20' in diff and '+version = "2023.2"' in diff
    saved = client.post("/api/save", json={"id": DISTRICT, "ruleset": good, "bump": True}, headers=H).json()
    assert saved["version"] == "2023.2"
    assert '"成本指标" = 15' in path.read_text(encoding="utf-8")
    assert not list(path.parent.glob(".perfrules-*"))
    again = client.get(f"/api/rulesets/{DISTRICT}?resolved=1").json()
    assert {w["level1"]: w["points"] for w in again["weights"]}["成本指标"] == "15"
    renamed = client.post("/api/save", json={"id": DISTRICT, "ruleset": good.replace(DISTRICT, "x/y")}, headers=H)
    assert renamed.status_code == 400


def test_bundled_rulesets_are_read_only() -> None:
    client = _client(ServeConfig(), Guard(None, CSRF))
    r = client.post("/api/save", json={"id": DISTRICT, "ruleset": "x"}, headers=H)
    assert r.status_code == 403 and "只读" in r.json()["error"]["message"]


def test_csrf_origin_and_token(folders: tuple[Path, Path]) -> None:
    client = _client(ServeConfig(rulesets=str(folders[0])), Guard(None, CSRF))
    assert client.post("/api/check", json={"ruleset": ""}).status_code == 403
    assert client.post("/api/check", json={"ruleset": ""}, headers={"X-Perfrules-CSRF": "guess"}).status_code == 403
    evil = {**H, "Origin": "https://evil.example"}
    assert client.post("/api/check", json={"ruleset": ""}, headers=evil).status_code == 403
    assert client.get("/api/rulesets", headers={"Host": "evil.example"}).status_code == 400
    page = client.get("/")
    assert CSRF in page.text and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    locked = _client(ServeConfig(token="s3cret"), Guard("s3cret", CSRF))
    assert locked.get("/api/rulesets").status_code == 401
    assert locked.get("/").status_code == 401
    ok = {"Authorization": "Bearer s3cret"}
    assert locked.get("/api/rulesets", headers=ok).status_code == 200
    assert locked.post("/api/check", json={"ruleset": 'id = "a"\n'}, headers=ok).status_code == 200
    assert locked.post("/api/check", json={"ruleset": ""}, headers={"Authorization": "Bearer nope", **H}).status_code == 401


def test_openapi_and_schemas(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert {"/api/score", "/api/rulesets", "/api/check", "/api/test", "/api/impact"} <= set(doc["paths"])
    for name in ("ruleset", "submission", "result"):
        assert client.get(f"/api/schema/{name}").json()["$schema"]
    assert client.get("/api/schema/passwd").status_code == 404
    listing = client.get("/api/rulesets").json()["rulesets"]
    assert {r["id"] for r in listing} >= {DISTRICT, "national/cz2020-10"}
    resolved = client.get(f"/api/rulesets/{DISTRICT}?resolved=1").json()
    w = {x["level1"]: x for x in resolved["weights"]}
    assert w["成本指标"]["origin"]["layer"] == DISTRICT and resolved["chain"][-1] == DISTRICT
    assert w["成本指标"]["origin"]["file"] == "hunan/zhuzhou/lusong/2023.toml"
    assert w["预算执行率"]["origin"] == {"layer": "national/cz2020-10", "file": "national/cz2020-10.toml", "line": 35}


def test_bump_version() -> None:
    assert 'version = "2023.2"' in bump_version('id = "a"\nversion = "2023.1"\n')
    assert bump_version('id = "a"\n') == 'id = "a"\n'


def test_serve_refuses_a_public_host_without_token() -> None:
    res = cli("serve", "--host", "0.0.0.0")
    assert res.code == 2 and "--token" in res.err


def test_score_does_not_import_the_server() -> None:
    import subprocess
    import sys
    code = ("import sys, io; from perfrules.app.cli import run; run(['score', sys.argv[1]], io.StringIO(), io.StringIO());"
            "bad = [m for m in sys.modules if m.startswith(('perfrules.serve', 'starlette', 'uvicorn'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _held_uploads(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[int]]:
    """Api._score_file made to note each upload that reaches it and wait there until let go."""
    from perfrules.serve.app import Api

    held, lock, inside = threading.Event(), threading.Lock(), []
    score_file = Api._score_file

    def slow(self: Api, *args: object) -> object:
        with lock:
            inside.append(1)
        held.wait(30)
        return score_file(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Api, "_score_file", slow)
    return held, inside


def _uploading(client: TestClient, n: int, answers: list[int]) -> list[threading.Thread]:
    """*n* uploads of the seed, each in a thread of its own, started."""
    uploads = [threading.Thread(target=lambda: answers.append(_score(client, "a.toml", SEED.read_bytes()).status_code))
               for _ in range(n)]
    for upload in uploads:
        upload.start()
    return uploads


def _wait_until(test: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not test() and time.monotonic() < deadline:
        time.sleep(0.01)
    return test()


def test_a_request_is_answered_while_an_upload_is_being_scored(folders: tuple[Path, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The scoring runs in a worker thread, not on the event loop: while one upload is held
    mid-score, the studio's other requests are still answered (on the loop, GET /api/csrf
    waited 10.7 s behind a 4,800-row table scored to xlsx)."""
    held, inside = _held_uploads(monkeypatch)
    rulesets, corpus = folders
    answers: list[int] = []
    with _client(ServeConfig(rulesets=str(rulesets), corpus=str(corpus)), Guard(None, CSRF)) as client:
        [upload] = _uploading(client, 1, answers)
        assert _wait_until(lambda: len(inside) == 1)
        assert client.get("/api/csrf").status_code == 200 and client.get("/api/rulesets").status_code == 200
        assert upload.is_alive(), "answered only once the upload was let go: the loop was held"
        held.set()
        upload.join(60)
    assert answers == [200]


def test_at_most_workers_uploads_are_worked_on_at_once(folders: tuple[Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Each upload being scored holds its file and what was read from it: WORKERS at a time,
    the rest wait their turn (and the event loop still answers)."""
    from perfrules.serve import app as serve_app

    monkeypatch.setattr(serve_app, "WORKERS", 2)
    held, inside = _held_uploads(monkeypatch)
    rulesets, corpus = folders
    answers: list[int] = []
    with _client(ServeConfig(rulesets=str(rulesets), corpus=str(corpus)), Guard(None, CSRF)) as client:
        uploads = _uploading(client, 4, answers)
        _wait_until(lambda: len(inside) >= 2)
        assert client.get("/api/csrf").status_code == 200
        time.sleep(0.3)  # time for a third to start, were it let in
        assert len(inside) == 2
        held.set()
        for upload in uploads:
            upload.join(60)
    assert answers == [200] * 4 and len(inside) == 4
