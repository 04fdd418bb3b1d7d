"""Property-based fuzzing: generated and mutated rule texts, rulesets and submissions.

The contract every input is held to: it ends in a score, or in a PerfrulesError whose
1-based line and column (when it has them) lie inside the input — line ≤ number of
lines, column ≤ len(line)+1 — and through ``cli.run`` it exits 0 or 2, never 3.

Each property runs twice: a few hundred examples in the normal run, and many more
under the ``fuzz`` marker (``pytest -m fuzz``; ≥ 100,000 examples in all).
Mutations are the ones real files suffer: lines deleted, duplicated or swapped,
characters replaced by any Unicode, full-width and half-width swapped, keys
renamed, numbers replaced by huge, tiny, negative, NaN, empty ones.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from html.parser import HTMLParser

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from perfrules.app.cli import run
from perfrules.rules.compiler import MissingInput, NoClause, compile_rule
from perfrules.rules.program import RowInputs, row_inputs
from perfrules.errors import PerfrulesError
from perfrules.scoring.interpreter import CONTEXT, score
from perfrules.ruleset.loader import load_ruleset, load_ruleset_text
from perfrules.model import BudgetBlock, IndicatorRow, Submission
from perfrules.readers import read_submission
from perfrules.readers.export import submission_to_toml
from perfrules.render import render


def _inputs(weight: Decimal, reason_missing: bool = False, **values: Any) -> RowInputs:
    """A row's inputs as the interpreter fills them; 偏差原因 filled in unless *reason_missing*."""
    return row_inputs(weight, reason="" if reason_missing else "已说明", **values)


sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
from _common import check_position  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DISTRICT = "hunan/zhuzhou/lusong/2023"
RULESET = load_ruleset(DISTRICT)
SEED = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
RULESET_FILES = sorted((ROOT / "rulesets").rglob("*.toml"))
FIXTURES = ROOT / "tests" / "fixtures"
TEXT_SOURCES = {
    **{f"ruleset:{p.relative_to(ROOT)}": p for p in RULESET_FILES},
    "submission:seed.toml": SEED,
    **{f"submission:{p.name}": p for p in sorted(FIXTURES.glob("*.csv"))},
    "submission:report.txt": ROOT / "examples" / "2023-dongjiaduan" / "report.txt",
    **{f"submission:{p.parent.name}.toml": p for p in sorted((ROOT / "tests" / "cases").rglob("submission.toml"))},
}
ZIP_SOURCES = sorted([*FIXTURES.glob("*.docx"), *FIXTURES.glob("*.xlsx"), *(ROOT / "examples").rglob("*.docx"),
                      *(ROOT / "examples").rglob("*.xlsx")])

#: examples per property: (normal run, fuzz run).  Normal ≈ 3,000 in all, fuzz ≈ 120,000.
EXAMPLES: dict[str, tuple[int, int]] = {
    "rule": (1000, 40_000),
    "ruleset_mutated": (300, 15_000),
    "ruleset_generated": (200, 10_000),
    "submission_mutated": (400, 20_000),
    "submission_generated": (300, 15_000),
    "zip_mutated": (60, 5_000),
    "cli": (150, 15_000),
    "renderers": (60, 3_000),
}
MODES = ["normal", pytest.param("fuzz", marks=pytest.mark.fuzz)]


def run_property(name: str, mode: str, strategy: st.SearchStrategy[Any], prop: Callable[[Any], None]) -> None:
    """Run *prop* over *strategy* with the example count of *name* in *mode*."""
    count = EXAMPLES[name][0 if mode == "normal" else 1]
    ran = [0]

    def counted(example: Any) -> None:
        ran[0] += 1
        prop(example)

    try:
        settings(max_examples=count, deadline=None, database=None if mode == "fuzz" else settings().database,
                 suppress_health_check=list(HealthCheck))(given(strategy)(counted))()
    finally:
        _record(name, mode, ran[0])


def _record(name: str, mode: str, ran: int) -> None:
    """Append how many examples ran to $PERFRULES_FUZZ_COUNTS (for reports)."""
    target = os.environ.get("PERFRULES_FUZZ_COUNTS")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"{mode}\t{name}\t{ran}\n")


