"""Batch scoring: 200 generated inputs (10 broken), summary, exit codes, kill and --resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from batchgen import BROKEN, GOOD, generate
from conftest import ROOT, SEED, cli

from perfrules.app.batch import Manifest, collect_inputs, unique_names

BROKEN_NAMES = {"syntax.toml", "unknown_key.toml", "bad_number.toml", "no_unit.toml", "empty.toml", "not_utf8.toml",
                "syntax.json", "picture.csv", "unfilled.json", "bad_year.toml"}
WITH_LINE = {"syntax.toml", "unknown_key.toml", "bad_number.toml", "syntax.json", "bad_year.toml"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("batch") / "inputs")


def reports(out: Path, ext: str) -> list[Path]:
    return sorted(p for p in out.glob(f"*{ext}") if p.stem != "summary" and not p.name.startswith("."))


def summary(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return data


def test_inputs_are_collected_from_folders_and_globs(inputs: Path) -> None:
    found, missing = collect_inputs([str(inputs / "a"), str(inputs / "j" / "*.json"), str(inputs / "nothing-*.toml")])
    assert len(found) == 100 + 20 and len(missing) == 1
    assert unique_names([str(inputs / "a" / "unit-000.toml"), str(inputs / "j" / "unit-000.json"),
                         str(inputs / "x" / "summary.toml")]) == ["unit-000", "unit-000-2", "summary-2"]


def test_batch_of_200_with_10_broken(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = cli("score", str(inputs), "-o", str(out), "-f", "json", "-f", "html", "-f", "xlsx", "--jobs", "2")
    assert res.code == 1, res.err
    assert len(reports(out, ".json")) == GOOD and len(reports(out, ".html")) == GOOD
    assert len(reports(out, ".xlsx")) == GOOD
    assert (out / "unit-000.json").is_file() and (out / "unit-000-2.json").is_file()
    data = summary(out)
    assert data["counts"] == {"inputs": GOOD + BROKEN, "scored": GOOD, "failed": BROKEN, "skipped": 0}
    # every failure named, with its file and location, rendered as the CLI renders it
    failed = {Path(f["input"]).name: f for f in data["failures"]}
    assert set(failed) == BROKEN_NAMES
    for name, f in failed.items():
        assert f["location"].startswith(f["input"]) and "错误" in f["error"]
        if name in WITH_LINE:
            line = f["location"][len(f["input"]):].split(":")
            assert len(line) >= 2 and line[1].isdigit(), f
    assert "未知的键「实计完成值」" in failed["unknown_key.toml"]["error"]
    assert "自评表未填写" in failed["unfilled.json"]["error"]
    # units sorted by total, the totals the reports say
    totals = [Decimal(u["total"]) for u in data["units"]]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) > 50
    for u in data["units"][:: 17]:
        report = json.loads((out / u["reports"]["json"]).read_text(encoding="utf-8"))
        assert report["total"] == u["total"] and report["unit"] == u["unit"]
        assert u["difference"] == format(Decimal(report["total"]) - Decimal(report["self_reported_total"]), "f")  # 复核 − 自评
        assert sum(u["findings_by_severity"].values()) == len(report["findings"])
    assert sum(data["grades"].values()) == GOOD and len(data["grades"]) >= 2
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "<svg" in html and html.count("<tr") == 1 + GOOD + 1 + BROKEN  # header rows + units + failures
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    ws = wb.worksheets[0]
    assert ws.max_row == 1 + GOOD and ws["E2"].data_type == "n" and Decimal(str(ws["E2"].value)) == totals[0]
    assert wb.worksheets[2].max_row == 1 + BROKEN
    assert not list(out.glob(".perfrules-*.tmp"))
    assert f"失败 {BROKEN}" in res.out
    keep = ROOT / "results" / "batch"  # for a person to open
    keep.mkdir(parents=True, exist_ok=True)
    for name in ("summary.html", "summary.json", "summary.xlsx"):
        shutil.copyfile(out / name, keep / name)


def test_exit_codes(inputs: Path, tmp_path: Path) -> None:
    ok = cli("score", str(inputs / "a" / "unit-001.toml"), str(inputs / "a" / "unit-002.toml"), "-o", str(tmp_path / "ok"))
    assert ok.code == 0, ok.err
    assert sorted(p.name for p in (tmp_path / "ok").iterdir() if not p.name.startswith(".")) == [
        "summary.html", "summary.json", "summary.xlsx", "unit-001.html", "unit-001.json", "unit-002.html", "unit-002.json"]
    bad = cli("score", str(inputs / "broken"), "-o", str(tmp_path / "bad"))
    assert bad.code == 2 and summary(tmp_path / "bad")["counts"]["failed"] == BROKEN
    none = cli("score", str(tmp_path / "empty-*.toml"), "-o", str(tmp_path / "none"))
    assert none.code == 2
    one_to_dir = cli("score", str(SEED), "-o", str(tmp_path / "ok") + os.sep, "-f", "md")
    assert one_to_dir.code == 0 and (tmp_path / "ok" / "submission.md").is_file()
    no_out = cli("score", str(inputs / "a"))
    assert no_out.code == 2 and "-o" in no_out.err


def _manifest_units(out: Path) -> dict[str, Any]:
    """The units the manifest records as finished: its file and, while a batch runs, its journal."""
    return Manifest.load(str(out)).entries


def test_killed_batch_resumes_without_rescoring_or_missing(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = [sys.executable, "-c", "from perfrules.app.cli import main; main()", "score", str(inputs), "-o", str(out),
            "-f", "json", "-f", "html", "--jobs", "2"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_manifest_units(out)) < 30 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _manifest_units(out)
    assert 30 <= len(done_before) < GOOD, "the batch must be killed mid-way"
    # no half-written report: every report present is whole
    for p in reports(out, ".json"):
        json.loads(p.read_text(encoding="utf-8"))
    for p in reports(out, ".html"):
        assert p.read_text(encoding="utf-8").endswith("</html>\n")
    mtimes = {name: {f: (out / f).stat().st_mtime_ns for f in entry["summary"]["reports"].values()}
              for name, entry in done_before.items()}
    time.sleep(0.05)
    res = cli("score", str(inputs), "-o", str(out), "-f", "json", "-f", "html", "--jobs", "2", "--resume")
    assert res.code == 1, res.err
    data = summary(out)
    assert data["counts"] == {"inputs": GOOD + BROKEN, "scored": GOOD - len(done_before), "failed": BROKEN,
                              "skipped": len(done_before)}
    assert {s["name"] for s in data["skipped"]} == set(done_before)
    names = [u["name"] for u in data["units"]]
    assert len(names) == len(set(names)) == GOOD
    for name, files in mtimes.items():  # nothing scored twice
        for f, mtime in files.items():
            assert (out / f).stat().st_mtime_ns == mtime, f
    assert len(reports(out, ".json")) == GOOD and len(reports(out, ".html")) == GOOD
    assert len(_manifest_units(out)) == GOOD
    assert not list(out.glob(".perfrules-*.tmp"))
    again = cli("score", str(inputs), "-o", str(out), "-f", "json", "-f", "html", "--resume")
    assert summary(out)["counts"]["skipped"] == GOOD and again.code == 1


def test_resume_rescores_a_changed_input(inputs: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    one = src / "one.toml"
    one.write_text((inputs / "a" / "unit-003.toml").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    assert cli("score", str(src), "-o", str(out), "-f", "json").code == 0
    assert cli("score", str(src), "-o", str(out), "-f", "json", "--resume").code == 0
    assert summary(out)["counts"]["skipped"] == 1
    one.write_text(one.read_text(encoding="utf-8").replace('"自评总分" = 97', '"自评总分" = 96'), encoding="utf-8")
    os.utime(one, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert cli("score", str(src), "-o", str(out), "-f", "json", "-f", "md", "--resume").code == 0
    assert summary(out)["counts"] == {"inputs": 1, "scored": 1, "failed": 0, "skipped": 0}
    assert (out / "one.md").is_file()


def test_ctrl_c_stops_cleanly(inputs: Path, tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) to the whole process group: exit 130, whole reports only, a consistent manifest."""
    out = tmp_path / "out"
    argv = [sys.executable, "-c", "from perfrules.app.cli import main; main()", "score", str(inputs), "-o", str(out),
            "-f", "json", "--jobs", "2"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while len(_manifest_units(out)) < 10 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "已中断" in err
    for p in reports(out, ".json"):
        json.loads(p.read_text(encoding="utf-8"))
    for name, entry in _manifest_units(out).items():
        assert (out / entry["summary"]["reports"]["json"]).is_file(), name


def test_progress_bar_on_a_terminal_and_lines_otherwise() -> None:
    import io

    from perfrules.app.batch import Failure, UnitSummary
    from perfrules.app.commands.progress import reporter

    unit = UnitSummary("u", "u.toml", "单位", 2023, Decimal("98.00"), Decimal(98), "优", {}, {"json": "u.json"})
    fail = Failure("bad.toml", "bad.toml:1:1: 错误：…", "toml", "bad.toml:1:1")
    plain = io.StringIO()
    with reporter(2, plain, tty=False) as progress:
        progress(unit)
        progress(fail)
    assert plain.getvalue().splitlines() == ["[1/2] 完成 u：98.00 优", "[2/2] 失败 bad.toml（bad.toml:1:1）"]
    fancy = io.StringIO()
    with reporter(2, fancy, tty=True) as progress:
        progress(unit)
        progress(fail)
    assert "2/2" in fancy.getvalue() and "[1/2]" not in fancy.getvalue()


def test_reports_inside_the_input_folder_are_not_inputs(inputs: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "one.toml").write_text((inputs / "a" / "unit-004.toml").read_text(encoding="utf-8"), encoding="utf-8")
    for _ in range(2):
        res = cli("score", str(src), "-o", str(src / "out"), "-f", "json")
        assert res.code == 0, res.err
    assert summary(src / "out")["counts"]["inputs"] == 1


def test_manifest_journal_replays_over_the_manifest_and_passes_over_a_cut_line(tmp_path: Path) -> None:
    """While a batch runs, finished units are appended to the journal (not the whole manifest
    rewritten per chunk); load() replays it, and a line a kill cut short records nothing."""
    from perfrules.app.batch import Task, UnitSummary
    from perfrules.batchrecords import JOURNAL, MANIFEST

    out = tmp_path / "out"
    out.mkdir()
    inputs = []
    for i in range(3):
        path = tmp_path / f"u{i}.toml"
        path.write_text(f"# {i}\n", encoding="utf-8")
        inputs.append(path)
        (out / f"u{i}.json").write_text("{}", encoding="utf-8")
    tasks = [Task(str(p), p.stem, ("json",), str(out)) for p in inputs]

    def unit(task: Task) -> UnitSummary:
        return UnitSummary(task.name, task.input, "单位", 2023, Decimal("98.00"), None, "优", {}, {"json": f"{task.name}.json"})

    manifest = Manifest(str(out))
    manifest.save()
    manifest.record(tasks[0], unit(tasks[0]))
    manifest.flush()
    assert (out / JOURNAL).read_bytes().count(b"\n") == 1  # one line appended, the manifest not rewritten:
    assert json.loads((out / MANIFEST).read_text("utf-8"))["units"] == {}
    manifest.record(tasks[1], unit(tasks[1]))
    manifest.forget(tasks[0].name)
    manifest.flush()
    manifest.close()
    assert set(Manifest.load(str(out)).entries) == {"u1"}  # u0 failed the second time: scored again on --resume
    whole = (out / JOURNAL).read_bytes()
    line = json.dumps({"name": "u2", "entry": {"input": str(inputs[2]), "summary": {}}}, ensure_ascii=False).encode()
    (out / JOURNAL).write_bytes(whole + line[: len(line) // 2])  # killed while appending u2
    loaded = Manifest.load(str(out))
    assert set(loaded.entries) == {"u1"} and loaded.done(tasks[1]) == unit(tasks[1]) and loaded.done(tasks[2]) is None
    loaded.save()  # what a resumed batch does first: the manifest whole, the journal gone
    assert not (out / JOURNAL).exists() and set(json.loads((out / MANIFEST).read_text("utf-8"))["units"]) == {"u1"}
    (out / JOURNAL).write_bytes(whole)  # a kill between writing the manifest and removing the journal
    assert Manifest.load(str(out)).entries == loaded.entries


def test_a_finished_batch_leaves_its_manifest_whole_and_no_journal(inputs: Path, tmp_path: Path) -> None:
    from perfrules.batchrecords import JOURNAL, MANIFEST

    out = tmp_path / "out"
    assert cli("score", str(inputs / "a"), "-o", str(out), "-f", "json", "--jobs", "2").code == 0
    assert not (out / JOURNAL).exists()
    assert len(json.loads((out / MANIFEST).read_text("utf-8"))["units"]) == len(reports(out, ".json")) == 100


def _names_by_definition(inputs: list[str]) -> list[str]:
    """Each stem, else stem-2, stem-3 …: the first not taken (case folded), in input order."""
    from perfrules.app.batch import SUMMARY_NAME, _safe

    taken, names = {SUMMARY_NAME}, []
    for path in inputs:
        stem = _safe(os.path.splitext(os.path.basename(path))[0]) or "unit"
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        names.append(name)
    return names


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["自评表", "a", "A", "a-2", "a-3", "A-2", "summary", "Summary", "b", "b-2", "", "x.y",
                                 "unit", "unit-2"]), max_size=40))
def test_report_names_are_the_first_free_name_each(stems: list[str]) -> None:
    """unique_names remembers how far each stem got, so 10,000 units each filing 自评表.xlsx in a
    folder of its own are named in linear time (37.7 s of tries before, 79 ms now); the names
    are the same as trying stem, stem-2, stem-3 … from the start."""
    inputs = [f"/unit{i}/{stem}.xlsx" for i, stem in enumerate(stems)]
    assert unique_names(inputs) == _names_by_definition(inputs)
