"""Which ruleset a submission needs: selection by 辖区, 年度 and 类型, the national
fallback, and the jurisdiction a table names when it does not say.

Only ``id``, ``jurisdiction``, ``year``, ``kind`` and ``places`` are read here to choose;
the chosen ruleset is built by :mod:`perfrules.ruleset.loader`.  Where ruleset files are is
:mod:`perfrules.ruleset.files` (its names are re-exported here and by the loader).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import attrs

from perfrules.errors import PerfrulesError, Position
from perfrules.explain import Finding
from perfrules.ruleset.loader import load_ruleset
from perfrules.ruleset.model import Ruleset
from perfrules.ruleset.files import bundled_dir, is_ruleset_file, resolve_ruleset_path, ruleset_files, ruleset_index

__all__ = ["PROVINCES", "Selection", "bundled_dir", "choose_ruleset", "guess_jurisdiction", "is_ruleset_file",
           "resolve_ruleset_path", "ruleset_files", "ruleset_index", "select_ruleset"]


@attrs.frozen
class _Candidate:
    id: str
    jurisdiction: tuple[str, ...]
    year: int | None
    kinds: tuple[str, ...] = ()  # as the file itself says (kind = …); inherited kinds are not read here
    places: tuple[str, ...] = ()  # names that identify its jurisdiction (cities, counties)


@functools.lru_cache(maxsize=8)
def _candidates(search: tuple[str, ...]) -> tuple[_Candidate, ...]:
    """Each known ruleset's id, jurisdiction, year, kinds and places (read once per process)."""
    from perfrules.tomlsource import tomllib  # tomli where installed: the parser load_toml uses

    found = []
    for rid, path in ruleset_index(search).items():
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        year = data.get("year")
        parts = tuple(p for p in str(data.get("jurisdiction", "")).split("/") if p)
        kind = data.get("kind", ())
        kinds = (kind,) if isinstance(kind, str) else tuple(k for k in kind if isinstance(k, str))
        places = tuple(p for p in data.get("places", ()) if isinstance(p, str) and len(p) >= 2)
        found.append(_Candidate(rid, parts, year if isinstance(year, int) else None, kinds, places))
    return tuple(found)


# The provinces by the names tables print (湖南省, 湖南, 宁夏回族自治区 …): enough to say
# which province a table is from when no bundled ruleset knows its city or county.
PROVINCES = ("北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
             "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
             "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
             "宁夏回族自治区", "新疆维吾尔自治区")
_SHORT = {p: p[:3] if p.startswith(("内蒙古", "黑龙江")) else p[:2] for p in PROVINCES}


def guess_jurisdiction(texts: list[str], search: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """A jurisdiction path read from what a table prints (unit, 主管部门, title …):
    (path, the word found), or None.  The most specific bundled ruleset whose
    jurisdiction or places are named wins; else a province named in the text."""
    text = " ".join(texts)
    best: tuple[int, tuple[str, ...], str] | None = None
    for c in _candidates(search):
        if not c.jurisdiction:
            continue
        words = [c.jurisdiction[-1], *c.places]
        if len(c.jurisdiction[-1]) >= 3 and c.jurisdiction[-1][-1] in "省市区县":
            words.append(c.jurisdiction[-1][:-1])  # 芦淞区 is printed 芦淞 too
        word = next((w for w in words if len(w) >= 2 and w in text), None)
        if word is not None and (best is None or len(c.jurisdiction) > best[0]):
            best = (len(c.jurisdiction), c.jurisdiction, word)
    if best is not None:
        return "/".join(best[1]), best[2]
    for province in PROVINCES:
        for word in (province, _SHORT[province]):
            if word in text:
                return province, word
    return None


@attrs.frozen
class Selection:
    """Which ruleset scores a submission, why, and what the report must say about it
    (a fallback to the national rules, a kind the local ruleset does not serve)."""

    ruleset: Ruleset
    why: str
    notes: tuple[str, ...] = ()  # what the report must say (a fallback, a local ruleset of another kind)
    fallback: bool = False  # no bundled ruleset for the 辖区: level weights are the table's own

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The notes as info findings, for :func:`perfrules.scoring.interpreter.score`."""
        code = "ruleset_fallback" if self.fallback else "ruleset_choice"
        return tuple(Finding("info", code, note) for note in self.notes)


def choose_ruleset(submission: Any, search: tuple[str, ...] = ()) -> Selection:
    """The ruleset for a submission's 辖区, 年度 and 类型: the most local jurisdiction that
    contains it and serves its kind, then the latest year not after the submission's.
    Never strands a user: without any, the national ruleset of that year (or the
    nearest earlier, else the earliest) scores it, and the notes say so."""
    parts = tuple(p for p in str(submission.jurisdiction).split("/") if p)
    year, kind = submission.year, str(submission.kind or "")
    source = submission.extra.get("辖区来源") or (f"辖区「{submission.jurisdiction}」" if parts else "表中没有写辖区")
    if not parts:  # read it from what the table prints: unit, 主管部门, 项目名称, title …
        printed = [submission.unit, *getattr(submission, "header", {}).values(), *submission.extra.values()]
        guess = guess_jurisdiction(printed, search)
        if guess is not None:
            parts = tuple(guess[0].split("/"))
            source = f"文件未写辖区，按文中出现的「{guess[1]}」推定为{guess[0]}"
    notes: list[str] = []
    local = [c for c in _candidates(search) if c.jurisdiction and c.jurisdiction != ("全国",)
             and parts[: len(c.jurisdiction)] == c.jurisdiction]
    dated = [c for c in local if year is None or c.year is None or c.year <= year]
    for c in sorted(dated, key=lambda c: (-len(c.jurisdiction), -(c.year or 0))):
        if c.kinds and kind and kind not in c.kinds:
            notes.append(f"规则集 {c.id} 只适用于{'、'.join(c.kinds)}，本表类型为{kind}，不用它")
            continue
        why = f"{source}，年度 {year or '未写'}，类型 {kind or '未写'} → {c.id}"
        return Selection(load_ruleset(c.id, search), why, tuple(notes))
    national = [c for c in _candidates(search) if c.jurisdiction == ("全国",)]
    if not national:
        raise PerfrulesError("没有可用的全国规则集", code="ruleset_missing", position=Position(file=submission.source),
                             suggestion="请用 --ruleset 指定规则集（perfrules ruleset list 可列出全部）。")
    earlier = [c for c in national if year is None or c.year is None or c.year <= year]
    best = max(earlier, key=lambda c: c.year or 0) if earlier else min(national, key=lambda c: c.year or 0)
    where = "/".join(parts) if parts else "未写辖区"
    if local and not dated:
        notes.append(f"辖区「{where}」的规则集都晚于 {year} 年度")
    notes.append(f"没有适用于「{where}」{year or ''}年度{kind}的本地规则集，改用全国规则集 {best.id}"
                 f"（{best.year} 年{'，早于表的年度' if year and best.year and best.year < year else ''}"
                 f"{'，晚于表的年度' if year and best.year and best.year > year else ''}）；一级指标分值按表中所填计，不折算")
    why = f"{source}，年度 {year or '未写'} → 全国规则集 {best.id}"
    return Selection(load_ruleset(best.id, search), why, tuple(notes), fallback=True)


def select_ruleset(submission: Any, search: tuple[str, ...] = ()) -> tuple[Ruleset, str]:
    """(ruleset, why): :func:`choose_ruleset` without its notes."""
    chosen = choose_ruleset(submission, search)
    return chosen.ruleset, chosen.why