# --------------------------------------------------------------------- the contract
def ends_well(text: str | None, call: Callable[[], object]) -> None:
    """*call* returns, or raises a PerfrulesError pointing inside *text*."""
    try:
        call()
    except PerfrulesError as err:
        check_position(err, text)


def cli_ends_well(*argv: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    assert code in (0, 2), f"exit {code}: {err.getvalue()[-2000:]}"
    assert "Traceback" not in err.getvalue()


# -------------------------------------------------------------------- mutations
NASTY_NUMBERS = ["1e999999999", "9e-999999999", "nan", "inf", "-inf", "+nan", "-5", "-0.01", "0", "", '""', "-1e3",
                 "99999999999999999999999999999999999", "0.000000000000000000000000000000001", "1_000", "0x7f",
                 "１０", "１０％", "10%", "1e30", "1E-30", "12345678901234567890.123456789", '"1e999999999"', '"NaN"',
                 "true", "[]", "{}", '"≥0%"', '"-3"', "1" * 5000]
KEY_LINE = re.compile(r'^(\s*)("[^"]*"|[A-Za-z0-9_\-\u4e00-\u9fff]+)(\s*=)', re.M)
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WIDE = {cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)}
_NARROW = {cp + 0xFEE0: cp for cp in range(0x21, 0x7F)}


def _lines(text: str) -> list[str]:
    return text.split("\n")


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """*text* after 1–4 of the mutations real files suffer."""
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "char", "width", "key", "number", "number",
                                     "insert"]))
        lines = _lines(text)
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "char" and text:
            at = draw(st.integers(0, len(text) - 1))
            text = text[:at] + draw(st.characters(codec="utf-8")) + text[at + 1 :]
            continue
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
            continue
        elif kind == "width":
            lines[i] = lines[i].translate(draw(st.sampled_from([_WIDE, _NARROW])))
        elif kind == "key":
            keys = list(KEY_LINE.finditer(text))
            if keys:
                m = draw(st.sampled_from(keys))
                new = draw(st.sampled_from(['"满份"', '"实际完成直"', "texts", '"分值 "', '""', "id", '"指标"', "a.b"])
                           | st.text(min_size=1, max_size=6).map(lambda s: '"' + s.replace('"', "").replace("\\", "") + '"'))
                text = text[: m.start(2)] + new + text[m.end(2) :]
            continue
        elif kind == "number":
            numbers = list(NUMBER.finditer(text))
            if numbers:
                m = draw(st.sampled_from(numbers))
                text = text[: m.start()] + draw(st.sampled_from(NASTY_NUMBERS)) + text[m.end() :]
            continue
        text = "\n".join(lines)
    return text


def _source(name: str) -> str:
    from perfrules.readers.files import decode_text

    return decode_text(TEXT_SOURCES[name].read_bytes(), None)


def _seed_json() -> str:
    import tomllib

    data = tomllib.loads(SEED.read_text(encoding="utf-8"), parse_float=Decimal)
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)


SOURCE_TEXTS = {**{name: _source(name) for name in TEXT_SOURCES}, "submission:seed.json": _seed_json()}
RULESET_NAMES = [n for n in SOURCE_TEXTS if n.startswith("ruleset:")]
SUBMISSION_NAMES = [n for n in SOURCE_TEXTS if n.startswith("submission:")]


def mutated_source(names: list[str]) -> st.SearchStrategy[tuple[str, str]]:
    return st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), mutated(SOURCE_TEXTS[n])))


def _write(data: str | bytes, suffix: str) -> str:
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False, dir=_TMP)
    with handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return handle.name


_TMP = tempfile.mkdtemp(prefix="perfrules-fuzz-")
atexit.register(shutil.rmtree, _TMP, True)


def _decoded(data: bytes) -> str | None:
    """What a reader sees of *data* (for checking lines and columns), or None if unreadable."""
    from perfrules.readers.files import decode_text

    try:
        return decode_text(data, None)
    except PerfrulesError:
        return None


def score_path(path: str, text: str | None) -> None:
    def go() -> None:
        result = score(read_submission(path), RULESET)
        render(result, "text")
        render(result, "json")

    ends_well(text, go)


