"""Where the TOML locator says each key is written (what every positioned message about a
TOML submission or ruleset points at)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from perfrules.errors import Position
from perfrules.tomlkeys import _PAIR, Locator, _split_dotted

DOCUMENT = '''单位名称 = "某局"
"年度" = 2023
# a comment = not a key
[预算执行]
"全年预算数" = 100
  "其中" = [
    "a = b",
  ]

[["指标"]]
"三级指标" = """多行
"分值" = 这不是键
"""
"实际完成值" = "10%"
[["指标"]]
'三级指标' = '第二行'
"得分".备注 = "点号"
行 = { "甲" = 1, 乙 = 2 }
'''


def test_keys_are_found_where_they_are_written() -> None:
    spots = Locator(DOCUMENT, "x.toml").spots
    assert spots[("单位名称",)] == (1, 1, 8)
    assert spots[("年度",)] == (2, 1, 8)
    assert spots[("预算执行",)] == (4, 2, 2)
    assert spots[("预算执行", "全年预算数")] == (5, 1, 11)
    assert spots[("预算执行", "其中")] == (6, 3, 10)
    assert spots[("指标", 0)] == spots[("指标",)] == (10, 3, 3)  # the header's key, at its quote
    assert spots[("指标", 0, "三级指标")] == (11, 1, 10)
    assert ("指标", 0, "分值") not in spots  # inside a multi-line string
    assert spots[("指标", 0, "实际完成值")] == (14, 1, 11)
    assert spots[("指标", 1)] == (15, 3, 3)
    assert spots[("指标", 1, "三级指标")] == (16, 1, 10)
    assert spots[("指标", 1, "得分", "备注")] == (17, 1, 11)
    assert spots[("指标", 1, "行")] == (18, 1, 5)
    assert spots[("指标", 1, "行", "甲")] == (18, 7, 13)
    assert spots[("指标", 1, "行", "乙")] == (18, 16, 20)
    assert not any(path[-1] == "a" or "comment" in str(path) for path in spots)


def _by_regex(line: str) -> tuple[tuple[str, ...], int, int] | None:
    """The key path and columns of a line as the general regex reads it."""
    m = _PAIR.match(line)
    return None if m is None else (_split_dotted(m.group(1)), m.start(1) + 1, m.end() + 1)


_KEY_TEXT = st.text(st.sampled_from(list('指标ab .\\"\'=\t ')), max_size=8)
_SEPARATOR = st.sampled_from([" = ", " =  ", " =\t", "= ", " = \u3000", "=", "  = ", " . x = "])


@given(key=_KEY_TEXT, separator=_SEPARATOR, value=st.sampled_from(['"v"', "1", " 2", "", '"""x']))
@settings(max_examples=400, deadline=None)
def test_a_quoted_key_line_is_read_as_the_regex_reads_it(key: str, separator: str, value: str) -> None:
    """A line that starts "键" = is found without the regex: it must be found the same."""
    line = f'"{key}"{separator}{value}'
    found = {path: (spot.key_column, spot.value_column) for path, spot in Locator(line, None).spots.items()}
    expected = _by_regex(line)
    if expected is None:
        assert found == {}
    else:
        path, key_column, value_column = expected
        assert found.get(path) == (key_column, value_column)


# A document of tables with keys in every style, values that hold key- and header-like
# text (in strings, multi-line strings, arrays over several lines, inline tables).
_KEYS = ["实际完成值", "得分", "分值", "a", "a.b", "x"]
_HEADERS = ['[["指标"]]', "[[指标]]", "[[ 指标 ]]", "[预算执行]", '["指标".x]', "[t]", "  [[指标]]"]
_STYLES = ['"{k}" = {v}', '"{k}"= {v}', '  "{k}" = {v}', "{k} = {v}", "'{k}' = {v}", '"{k}" =  {v}', '"{k}".y = {v}']
_VALUES = ["1", '"实际完成值 = 2"', '"[[指标]]"', '"""\n"得分" = 3\n[["指标"]]\n"""', "'''\n实际完成值 = 4'''",
           '[\n  "[[指标]]",\n  "a = 1",\n]', '{ "实际完成值" = 5, a = 6 }', '"\\"得分\\" = 7"']


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines = []
    for section in range(draw(st.integers(0, 4)) + 1):
        if section:
            lines.append(draw(st.sampled_from(_HEADERS)))
        keys = draw(st.lists(st.sampled_from(_KEYS), unique=True, max_size=4))
        for key in keys:
            style, value = draw(st.sampled_from(_STYLES)), draw(st.sampled_from(_VALUES))
            lines.append(style.format(k=key, v=value))
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(["", "# 实际完成值 = 1", '# [["指标"]]'])))
    return "\n".join(lines)


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


