"""Rule text → AST with lark.  The only module that imports lark (through perfrules.rules.parser,
which imports it only when a rule text is not in the AST cache).

The grammar is a document of its own (``grammar.lark``).  Text is normalised 1:1
first (full-width punctuation → half-width), parsed with an LALR parser built once
per process (and cached on disk by lark), then a Transformer builds the frozen
nodes of :mod:`perfrules.rules.ast`, each with its span.  Lark's exceptions never leave
this module: they become :class:`~perfrules.errors.PerfrulesError` with an offset
into the rule text and what was expected, in Chinese.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import stat
import sys
from decimal import Decimal
from typing import Any

import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from perfrules.rules import ast
from perfrules.errors import PerfrulesError, did_you_mean
from perfrules.limits import MAX_DIGITS, MAX_NESTING, MAX_RULE_DEPTH, MAX_RULE_LENGTH
from perfrules.values import normalize


# What each terminal is called when we say what was expected.
_EXPECTED = {
    "_ARROW": "「→」", "_ELSE": "「否则」", "_EACH": "「每」", "_DEDUCT": "「扣」", "_AT_MOST": "「最多」",
    "_AND": "「且」", "_OR": "「或」", "BELOW_TARGET": "「低于目标值」", "ABOVE_TARGET": "「高于目标值」",
    "MET": "「达标」", "MISSED": "「未达标」", "NO_REASON": "「未填写偏差原因」", "FLAG": "「提示」",
    "FUNC": "min/max", "COMPARATOR": "比较符号（≥ ≤ > < =）", "ADD": "+ 或 -", "MUL": "× 或 ÷",
    "LOWER": "「[」", "UPPER": "「]」", "RPAR": "「)」", "LPAR": "「(」", "COMMA": "「，」", "NUMBER": "数字",
    "UNIT": "单位（% 分 个百分点 …）", "STRING": "「…」括起的文字", "NAME": "名称", "WORD": "名称",
    "_SEP": "「；」", "$END": "规则结束",
}
_PRIORITY = {"WORD": 0, "NAME": 0, "NUMBER": 1, "COMPARATOR": 2, "_ARROW": 3, "_SEP": 4, "$END": 5}
VOCABULARY = ("满分", "分值", "实际值", "目标值", "完成率", "执行率", "全年执行数", "全年预算数", "否则", "达标",
              "未达标", "未填写偏差原因", "每", "低于目标值", "最多", "扣", "提示", "达成", "部分达成", "未达成")


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = importlib.resources.files("perfrules.rules").joinpath("grammar.lark").read_text(encoding="utf-8")
    cache: bool | str = _private_cache(grammar) or False
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False, cache=cache)


def _private_cache(grammar: str) -> str | None:
    """Where lark may cache the built parser, or None (then it is built each run, ~0.1 s).

    lark's ``cache=True`` writes a pickle to a predictable name in the shared temp folder
    and unpickles whatever it finds there: anyone who can write /tmp could make perfrules
    run code.  The cache lives instead in the user's own cache folder (mode 0700), and only
    when that folder is the user's and writable by no one else.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "perfrules")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"grammar-{digest}-lark{lark.__version__}-py{sys.version_info[0]}{sys.version_info[1]}.pickle")


def parse_rule(text: str) -> ast.Rule:
    """Parse one rule text.  Raises PerfrulesError with an offset into *text*."""
    if len(text) > MAX_RULE_LENGTH:
        raise PerfrulesError(f"规则文字过长（{len(text)} 个字符，上限 {MAX_RULE_LENGTH}）", text=text, offset=MAX_RULE_LENGTH)
    _check_nesting(text)
    source = normalize(text)
    try:
        tree = _lark().parse(source)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    _check_depth(tree, text)
    try:
        statements = _Builder().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, PerfrulesError):
            exc.orig_exc.text = text
            raise exc.orig_exc from None
        raise
    return ast.Rule(tuple(statements), text)


def _check_nesting(text: str) -> None:
    depth = 0
    for offset, ch in enumerate(text):
        if ch in "(（[【":
            depth += 1
            if depth > MAX_NESTING:
                raise PerfrulesError(f"括号嵌套过深（上限 {MAX_NESTING} 层）", text=text, offset=offset)
        elif ch in ")）]】":
            depth = max(0, depth - 1)


