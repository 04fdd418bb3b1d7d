"""Where the TOML locator says each key is written (what every positioned message about a
TOML submission or ruleset points at)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from perfrules.tomlsource import _PAIR, Locator, _split_dotted

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
