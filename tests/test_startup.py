"""Start-up: the AST cache, lazy lark, and the streaming command."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, cli

from perfrules.rules import astcache, lark_parser
from perfrules.ruleset.loader import load_ruleset
from perfrules.scoring.plan import compile_plan

WORKLOAD = ROOT / "bench" / "workload-ruleset.toml"


def _bundled_texts() -> list[str]:
    texts = []
    for ref in ("hunan/zhuzhou/lusong/2023", str(WORKLOAD)):
        texts += [r.text for r in load_ruleset(ref).rules]
    return texts


@pytest.mark.parametrize("text", _bundled_texts())
def test_cached_ast_is_the_parsed_ast(text: str) -> None:
    parsed = lark_parser.parse_rule(text)
    assert astcache.decode(json.loads(json.dumps(astcache.encode(parsed)))) == parsed


def test_a_bad_cache_file_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text('{"实际值 ≥ 目标值 → 满分": {"n": "os.system", "f": ["true"]}}', encoding="utf-8")
    store = astcache.AstCache(path)
    assert store.get("实际值 ≥ 目标值 → 满分") is None
    rule = lark_parser.parse_rule("实际值 ≥ 目标值 → 满分")
    store.put(rule.text, rule)
    store.flush()
    assert astcache.AstCache(path).get(rule.text) == rule


def test_score_with_a_warm_cache_never_imports_lark(tmp_path: Path) -> None:
    env = {"PERFRULES_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = ("import sys; from perfrules.app.cli import run; "
            "code = run(['score', sys.argv[1]], open('/dev/null', 'w'), sys.stderr); "
            "print(code, any(m.split('.')[0] == 'lark' for m in sys.modules))")
    seed = str(ROOT / "examples" / "2023-dongjiaduan" / "submission.toml")
    first = subprocess.run([sys.executable, "-c", code, seed], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["0", "True"]  # cold cache: parsed with lark, cache written at exit
    second = subprocess.run([sys.executable, "-c", code, seed], capture_output=True, text=True, env=env, check=True)
    assert second.stdout.split() == ["0", "False"]


def test_stream_command_scores_each_line(tmp_path: Path) -> None:
    plan = compile_plan(load_ruleset(str(WORKLOAD)))
    row = {r.key: (r.target if r.target is not None else "达成") for r in plan.rows if not r.execution}

    def line(**extra: object) -> str:
        values = {**row, **extra}
        return "{" + ",".join(f'"{k}":' + (json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v))
                              for k, v in values.items()) + "}"

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([line(id="A", budget=100, executed=90, reason=""),
                              line(id="B", budget=100, executed=100, I01=5, reason="原因"),
                              "not json",
                              line(id="C", budget=100, executed=100, I01="五")]) + "\n", encoding="utf-8")
    res = cli("stream", "--ruleset", str(WORKLOAD), "--input", str(src))
    out = [json.loads(text) for text in res.out.splitlines()]
    assert res.code == 1 and "1 行无法读取" in res.err
    assert out[0] == {"id": "A", "total": "99.00"}
    b = {**row, "I01": Decimal(5), "budget": Decimal(100), "executed": Decimal(100), "reason": "原因"}
    assert out[1] == {"id": "B", "total": str(plan.totals([b])[0])}
    assert out[2]["line"] == 3 and "error" in out[2]
    assert out[3]["checked_by"] == "interpreter" and out[3]["total"] == "95.00"
    assert "cannot_compute" in [f["code"] for f in out[3]["findings"]]
    res = cli("stream", "--ruleset", str(WORKLOAD), "--input", str(src), "--explain")
    first = json.loads(res.out.splitlines()[0])
    assert [e["rule"] for e in first["explanations"]] == ["execution"]


def test_python_dash_m_perfrules_is_the_command_line() -> None:
    """``python -m perfrules score`` scores the seed as the ``perfrules`` script does (98.00)."""
    seed = ROOT / "examples" / "2023-dongjiaduan" / "submission.toml"
    done = subprocess.run([sys.executable, "-m", "perfrules", "score", str(seed), "--format", "json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["total"] == "98.00"