# ------------------------------------------------------------------- rule texts
RULE_VOCAB = ["实际值", "目标值", "满分", "分值", "完成率", "执行率", "全年执行数", "全年预算数", "自评得分", "否则",
              "达标", "未达标", "未填写偏差原因", "达成", "部分达成", "未达成", "每", "低于目标值", "高于目标值",
              "个百分点", "扣", "分", "最多", "且", "或", "→", "->", "≥", "≤", ">=", "<", "=", "≠", "×", "÷", "*", "/",
              "+", "-", "(", ")", "[", "]", "（", "）", "【", "】", "；", ";", "，", ",", "%", "％", "10", "0", "0.5",
              "100", "90", "1e5", "99999999999999999999999999999999", "0.00000000000000000000000000001", "min",
              "max", "actual", "target", "full", "else", "deduct", "提示", "「达成」", '"x"', " ", "\n", "满份", "@",
              "１０", "\u200b", "\u00a0", "万元", "天", "年"]


def rule_texts() -> st.SearchStrategy[str]:
    vocab = st.lists(st.sampled_from(RULE_VOCAB), max_size=24).map("".join)
    deep = st.tuples(st.integers(1, 400), st.sampled_from(["(", "-", "1+", "1×", "（", "["])).map(lambda t: t[1] * t[0] + "1")
    bundled = st.sampled_from([r.text for r in RULESET.rules]).flatmap(mutated)
    return st.one_of(vocab, vocab, bundled, deep, st.text(max_size=60))


ENVS = st.builds(
    dict,
    actual=st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**9,
                                            max_value=10**9), st.sampled_from([Decimal("1E+30"), Decimal("-1E-30")])),
    target=st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal("1E-30"), Decimal(100), Decimal(-5)])),
    executed=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=2)),
    budget=st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal(1), Decimal("1E-20")])),
    self_score=st.one_of(st.none(), st.decimals(min_value=-5, max_value=20, places=2)),
    met=st.one_of(st.none(), st.booleans()),
    reason_missing=st.booleans(),
    grade=st.sampled_from([None, "达成", "部分达成", "未达成"]),
)


def check_rule(args: tuple[str, dict[str, Any]]) -> None:
    text, values = args
    try:
        rule = compile_rule(text)
    except PerfrulesError as err:
        assert err.offset is not None and 0 <= err.offset <= len(text), (err.offset, len(text))
        err.render()
        return
    weight = Decimal(10)
    with localcontext(CONTEXT):
        try:
            outcome = rule.evaluate(_inputs(weight, **values))
        except (MissingInput, NoClause, ArithmeticError):
            return  # the interpreter turns these into findings
    assert Decimal(0) <= outcome.score <= weight


@pytest.mark.parametrize("mode", MODES)
def test_rule_texts_compile_and_score_or_fail_inside_the_text(mode: str) -> None:
    run_property("rule", mode, st.tuples(rule_texts(), ENVS), check_rule)


# --------------------------------------------------------------------- rulesets
SEED_SUBMISSION = read_submission(str(SEED))


def check_ruleset(args: tuple[str, str]) -> None:
    _, text = args
    ends_well(text, lambda: render(score(SEED_SUBMISSION, load_ruleset_text(text, "fuzz.toml")), "text"))


@pytest.mark.parametrize("mode", MODES)
def test_mutated_rulesets_load_and_score_or_fail_inside_the_file(mode: str) -> None:
    run_property("ruleset_mutated", mode, mutated_source(RULESET_NAMES), check_ruleset)


