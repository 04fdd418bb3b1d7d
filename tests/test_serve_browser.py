"""The studio end to end: a real uvicorn server and headless Chromium (Debian's, via Playwright).

The flow of issue 15: score the seed (98.00 优); misspell 满分 in the district ruleset and
see the diagnostic at its line; move 5 points from 成本指标 to 效益指标 and see the cases
and the impact table; save, reload.  Screenshots go to results/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DISTRICT, ROOT, SEED

sys.path.insert(0, str(Path(__file__).parent))
from batchgen import variant  # noqa: E402

RESULTS = ROOT / "results"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("PERFRULES_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (.ci/run installs it) but was not found")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    rulesets = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", rulesets, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    shutil.copy(SEED, corpus / "000-seed.toml")
    for i in range(1, 12):
        (corpus / f"{i:03d}.toml").write_text(variant(seed, i), encoding="utf-8")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from perfrules.app.cli import main; main()", "serve",
                             "--port", str(port), "--rulesets", str(rulesets), "--corpus", str(corpus)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server did not start: {proc.stdout.read() if proc.stdout else ''}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/", rulesets
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.chromium
def test_studio_flow_in_chromium(server: tuple[str, Path]) -> None:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    url, rulesets = server
    RESULTS.mkdir(exist_ok=True)
    saved_file = rulesets / "hunan/zhuzhou/lusong/2023.toml"
    source = saved_file.read_text(encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        expect = sync_api.expect

        # 1. upload the seed: 98.00 优
        page.set_input_files("#score-file", str(SEED))
        page.click("#score-form button[type=submit]")
        expect(page.locator("#score-total")).to_have_text("98.00")
        expect(page.locator("#score-grade")).to_have_text("优")
        expect(page.locator("#score-ruleset")).to_contain_text(DISTRICT)
        page.frame_locator("#score-report").locator("body").wait_for()
        expect(page.frame_locator("#score-report").locator("body")).to_contain_text("98.00")
        page.screenshot(path=str(RESULTS / "serve-1-score.png"), full_page=True)

        # 2. the district ruleset, with 满分 misspelt in a new rule: the diagnostic at its line
        page.click("nav button[data-tab=edit]")
        expect(page.locator("#edit-file")).to_contain_text("lusong/2023.toml")
        expect(page.locator("#cases-status")).to_contain_text("失败 0 个")
        page.click(".cm-content")
        page.keyboard.press("Control+End")
        rule = ('\n[[rules]]\nid = "local-threshold"\ntext = "实际值 ≥ 目标值 → 满份"\n'
                'cite = { document = "lusong-form-2023", evidence = "recalled" }\n')
        page.keyboard.insert_text(rule)
        shown = page.locator(".cm-line").all_inner_texts()  # the editor's lines as displayed (35: all rendered)
        line = next(i for i, t in enumerate(shown, 1) if "满份" in t)
        assert line in (len(source.splitlines()) + 3, len(source.splitlines()) + 4), shown
        diagnostic = page.locator("#diagnostics li", has_text="满份")
        expect(diagnostic).to_contain_text(f"第 {line} 行")
        expect(diagnostic).to_contain_text("你是否想写「满分」？")
        expect(page.locator(".cm-lintRange-error").first).to_be_visible()
        expect(page.locator("#cases-status")).to_contain_text("未运行")
        page.screenshot(path=str(RESULTS / "serve-2-diagnostic.png"), full_page=True)

        # 3. 成本指标 20 → 15, 效益指标 20 → 25: cases re-run, the impact table changes
        edited = source.replace('"效益指标" = 20', '"效益指标" = 25').replace('"成本指标" = 20', '"成本指标" = 15')
        assert edited != source
        page.click(".cm-content")
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(edited)
        expect(page.locator("#check-status")).to_have_text("通过")
        expect(page.locator("#cases-status")).to_contain_text("失败 0 个")
        assert page.locator("#cases li.pass").count() >= 20
        page.screenshot(path=str(RESULTS / "serve-3-cases.png"), full_page=True)
        page.click("nav button[data-tab=impact]")
        seed_row = page.locator("#impact-table tbody tr", has_text="000-seed.toml")
        expect(seed_row).to_contain_text("98.00")
        expect(seed_row).to_contain_text("97.50")
        expect(seed_row).to_have_class("changed")
        expect(seed_row).to_contain_text("单位管理运营成本")
        expect(page.locator("#impact-status")).to_contain_text("共 12 个单位")
        expect(page.locator("#impact-chart svg rect").first).to_be_visible()
        page.screenshot(path=str(RESULTS / "serve-4-impact.png"), full_page=True)

        # 4. save (diff preview, version bumped), then reload
        page.click("nav button[data-tab=save]")
        page.click("#diff-button")
        expect(page.locator("#diff-view")).to_contain_text('+"成本指标" = 15')
        expect(page.locator("#diff-view")).to_contain_text('+version = "2023.2"')
        page.screenshot(path=str(RESULTS / "serve-5-diff.png"), full_page=True)
        page.click("#save-button")
        expect(page.locator("#save-message")).to_contain_text("已保存")
        assert '"成本指标" = 15' in saved_file.read_text(encoding="utf-8")
        page.reload()
        page.click("nav button[data-tab=ruleset]")
        weights = page.locator("#ruleset-view table").first
        expect(weights.locator("tr", has_text="成本指标")).to_contain_text("15")
        expect(weights.locator("tr", has_text="效益指标")).to_contain_text("25")
        expect(page.locator("#ruleset-view")).to_contain_text("版本 2023.2")
        page.screenshot(path=str(RESULTS / "serve-6-reloaded.png"), full_page=True)
        browser.close()
    assert not console_errors, console_errors
