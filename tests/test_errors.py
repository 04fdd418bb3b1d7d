"""Broken inputs: the exact message a user sees (file:line:column, caret, suggestion).

Each file in tests/errors/ is checked with ``perfrules check``; the whole message it
prints is compared with tests/errors/expected/<file>.txt.  To accept a deliberate
change of wording, regenerate the expected files and read every diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli

HERE = Path(__file__).parent / "errors"
CASES = sorted(p.name for p in HERE.iterdir() if p.is_file())


def test_there_are_enough_broken_inputs() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
def test_error_message_is_exact(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    res = cli("check", name)
    assert res.code == 2
    assert res.out == ""
    assert res.err == (HERE / "expected" / f"{name}.txt").read_text(encoding="utf-8")
    assert "Traceback" not in res.err


def test_rule_error_points_inside_the_file_with_a_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    res = cli("check", "rule_misspelt.toml")
    first = res.err.splitlines()[0]
    assert first == "rule_misspelt.toml:20:21: 错误：未知的名称「满份」"
    assert "你是否想写「满分」？" in res.err
    caret = res.err.splitlines()[3]
    assert caret.strip().endswith("^^^^")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (HERE / "rule_misspelt.toml").read_text(encoding="utf-8")
    text += '\n[[rules]]\nid = "r2"\ntext = "实际值 ≥ 目标值 → 满分"\n'
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")
    res = cli("check", str(path))
    assert res.code == 2
    assert "未知的名称「满份」" in res.err
    assert "规则「r2」没有注明出处 cite" in res.err


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    res = cli("score", str(tmp_path / "nope.toml"))
    assert res.code == 2
    assert "无法读取文件" in res.err
    res = cli("score", str(tmp_path))
    assert res.code == 2 and "Traceback" not in res.err


def test_unknown_ruleset_id_suggests_the_bundled_one() -> None:
    from conftest import SEED

    res = cli("score", str(SEED), "--ruleset", "hunan/zhuzhou/lusong/2032")
    assert res.code == 2
    assert "找不到规则集「hunan/zhuzhou/lusong/2032」" in res.err
    assert "你是否想写「hunan/zhuzhou/lusong/2023」？" in res.err


@pytest.mark.parametrize("text", ['"单位名称" = "某局"\n行 = { 甲 = 1, }\n',  # a comma before } (TOML 1.1)
                                  '"单位名称" = "某局"\n行 = {\n  甲 = 1 }\n',  # an inline table over lines (1.1)
                                  '"单位名称" = "某局\\e"\n'])  # the \e escape (1.1)
def test_toml_is_read_as_toml_1_0_by_the_compiled_tomli(text: str) -> None:
    """TOML is parsed by tomli (tomllib's code, compiled), held below 2.4, which reads TOML
    1.1: what 1.1 added is refused with a positioned error, as tomllib refuses it, since
    the key locator (perfrules.tomlkeys) reads TOML 1.0 only."""
    import tomllib

    from perfrules.errors import PerfrulesError
    from perfrules.tomlsource import load_toml
    from perfrules.tomlsource import tomllib as parser

    assert parser.__name__ == "tomli"
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(PerfrulesError) as caught:
        load_toml(text, "t.toml")
    assert caught.value.position is not None and caught.value.position.line in (2, 1)