def _toml_string(text: str, escape_all: bool = False) -> str:
    """A TOML basic string; *escape_all* writes every non-ASCII character as \\uXXXX."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if escape_all:
        body = "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                       for c in body)
    return '"' + body + '"'


@st.composite
def generated_rulesets(draw: st.DrawFn) -> tuple[str, str]:
    """A leaf ruleset over the district's, with generated rules, weights and rounding."""
    lines = ['id = "fuzz/leaf"', 'name = "fuzz"', f'extends = "{DISTRICT}"', "",
             "[rounding]", f"places = {draw(st.sampled_from(['2', '0', '10', '11', '-1', 'nan', '1e999999999']))}",
             f'mode = "{draw(st.sampled_from(["half_up", "half_even", "down", "up?"]))}"', ""]
    if draw(st.booleans()):
        lines += ["[weights]", *(f'"{k}" = {draw(st.sampled_from(NASTY_NUMBERS[:20] + ["20", "30", "10"]))}'
                                 for k in draw(st.lists(st.sampled_from(["产出指标", "效益指标", "满意度指标",
                                                                         "预算执行率", "成本指标"]), unique=True,
                                                        max_size=4))), ""]
    for i in range(draw(st.integers(0, 3))):
        text = f"text = {_toml_string(draw(rule_texts()), escape_all=draw(st.booleans()))}"
        lines += ["[[rules]]", f'id = "fuzz-{i}"',
                  f'applies = {{ kind = "{draw(st.sampled_from(["quantitative", "qualitative", "period", "oops"]))}" }}',
                  'cite = { document = "cz2020-10", article = "x", evidence = "practice" }', text]
    return "generated", "\n".join(lines)  # a rule's text last: an error past it would leave the file


@pytest.mark.parametrize("mode", MODES)
def test_generated_rulesets_load_and_score_or_fail_inside_the_file(mode: str) -> None:
    run_property("ruleset_generated", mode, generated_rulesets(), check_ruleset)


# ------------------------------------------------------------------ submissions
ENCODINGS = ["utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16", "crlf"]


def encoded(text: str, encoding: str) -> bytes:
    """The text as units' software writes it: UTF-8 (BOM or not), GB18030, UTF-16, CRLF."""
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    return text.encode(encoding, "replace") if encoding == "gb18030" else text.encode(encoding, "surrogatepass")


def check_submission(args: tuple[tuple[str, str], str]) -> None:
    (name, text), encoding = args
    suffix = Path(name).suffix
    if suffix not in (".csv", ".txt"):
        encoding = "utf-8"
    data = encoded(text, encoding)
    path = _write(data, suffix)
    try:
        score_path(path, _decoded(data))
    finally:
        os.remove(path)


@pytest.mark.parametrize("mode", MODES)
def test_mutated_submissions_score_or_fail_inside_the_file(mode: str) -> None:
    run_property("submission_mutated", mode, st.tuples(mutated_source(SUBMISSION_NAMES), st.sampled_from(ENCODINGS)),
                 check_submission)


CELLS = st.one_of(st.sampled_from(["≥10%", "≤386万元", "≥238天", "21人", "10.2%", "2023全年", "2023年", "已完成", "≥80%",
                                   "≥%", "１０％", "10\u200b%", "10\u00a0%", "≥0%", "0", "-5%", "1e999999999",
                                   "9e-999999999", "NaN", "∞", "1,234,567.89万元", "≥99999999999999999999999999999%",
                                   "≥0.000000000000000000000000001%", "达成", "部分达成", "未达成", ""]),
                  st.text(max_size=12))
POINTS = st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal(10), Decimal("-3"), Decimal("0.5"),
                                               Decimal("1000"), Decimal("999.99999999999999999999")]),
                   st.decimals(min_value=-20, max_value=30, places=2))
MONEY = st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal("-10"), Decimal("1E+29"), Decimal("1E-29")]),
                  st.decimals(min_value=0, max_value=10**6, places=2))


@st.composite
def generated_submissions(draw: st.DrawFn) -> tuple[str, str]:
    rows = tuple(IndicatorRow(
        draw(st.sampled_from(["产出指标", "效益指标", "满意度指标", "成本指标", ""])), draw(st.sampled_from(["数量指标", "x"])),
        draw(CELLS), draw(CELLS), draw(CELLS), draw(POINTS), draw(POINTS), draw(st.sampled_from(["", "原因"])))
        for _ in range(draw(st.integers(0, 8))))
    block = draw(st.one_of(st.none(), st.builds(BudgetBlock, MONEY, MONEY, MONEY, POINTS, CELLS, POINTS)))
    sub = Submission(draw(st.sampled_from(["单位", "株洲高新区董家塅片区管委会"])), draw(st.sampled_from([2023, None])),
                     "部门整体支出", rows, block, jurisdiction="湖南/株洲/芦淞区",
                     level_weights=draw(st.dictionaries(st.sampled_from(["产出指标", "效益指标"]), POINTS.filter(bool),
                                                        max_size=2)),
                     self_total=draw(POINTS))
    return "generated.toml", submission_to_toml(sub)