def _check_depth(tree: Any, text: str) -> None:
    """Refuse trees deeper than MAX_RULE_DEPTH before the recursive Transformer and
    compiler walk them: ``1+1+1+…`` or ``------1`` nest without any bracket."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_RULE_DEPTH:
            meta = getattr(node, "meta", None)
            offset = getattr(node, "start_pos", None) if isinstance(node, Token) else getattr(meta, "start_pos", None)
            raise PerfrulesError(f"规则过于复杂（运算嵌套超过 {MAX_RULE_DEPTH} 层）", text=text,
                                 offset=min(offset or 0, len(text)), code="rule_syntax",
                                 suggestion="请把规则拆成几条较短的条款。")
        stack.extend((child, depth + 1) for child in getattr(node, "children", ()))


def _syntax_error(exc: UnexpectedInput, text: str) -> PerfrulesError:
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    expected: set[str] = set()
    length = 1
    if isinstance(exc, UnexpectedToken):
        expected = set(exc.expected)
        token = exc.token
        if token.type == "$END":
            offset = len(text)
            message = "规则不完整"
        else:
            offset = token.start_pos if token.start_pos is not None else offset
            length = len(str(token))
            shown = str(token)
            message = "此处不应换行" if "\n" in shown and not shown.strip() else f"此处不应出现「{shown}」"
    elif isinstance(exc, UnexpectedCharacters):
        expected = set(exc.allowed or ())
        message = f"无法识别的字符「{text[offset] if offset < len(text) else ''}」"
    elif isinstance(exc, UnexpectedEOF):
        expected = set(exc.expected)
        offset = len(text)
        message = "规则不完整"
    else:  # pragma: no cover - lark has no other kinds
        message = "规则写法有误"
    order = list(_EXPECTED)
    known = sorted((n for n in expected if n in _EXPECTED), key=lambda n: _PRIORITY.get(n, 50 + order.index(n)))
    names = list(dict.fromkeys(_EXPECTED[n] for n in known))
    word = text[offset : offset + length].strip()
    suggestion = did_you_mean(word, VOCABULARY) if word and not word.isdigit() else None
    if offset < len(text) and text[offset] in "=＝" and "_ARROW" in expected:
        suggestion = "条件与得分之间用「→」连接，例如：实际值 ≥ 目标值 → 满分"
    return PerfrulesError(
        message,
        text=text,
        offset=min(offset, len(text)),
        length=length,
        expected="、".join(names[:8]) or None,
        suggestion=suggestion,
        code="rule_syntax",
    )


def _span(meta: Any) -> ast.Span:
    return ast.Span(meta.start_pos, meta.end_pos)


def _tok_span(tok: Token) -> ast.Span:
    start = tok.start_pos or 0
    return ast.Span(start, tok.end_pos if tok.end_pos is not None else start + len(tok))


@v_args(meta=True)
class _Builder(Transformer[Token, list[ast.Statement]]):
    """Parse tree → AST nodes.  Method names are the grammar's aliases."""

    def start(self, meta: Any, children: list[ast.Statement]) -> list[ast.Statement]:
        return children

    # statements
    def case(self, meta: Any, ch: list[Any]) -> ast.Statement:
        condition, outcome = ch
        if isinstance(outcome, _Deduct):
            return ast.Deduction(condition, outcome.amount, _span(meta))
        if isinstance(outcome, ast.Flag):
            return ast.FlagStatement(condition, outcome, _span(meta))
        return ast.Case(condition, outcome, _span(meta))

    def otherwise(self, meta: Any, ch: list[Any]) -> ast.Statement:
        if isinstance(ch[0], (_Deduct, ast.Flag)):
            raise PerfrulesError("「否则」之后应当是得分，而不是扣分或提示", offset=meta.start_pos, length=meta.end_pos - meta.start_pos)
        return ast.Otherwise(ch[0], _span(meta))

    def deduction(self, meta: Any, ch: list[Any]) -> ast.Deduction:
        return ast.Deduction(ch[0], ch[1].amount, _span(meta))

    def deduction_always(self, meta: Any, ch: list[Any]) -> ast.Deduction:
        return ast.Deduction(None, ch[0].amount, _span(meta))

    def step_deduction(self, meta: Any, ch: list[Any]) -> ast.StepDeduction:
        (direction, step), deduct = ch
        return ast.StepDeduction(direction, step, deduct.amount, _span(meta))

    def deduction_cap(self, meta: Any, ch: list[Any]) -> ast.DeductionCap:
        return ast.DeductionCap(ch[0].amount, _span(meta))

    def deduction_cap_en(self, meta: Any, ch: list[Any]) -> ast.DeductionCap:
        return ast.DeductionCap(ch[0], _span(meta))

    def formula(self, meta: Any, ch: list[Any]) -> ast.Formula:
        return ast.Formula(ch[0], _span(meta))

    def step(self, meta: Any, ch: list[Any]) -> tuple[str, ast.Num]:
        direction = next(c for c in ch if isinstance(c, str))
        number = next(c for c in ch if isinstance(c, ast.Num))
        return direction, number

    def below(self, meta: Any, ch: list[Any]) -> str:
        return "below"

    def above(self, meta: Any, ch: list[Any]) -> str:
        return "above"

    # outcomes
    def deduct(self, meta: Any, ch: list[Any]) -> _Deduct:
        return _Deduct(ch[0])

    def flag(self, meta: Any, ch: list[Any]) -> ast.Flag:
        message = str(ch[1])[1:-1] if len(ch) > 1 else None
        return ast.Flag(message, _span(meta))

    def range(self, meta: Any, ch: list[Any]) -> ast.Range:
        _, low, high, upper = ch
        return ast.Range(low, high, str(upper) in ("]", "】"), _span(meta))

    # conditions
    def any_of(self, meta: Any, ch: list[Any]) -> ast.AnyOf:
        items = [*(ch[0].items if isinstance(ch[0], ast.AnyOf) else [ch[0]]), ch[1]]
        return ast.AnyOf(tuple(items), _span(meta))

    def all_of(self, meta: Any, ch: list[Any]) -> ast.AllOf:
        items = [*(ch[0].items if isinstance(ch[0], ast.AllOf) else [ch[0]]), ch[1]]
        return ast.AllOf(tuple(items), _span(meta))

    def compare(self, meta: Any, ch: list[Any]) -> ast.Compare:
        return ast.Compare(_comparator(ch[1]), ch[0], ch[2], _span(meta))

    def compare_short(self, meta: Any, ch: list[Any]) -> ast.Compare:
        return ast.Compare(_comparator(ch[0]), None, ch[1], _span(meta))

    def met(self, meta: Any, ch: list[Any]) -> ast.Keyword:
        return ast.Keyword("met", _span(meta))

    def missed(self, meta: Any, ch: list[Any]) -> ast.Keyword:
        return ast.Keyword("missed", _span(meta))

    def no_reason(self, meta: Any, ch: list[Any]) -> ast.Keyword:
        return ast.Keyword("no_reason", _span(meta))

    def grade(self, meta: Any, ch: list[Any]) -> ast.Grade:
        return ast.Grade(str(ch[0])[1:-1], _span(meta))

    def bare(self, meta: Any, ch: list[Any]) -> ast.Condition:
        node = ch[0]
        if isinstance(node, ast.Name):
            return ast.Grade(node.word, node.span)
        raise PerfrulesError("这里应当是条件（例如 实际值 ≥ 目标值），而不是算式", offset=meta.start_pos,
                             length=meta.end_pos - meta.start_pos, code="rule_syntax")

    # expressions
    def binop(self, meta: Any, ch: list[Any]) -> ast.BinOp:
        op = {"×": "*", "·": "*", "÷": "/"}.get(str(ch[1]), str(ch[1]))
        return ast.BinOp(op, ch[0], ch[2], _span(meta))

    def neg(self, meta: Any, ch: list[Any]) -> ast.Expr:
        operand: ast.Expr = ch[1]
        return operand if str(ch[0]) == "+" else ast.Neg(operand, _span(meta))

    def atom(self, meta: Any, ch: list[Any]) -> ast.Expr:
        inner: ast.Expr = ch[0]  # "(" expr ")": the parentheses only group
        return inner

    def name(self, meta: Any, ch: list[Any]) -> ast.Name:
        return ast.Name(str(ch[0]), _tok_span(ch[0]))

    def call(self, meta: Any, ch: list[Any]) -> ast.Call:
        args = tuple(c for c in ch[1:] if not isinstance(c, Token))
        return ast.Call(str(ch[0]), args, _span(meta))

    def number(self, meta: Any, ch: list[Any]) -> ast.Num:
        if len(str(ch[0]).replace(".", "")) > MAX_DIGITS:
            raise PerfrulesError(f"数字过长（超过 {MAX_DIGITS} 位）", offset=meta.start_pos, length=len(str(ch[0])),
                                 code="rule_syntax")
        unit = str(ch[1]) if len(ch) > 1 else None
        text = str(ch[0]) + (unit or "")
        return ast.Num(Decimal(str(ch[0])), unit, text, _span(meta))


class _Deduct:
    """扣 N分 while building: becomes a Deduction, never part of the AST."""

    def __init__(self, amount: ast.Num) -> None:
        self.amount = amount


def _comparator(tok: Any) -> str:
    return {"≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=", "≠": "!=", "==": "="}.get(str(tok), str(tok))
