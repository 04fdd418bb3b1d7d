"""One atheris target per submission format, sharing this code.

The fuzz input is the file's bytes; it is written to a file with the format's
extension and read with ``read_submission`` then scored, exactly as
``perfrules score`` would.  For .docx/.xlsx an input that is not a zip is taken as
the XML of the main part (word/document.xml, xl/worksheets/sheet1.xml) and put
back into the fixture, so the XML parsers are fuzzed too, not only zip framing.
"""

from __future__ import annotations

import io
import zipfile

from _common import FIXTURES, ROOT, SEED_TOML, run_guarded, score_file, temp_file

ZIP_PART = {".docx": "word/document.xml", ".xlsx": "xl/worksheets/sheet1.xml"}
ZIP_BASE = {".docx": FIXTURES / "seed.docx", ".xlsx": FIXTURES / "seed.xlsx"}


def as_text(data: bytes) -> str | None:
    """The text a text reader sees (for checking line/column), or None."""
    for codec in ("utf-8-sig", "utf-16", "gb18030"):
        if codec == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def rezip(base: bytes, part: str, xml: bytes) -> bytes:
    """*base* with *part* replaced by *xml*."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, xml if info.filename == part else src.read(info.filename))
    return out.getvalue()


def test_file(data: bytes, suffix: str) -> None:
    if suffix in ZIP_PART and not data.startswith(b"PK"):
        data = rezip(_base(suffix), ZIP_PART[suffix], data)
        text = None
    else:
        text = None if suffix in ZIP_PART else as_text(data)
    path = temp_file(data, suffix)
    run_guarded(data, text, lambda: score_file(path))


_BASES: dict[str, bytes] = {}


def _base(suffix: str) -> bytes:
    if suffix not in _BASES:
        _BASES[suffix] = ZIP_BASE[suffix].read_bytes()
    return _BASES[suffix]


def seeds(suffix: str) -> dict[str, bytes]:
    """Fixture files of the format (and, for zips, their main XML part)."""
    out: dict[str, bytes] = {}
    if suffix == ".toml":
        out["seed"] = SEED_TOML.read_bytes()
        out.update({p.stem: p.read_bytes() for p in (ROOT / "tests" / "errors").glob("submission_*.toml")})
        out.update({p.parent.name: p.read_bytes() for p in (ROOT / "tests" / "cases").rglob("submission.toml")})
    elif suffix == ".json":
        out["seed"] = _json_seed()
        out.update({p.stem: p.read_bytes() for p in (ROOT / "tests" / "errors").glob("*.json")})
    elif suffix == ".txt":
        out["report"] = (ROOT / "examples" / "2023-dongjiaduan" / "report.txt").read_bytes()
    elif suffix == ".csv":
        out.update({p.stem: p.read_bytes() for p in FIXTURES.glob("*.csv")})
    else:
        for p in FIXTURES.glob(f"*{suffix}"):
            out[p.stem] = p.read_bytes()
            with zipfile.ZipFile(p) as zf:
                if ZIP_PART[suffix] in zf.namelist():
                    out[p.stem + "-xml"] = zf.read(ZIP_PART[suffix])
    return out


def _json_seed() -> bytes:
    import json
    import tomllib

    data = tomllib.loads(SEED_TOML.read_text(encoding="utf-8"))
    return json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8")