@pytest.mark.parametrize("mode", MODES)
def test_generated_submissions_score_or_fail_inside_the_file(mode: str) -> None:
    run_property("submission_generated", mode, st.tuples(generated_submissions(), st.just("utf-8")), check_submission)


# ------------------------------------------------------------------ .docx/.xlsx
@st.composite
def mutated_zips(draw: st.DrawFn) -> tuple[str, bytes]:
    """Fixture .docx/.xlsx with raw bytes flipped, cut or inserted, or a member's XML mutated."""
    path = draw(st.sampled_from(ZIP_SOURCES))
    data = path.read_bytes()
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, len(data) - 1))
            what = draw(st.sampled_from(["flip", "cut", "insert"]))
            if what == "flip":
                data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
            elif what == "cut":
                data = data[:at]
            else:
                data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
            if not data:
                break
        return path.suffix, data
    with zipfile.ZipFile(path) as zf:
        members = [n for n in zf.namelist() if n.endswith(".xml")]
        member = draw(st.sampled_from(sorted(members)))
        xml = zf.read(member).decode("utf-8")
        new = draw(mutated(xml)) if len(xml) < 200_000 else xml[: draw(st.integers(0, len(xml)))]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in zf.infolist():
                dst.writestr(info.filename, new.encode("utf-8") if info.filename == member else zf.read(info.filename))
    return path.suffix, out.getvalue()


def check_zip(args: tuple[str, bytes]) -> None:
    suffix, data = args
    path = _write(data, suffix)
    try:
        score_path(path, None)
    finally:
        os.remove(path)


@pytest.mark.parametrize("mode", MODES)
def test_mutated_docx_and_xlsx_score_or_fail_cleanly(mode: str) -> None:
    run_property("zip_mutated", mode, mutated_zips(), check_zip)


# -------------------------------------------------------------------- the CLI
@st.composite
def cli_inputs(draw: st.DrawFn) -> tuple[str, ...]:
    """Mutated submissions and rulesets through ``perfrules score``, ``check`` and ``import``."""
    kind = draw(st.sampled_from(["score", "score-ruleset", "check", "import"]))
    name, text = draw(mutated_source(SUBMISSION_NAMES))
    sub = _write(text, Path(name).suffix)
    if kind == "score":
        return ("score", sub, "--ruleset", DISTRICT, "--format", draw(st.sampled_from(["text", "json"])))
    if kind == "import":
        return ("import", sub)
    rname, rtext = draw(mutated_source(RULESET_NAMES))
    rs = _write(rtext, ".toml")
    if kind == "score-ruleset":
        return ("score", sub, "--ruleset", rs)
    return ("check", draw(st.sampled_from([sub, rs])))


def check_cli(argv: tuple[str, ...]) -> None:
    try:
        cli_ends_well(*argv)
    finally:
        for arg in argv:
            if arg.startswith(_TMP):
                os.remove(arg)


@pytest.mark.parametrize("mode", MODES)
def test_the_cli_never_fails_internally(mode: str) -> None:
    run_property("cli", mode, cli_inputs(), check_cli)


# -------------------------------------------------------------------- every renderer on hostile records
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "=1/0"]
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</td></tr></table><script>x</script>",
          "javascript:alert(1)", "<!--", "]]>", "&lt;script&gt;", "| pipe | `tick` *star*"]