@given(_documents())
@settings(max_examples=600, deadline=None)
def test_a_position_is_the_same_found_quickly_or_by_the_scan(text: str) -> None:
    """A key asked for before the scan ran is found from the lines of its table that hold
    it (Locator._quick): the same line and columns as the whole scan gives, every key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assume(False)
    scanned = Locator(text, "t.toml")
    paths = [*_paths(data), *scanned.spots]
    for value in (True, False):
        shared = Locator(text, "t.toml")  # keys asked in order, as a table's rows ask
        for path in paths:
            want = scanned.position(path, value=value)
            assert Locator(text, "t.toml").position(path, value=value) == want, path
            assert shared.position(path, value=value) == want, path


def test_quick_positions_are_used_on_a_table_as_perfrules_writes_it() -> None:
    """The quick path is taken (no scan) for the keys of a table's rows."""
    text = ('"单位名称" = "某局"\n\n[["指标"]]\n"实际完成值" = "10%"\n"得分" = 5\n\n[["指标"]]\n"实际完成值" = "达成"\n'
            '[一级指标分值]\n"产出指标" = 50\n')
    locator = Locator(text, "t.toml")
    assert locator.position(("指标", 1, "实际完成值")) == Position(file="t.toml", line=8, column=11,
                                                                 source_line='"实际完成值" = "达成"')
    assert locator.position(("指标", 0, "得分"), value=False).line == 5
    assert locator.position(("一级指标分值",)) == Position(file="t.toml", line=9, column=2, source_line="[一级指标分值]")
    assert locator.position(("单位名称",)).line == 1  # asked out of order: counted again from the top
    assert locator._spots is None  # never scanned


def test_a_scored_table_works_out_a_position_only_when_it_is_read(tmp_path: Any) -> None:
    """score() of a TOML table leaves each row's location unworked (DeferredPosition) until
    something reads it; then it is the Position the locator gives, and it equals, hashes
    and pickles as that plain Position."""
    import pickle
    from pathlib import Path

    from perfrules import choose_ruleset, read_submission, score
    from perfrules.tomlpositions import DeferredPosition

    seed = Path(__file__).resolve().parent.parent / "examples" / "2023-dongjiaduan" / "submission.toml"
    path = tmp_path / "submission.toml"
    path.write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    sub = read_submission(str(path))
    result = score(sub, choose_ruleset(sub).ruleset)
    row = next(r for r in result.rows if r.row == 1)
    where = row.location
    assert isinstance(where, DeferredPosition)
    assert object.__getattribute__(where, "_locator")._spans is None  # nothing worked out while scoring
    text = path.read_text(encoding="utf-8")
    eager = Locator(text, str(path)).position(("指标", 0, "实际完成值"))
    assert eager.line is not None and eager.line > 1
    assert where == eager and eager == where and not where != eager and hash(where) == hash(eager)
    assert (where.line, where.column, where.source_line) == (eager.line, eager.column, eager.source_line)
    assert object.__getattribute__(where, "_locator") is None  # filled once: the text is not held for it
    assert repr(where) == repr(eager) and str(where) == str(eager)
    copied = pickle.loads(pickle.dumps(where))
    assert type(copied) is Position and copied == eager
    other = read_submission(str(path)).indicators[1].where("实际完成值")
    assert other != where and not other == where
