"""Generate a batch of submissions from the seed: 190 good variants and 10 broken files.

Used by tests/test_batch.py, and runnable to time a batch::

    python tests/batchgen.py OUTDIR   # prints seconds for --jobs 1 and --jobs 2
"""

from __future__ import annotations

import json
import re
import os
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "examples" / "2023-dongjiaduan" / "submission.toml"
UNIT = "株洲高新技术产业开发区董家塅片区管理委员会"
GOOD, BROKEN = 190, 10


def variant(text: str, i: int) -> str:
    """The seed with the unit renamed and actuals / self scores varied, so totals and grades differ."""
    def pct(value: int) -> str:
        return f"{Decimal(value) / 10}%"

    executed = (Decimal("9999.81") * (100 - (i * 7) % 45) / 100).quantize(Decimal("0.01"))
    swaps = [
        (f'"单位名称" = "{UNIT}"', f'"单位名称" = "{UNIT}（样例{i:03d}）"'),
        ('"实际完成值" = "10.2%"', f'"实际完成值" = "{pct(20 * (i % 6) + i % 11)}"'),
        ('"实际完成值" = "10.9%"', f'"实际完成值" = "{pct(109 - (i * 13) % 90)}"'),
        ('"实际完成值" = "9.6%"', f'"实际完成值" = "{pct(96 - (i * 17) % 70)}"'),
        ('"实际完成值" = "≥80%"\n"分值" = 10', f'"实际完成值" = "{40 + (i * 3) % 50}%"\n"分值" = 10'),
        ('"全年执行数" = "9,999.81"', f'"全年执行数" = "{executed}"'),
    ]
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new, 1)
    if i % 3 == 0:
        text = text.replace('"自评总分" = 98', '"自评总分" = 97', 1)
    return text


def unfilled(seed: str) -> bytes:
    """The seed as JSON with every 实际完成值 and 得分 left blank, the execution score too (never filled in)."""
    data = tomllib.loads(seed)
    for row in data["指标"]:
        row["实际完成值"], row["得分"] = "", ""
    data["预算执行"]["得分"] = ""
    return json.dumps(data, ensure_ascii=False, default=str, indent=1).encode("utf-8")


def broken(seed: str) -> dict[str, bytes]:
    """Ten inputs, each broken in its own way (file name → content)."""
    def sub(old: str, new: str) -> bytes:
        assert old in seed, old
        return seed.replace(old, new, 1).encode("utf-8")

    as_json = json.dumps(tomllib.loads(seed), ensure_ascii=False, indent=1)
    return {
        "syntax.toml": sub('"类型" = "部门整体支出"', '"类型" = "部门整体支出'),
        "unknown_key.toml": sub('"实际完成值" = "10.2%"', '"实计完成值" = "10.2%"'),
        "bad_number.toml": sub('"分值" = 5\n', '"分值" = 1e999999999\n'),
        "no_unit.toml": sub(f'"单位名称" = "{UNIT}"\n', ""),
        "empty.toml": b"",
        "not_utf8.toml": seed.encode("gb18030"),
        "syntax.json": as_json.replace('"年度": 2023,', '"年度": 2023,,').encode("utf-8"),
        "picture.csv": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "unfilled.json": unfilled(seed),
        "bad_year.toml": sub('"年度" = 2023', '"年度" = 20233'),
    }


def hostile(seed: str) -> dict[str, bytes]:
    """Ten inputs an attacker or a bad export would send (issue 12): NUL and control bytes,
    UTF-8 read as Latin-1 and saved again, a 1e999999999 number, an empty file, formula and
    script text where a name belongs (file name → content)."""
    def sub(old: str, new: str) -> bytes:
        assert old in seed, old
        return seed.replace(old, new, 1).encode("utf-8")

    return {
        "garbage.toml": b"\x00\x01garbage",
        "nul_in_name.toml": sub(f'"单位名称" = "{UNIT}"', f'"单位名称" = "{UNIT}\x00"'),
        "control_bytes.toml": b'"\xe5\x8d\x95\xe4\xbd\x8d\xe5\x90\x8d\xe7\xa7\xb0" = "\x1b[31m\x07\x08"\n',
        "latin1_mojibake.toml": seed.encode("utf-8").decode("latin-1").encode("utf-8"),
        "huge_exponent.toml": sub('"分值" = 5\n', '"分值" = 1e999999999\n'),
        "empty.toml": b"",
        "formula_key.toml": sub('"年度" = 2023', '"=HYPERLINK(\\"http://x\\",\\"y\\")" = 1\n"年度" = 2023'),
        "script.json": b'{"\xe5\x8d\x95\xe4\xbd\x8d\xe5\x90\x8d\xe7\xa7\xb0": "<script>alert(1)</script>", "x": \x01}',
        # A right-to-left override in a key (an unknown key, refused); in a 分值 cell it would be
        # an unreadable cell, reported on its row (issue 13: one bad cell never refuses a table).
        "rtl.toml": sub('"分值" = 5\n', '"\u202e分值<b>五</b>" = 5\n'),
        "bad_year.toml": sub('"年度" = 2023', '"年度" = "\x01二〇二三"'),
    }


def generate(root: Path, good: int = GOOD, broken_inputs: str = "broken") -> Path:
    """Write *good* inputs and ten broken ones under *root* (folders a/, b/c/, j/, broken/)
    and return root.  *broken_inputs* is ``"broken"`` (mistakes a user makes) or ``"hostile"``
    (bytes an attacker or a bad export sends)."""
    seed = SEED.read_text(encoding="utf-8")
    for i in range(good):
        text = variant(seed, i)
        if i < 100:
            path = root / "a" / f"unit-{i:03d}.toml"
        elif i < 170:
            path = root / "b" / "c" / f"unit-{i:03d}.toml"
        else:  # JSON, and one name that collides with a/unit-000.toml
            path = root / "j" / ("unit-000.json" if i == 170 else f"unit-{i:03d}.json")
            text = json.dumps(tomllib.loads(text), ensure_ascii=False, indent=1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, data in (hostile(seed) if broken_inputs == "hostile" else broken(seed)).items():
        path = root / "broken" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _time(root: Path, jobs: int) -> float:
    import subprocess
    import time

    out = root.parent / f"out-jobs{jobs}"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from perfrules.app.cli import main; main()", "score", str(root), "-o", str(out),
                    "-f", "html", "-f", "json", "--jobs", str(jobs)], capture_output=True, check=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    base = Path(sys.argv[1] if len(sys.argv) > 1 else "results/batch-timing")
    inputs = generate(base / "inputs")
    print(f"cpus {os.cpu_count()}")
    for jobs in (1, 2):
        print(f"--jobs {jobs}: {_time(inputs, jobs):.2f} s for {GOOD + BROKEN} inputs (html + json)")