DIRECTION = ["\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "\u200e", "\u061c"]
HOSTILE_ALPHABET = st.one_of(st.characters(max_codepoint=0x1F), st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
                             st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.sampled_from(DIRECTION),
                             st.sampled_from(["\ufffe", "\uffff", "\u2028", "\u00a0", "单", "位"]), st.characters())


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    """Text a unit (or an attacker) could file: controls, lone surrogates, formulas, markup, RTL, 100k chars."""
    part = st.one_of(st.text(HOSTILE_ALPHABET, max_size=12), st.sampled_from(FORMULAS + MARKUP + DIRECTION))
    text = "".join(draw(st.lists(part, max_size=4)))
    if draw(st.integers(0, 9)) == 0:
        text = (text or "长") * (100_000 // max(1, len(text or "长")) + 1)  # a 100k-character cell
    return text


@st.composite
def hostile_results(draw: st.DrawFn) -> Any:
    import attrs

    from perfrules.app.batch import BatchResult, Failure, UnitSummary

    base = score(read_submission(str(SEED)), RULESET)
    t = hostile_text()
    rows = tuple(attrs.evolve(r, name=draw(t), target=draw(t), actual=draw(t), reason=draw(t), level2=draw(t))
                 if draw(st.booleans()) else r for r in base.rows)
    explanations = tuple(e._replace(reason=draw(t), indicator=draw(t), note=draw(t)) for e in base.explanations)
    findings = tuple(attrs.evolve(f, message=draw(t)) for f in base.findings)
    result = attrs.evolve(base, unit=draw(t), kind=draw(t), rows=rows, explanations=explanations,
                          findings=findings, selection=draw(t))
    unit = UnitSummary(draw(t), draw(t), draw(t), 2023, base.total, base.self_reported_total, draw(t),
                       {"error": 0, "warning": 1, "info": 0}, {"html": draw(t)}, 2, draw(t))
    batch = BatchResult(2, (unit,), (), (Failure(draw(t), draw(t), "toml", draw(t), draw(t)),), ("html",))
    return result, batch


def _no_formula(data: bytes) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


class _Tags(HTMLParser):
    """The elements and attributes a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(k, v or "") for k, v in attrs]


#: Every element the report and summary renderers write; anything else came from the text.
OUR_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "dl", "dt", "dd", "div",
            "b", "span", "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "section", "ul", "li",
            "footer", "p", "small", "pre", "a", "svg", "text", "rect"}


def _no_live_markup(html: str) -> None:
    parsed = _Tags()
    parsed.feed(html)
    assert parsed.tags <= OUR_TAGS, parsed.tags - OUR_TAGS
    assert not [k for k, _ in parsed.attributes if k.startswith("on")]
    assert not [v for k, v in parsed.attributes if k in ("href", "src") and not v.startswith("./")]


def check_renderers(args: tuple[Any, Any]) -> None:
    """Every renderer ends in a document that can be written as UTF-8, with nothing interpreted."""
    from perfrules.output import write_atomic
    from perfrules.render import summary

    result, batch = args
    with tempfile.TemporaryDirectory(dir=_TMP) as folder:
        for fmt in ("text", "md", "json", "html", "xlsx"):
            out = render(result, fmt)
            write_atomic(os.path.join(folder, f"r.{fmt}"), out)  # lone surrogates must not stop a write
            if fmt == "json":
                assert isinstance(out, str) and json.loads(out)["unit"] == result.unit
            if fmt == "html":
                assert isinstance(out, str)
                _no_live_markup(out)
            if fmt == "xlsx":
                assert isinstance(out, bytes)
                _no_formula(out)
        for fmt in ("json", "html", "xlsx"):
            out = summary.render(batch, fmt)
            write_atomic(os.path.join(folder, f"summary.{fmt}"), out)
            if fmt == "xlsx":
                assert isinstance(out, bytes)
                _no_formula(out)
            if fmt == "html":
                assert isinstance(out, str)
                _no_live_markup(out)


@pytest.mark.parametrize("mode", MODES)
def test_every_renderer_survives_hostile_records(mode: str) -> None:
    count = EXAMPLES["renderers"][0 if mode == "normal" else 1]
    ran = [0]

    def counted(example: Any) -> None:
        ran[0] += 1
        check_renderers(example)

    # No shrinking: an example holds 100k-character cells, and shrinking them takes minutes.
    try:
        settings(max_examples=count, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=list(HealthCheck))(given(hostile_results())(counted))()
    finally:
        _record("renderers", mode, ran[0])
