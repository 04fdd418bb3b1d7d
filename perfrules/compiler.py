"""AST → a compiled rule: closures over Decimal, checked once when the ruleset loads.

The compile step is where rule-engine's lesson applies: names, units and types are
checked here, with positions, so that a ruleset that loads cannot fail at scoring
time for a reason its author could have been told about.  The result is a plan of
small closures (no parse trees, no eval/exec) that :meth:`CompiledRule.evaluate`
runs against one row's :class:`Env`.

Types: ``分``-points (分值, 满分, ``5分``), scalars (``80%``, 完成率, 执行率, plain
numbers), quantities in the row's unit (实际值, 目标值, ``5个百分点``) and money
(全年执行数, 全年预算数).  An outcome is points, or a scalar read as a share of 分值.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs

from perfrules import ast
from perfrules.errors import PerfrulesError, did_you_mean
from perfrules.parser import parse_rule

ZERO = Decimal(0)
ONE = Decimal(1)
#: Row formulas run with 28 significant digits; each row's score is then held to 20
#: decimal places, so every later sum and difference (points lost, totals) is exact.
PLACES = Decimal(1).scaleb(-20)
HUNDRED = Decimal(100)


@attrs.frozen
class Type:
    """A dimension: exponents of points (分), the row's unit (指标值) and money (金额).

    分值 × 实际值 ÷ 目标值 is 分·指标值 ÷ 指标值 = 分: checking dimensions rather than
    fixed types lets authors write a formula in the order the documents do.
    """

    points: int = 0
    quantity: int = 0
    money: int = 0

    def __mul__(self, other: Type) -> Type:
        return Type(self.points + other.points, self.quantity + other.quantity, self.money + other.money)

    def __truediv__(self, other: Type) -> Type:
        return Type(self.points - other.points, self.quantity - other.quantity, self.money - other.money)

    @property
    def value(self) -> str:
        """What the dimension is called in messages."""
        named = {Type(): "比例", Type(1): "分", Type(0, 1): "指标值", Type(0, 0, 1): "金额"}
        if self in named:
            return named[self]
        parts = [(n, e) for n, e in (("分", self.points), ("指标值", self.quantity), ("金额", self.money)) if e]
        return "·".join(n if e == 1 else f"{n}^{e}" for n, e in parts)


POINTS, SCALAR, QUANTITY, MONEY = Type(1), Type(), Type(0, 1), Type(0, 0, 1)


#: canonical name → (type, spellings)
NAMES: dict[str, tuple[Type, tuple[str, ...]]] = {
    "actual": (QUANTITY, ("实际值", "实际完成值", "actual")),
    "target": (QUANTITY, ("目标值", "年度指标值", "target")),
    "weight": (POINTS, ("分值", "权重", "weight")),
    "full": (POINTS, ("满分", "full")),
    "zero": (POINTS, ("零分", "zero")),
    "ratio": (SCALAR, ("完成率", "ratio", "completion")),
    "rate": (SCALAR, ("执行率", "预算执行率", "rate")),
    "executed": (MONEY, ("全年执行数", "executed")),
    "budget": (MONEY, ("全年预算数", "budget")),
    "initial_budget": (MONEY, ("年初预算数", "initial_budget")),
    "self_score": (POINTS, ("自评得分", "self_score")),
}
SPELLINGS: dict[str, str] = {word: canon for canon, (_, words) in NAMES.items() for word in words}

#: canonical grade → spellings (财预〔2020〕10号 names, their common variants, ASCII)
DEFAULT_GRADES: dict[str, tuple[str, ...]] = {
    "达成": ("达成", "达成年度指标", "达成预期指标", "已达成", "achieved"),
    "部分达成": ("部分达成", "部分达成年度指标并具有一定效果", "部分达成预期指标并具有一定效果", "partial", "partly_achieved"),
    "未达成": ("未达成", "未完成", "未达成年度指标且效果较差", "未达成预期指标且效果较差", "not_achieved"),
}

FUNCS = {"min": min, "较小值": min, "取小": min, "max": max, "较大值": max, "取大": max}

Fn = Callable[["Env"], Decimal]
Test = Callable[["Env"], bool]


class Env:
    """What a rule sees of one row.  Slots, filled by the interpreter."""

    __slots__ = ("actual", "target", "weight", "executed", "budget", "initial_budget", "self_score",
                 "met", "reason_missing", "grade")

    def __init__(self, weight: Decimal, **values: Any) -> None:
        self.weight = weight
        self.actual: Decimal | None = None
        self.target: Decimal | None = None
        self.executed: Decimal | None = None
        self.budget: Decimal | None = None
        self.initial_budget: Decimal | None = None
        self.self_score: Decimal | None = None
        self.met: bool | None = None
        self.reason_missing = False
        self.grade: str | None = None
        for key, value in values.items():
            setattr(self, key, value)


class MissingInput(Exception):
    """A rule needs a value the row does not have (a text actual for 实际值 …)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


# ----------------------------------------------------------------------- results
@attrs.frozen
class Band:
    low: Decimal  # points
    high: Decimal
    high_closed: bool
    grade: str | None

    def contains(self, points: Decimal) -> bool:
        return self.low <= points and (points <= self.high if self.high_closed else points < self.high)

    def __str__(self) -> str:
        return f"[{_fmt(self.low)}, {_fmt(self.high)}{']' if self.high_closed else ')'}"


@attrs.frozen
class Charge:
    """Points one statement of the rule took: the seed of one explanation entry."""

    points: Decimal
    text: str  # the statement as written in the rule
    detail: str = ""  # 低于目标值 9个百分点，计 1 档 …


@attrs.frozen
class Outcome:
    """What a rule gave one row (before the interpreter clamps and explains)."""

    score: Decimal
    charges: tuple[Charge, ...]  # add up to weight - score
    band: Band | None = None  # set when the score is the unit's own, checked against a band
    grade: str | None = None
    grade_inferred: bool = False
    flags: tuple[str, ...] = ()
    matched: str | None = None  # text of the case that set the base score


# ------------------------------------------------------------------- the program
@attrs.frozen
class _Case:
    test: Test
    points: Fn | None
    low: Fn | None
    high: Fn | None
    high_closed: bool
    grade: str | None  # the grade this case tests, when it is a grade case
    text: str


@attrs.frozen
class _Deduction:
    test: Test | None
    amount: Decimal
    text: str


@attrs.frozen
class _Step:
    below: bool
    step: Decimal
    amount: Decimal
    text: str


@attrs.frozen
class CompiledRule:
    """A rule ready to score rows: cases first-match, then deductions, cap, flags."""

    text: str
    cases: tuple[_Case, ...]
    deductions: tuple[_Deduction, ...]
    steps: tuple[_Step, ...]
    cap: Decimal | None
    flags: tuple[tuple[Test, str], ...]
    uses: frozenset[str]
    graded: bool  # the cases are grade bands: a narrative actual is graded by the unit's score

    @property
    def needs_numbers(self) -> bool:
        return bool(self.uses & {"actual", "target", "ratio"}) or bool(self.steps)

    def evaluate(self, env: Env) -> Outcome:
        weight = env.weight
        base, matched, band, grade, inferred = weight, None, None, env.grade, False
        charges: list[Charge] = []
        case = next((c for c in self.cases if c.test(env)), None)
        if case is None and self.graded and env.self_score is not None:
            case, inferred = self._band_of(env), True
        if case is not None:
            matched = case.text
            grade = case.grade or grade
            if case.points is not None:
                base = _hold(case.points(env))
            else:
                assert case.low is not None and case.high is not None
                band = Band(case.low(env).quantize(PLACES), case.high(env).quantize(PLACES), case.high_closed,
                            case.grade)
                # The unit's own score stands when it lies in the band; otherwise only the
                # band's lower bound is certainly earned (the reviewer re-grades the row).
                inside = env.self_score is not None and band.contains(env.self_score)
                base = env.self_score if inside and env.self_score is not None else band.low
        elif self.cases and not self.deductions and not self.steps:
            raise NoClause()
        if base < weight:
            detail = f"按公式得 {_fmt(base)} 分，低于 0 分，按 0 分计" if base < 0 else ""
            charges.append(Charge(weight - max(base, ZERO), matched or "", detail))
        base = min(max(base, ZERO), weight)
        charges.extend(self._deductions(env, base))
        score = weight - sum((c.points for c in charges), ZERO)
        flags = tuple(text for test, text in self.flags if test(env))
        return Outcome(max(score, ZERO), tuple(charges), band, grade, inferred, flags, matched)

    def _band_of(self, env: Env) -> _Case | None:
        assert env.self_score is not None
        for case in self.cases:
            if case.low is not None and case.high is not None:
                band = Band(case.low(env), case.high(env), case.high_closed, case.grade)
                if band.contains(env.self_score):
                    return case
        return None

    def _deductions(self, env: Env, available: Decimal) -> list[Charge]:
        """Each deduction that applies, cut back by 最多扣 and by the points left."""
        found: list[Charge] = []
        for d in self.deductions:
            if d.test is None or d.test(env):
                found.append(Charge(d.amount, d.text))
        for s in self.steps:
            if env.actual is None or env.target is None:
                raise MissingInput("actual")
            gap = env.target - env.actual if s.below else env.actual - env.target
            count = (gap / s.step).to_integral_value(rounding=ROUND_FLOOR) if gap > 0 else ZERO
            if count > 0:
                found.append(Charge(count * s.amount, s.text, f"{_fmt(gap)} ÷ {_fmt(s.step)} = {count} 档"))
        limit = available if self.cap is None else min(self.cap, available)
        out: list[Charge] = []
        left = limit
        for charge in found:
            take = min(charge.points, left)
            if take <= 0:
                break
            note = charge.detail
            if take < charge.points:
                why = f"最多扣 {_fmt(self.cap)} 分" if self.cap is not None and left < available else "扣至 0 分为止"
                note = f"{note}；应扣 {_fmt(charge.points)} 分，受「{why}」限制实扣 {_fmt(take)} 分".lstrip("；")
            out.append(Charge(take, charge.text, note))
            left -= take
        return out

    def score_only(self, env: Env) -> Decimal:
        """The score without explanation records (the fast path for totals)."""
        return self.evaluate(env).score


def _hold(value: Decimal) -> Decimal:
    """*value* held to 20 places; a value too large for that keeps its digits (it is
    beyond 分值 or below 0 and is clamped next, so the row score stays exact)."""
    if value.adjusted() >= 28 - 20 - 1:  # quantize would need more than 28 digits
        return value
    return value.quantize(PLACES)


class NoClause(Exception):
    """No case of the rule applied to the row and nothing else gives a score."""


# --------------------------------------------------------------------- compiling
def compile_rule(text: str, grades: Mapping[str, tuple[str, ...]] | None = None) -> CompiledRule:
    """Parse and compile a rule text.  Raises PerfrulesError with an offset into it."""
    return _Compiler(text, grades or DEFAULT_GRADES).compile(parse_rule(text))


class _Compiler:
    def __init__(self, text: str, grades: Mapping[str, tuple[str, ...]]) -> None:
        self.text = text
        self.grade_words = {word: canon for canon, words in grades.items() for word in words}
        self.uses: set[str] = set()
        self.last_left: ast.Expr | None = None

    def error(self, message: str, span: ast.Span, suggestion: str | None = None, expected: str | None = None) -> PerfrulesError:
        return PerfrulesError(message, text=self.text, offset=span.start, length=span.end - span.start,
                              suggestion=suggestion, expected=expected, code="rule_check")

    def compile(self, rule: ast.Rule) -> CompiledRule:
        cases: list[_Case] = []
        deductions: list[_Deduction] = []
        steps: list[_Step] = []
        flags: list[tuple[Test, str]] = []
        cap: Decimal | None = None
        seen_otherwise: ast.Span | None = None
        for st in rule.statements:
            src = st.span.text(self.text)
            if seen_otherwise is not None and isinstance(st, (ast.Case, ast.Otherwise, ast.Formula)):
                raise self.error("「否则」之后的条款永远不会生效", st.span, suggestion="把「否则」放在最后一条。")
            if isinstance(st, ast.Case):
                cases.append(self._case(self._condition(st.condition), st.outcome, src, st.condition))
            elif isinstance(st, (ast.Otherwise, ast.Formula)):
                cases.append(self._case(_always, st.outcome, src, None))
                seen_otherwise = st.span
            elif isinstance(st, ast.Deduction):
                test = self._condition(st.condition) if st.condition is not None else None
                deductions.append(_Deduction(test, self._points_amount(st.amount), src))
            elif isinstance(st, ast.StepDeduction):
                steps.append(self._step(st, src))
            elif isinstance(st, ast.DeductionCap):
                if cap is not None:
                    raise self.error("「最多扣」只能写一次", st.span)
                cap = self._points_amount(st.amount)
            else:
                flags.append((self._condition(st.condition), st.flag.message or src))
        graded = bool(cases) and all(c.grade is not None and c.low is not None for c in cases if c.test is not _always)
        if not cases and not deductions and not steps:
            raise self.error("规则没有给出得分的条款", ast.Span(0, len(self.text)),
                             expected="例如：实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值")
        return CompiledRule(self.text, tuple(cases), tuple(deductions), tuple(steps), cap, tuple(flags),
                            frozenset(self.uses), graded)

    # statements ------------------------------------------------------------------
    def _case(self, test: Test, outcome: ast.Outcome, src: str, condition: ast.Condition | None) -> _Case:
        grade = condition.word if isinstance(condition, ast.Grade) else None
        grade = self.grade_words.get(grade, grade) if grade else None
        if isinstance(outcome, ast.Range):
            low, high = self._share_or_points(outcome.low), self._share_or_points(outcome.high)
            self._check_band(outcome)
            return _Case(test, None, low, high, outcome.high_closed, grade, src)
        return _Case(test, self._share_or_points(outcome, check_share=True), None, None, True, grade, src)

    def _check_band(self, band: ast.Range) -> None:
        for bound in (band.low, band.high):
            if isinstance(bound, ast.Num) and bound.unit == "%" and not ZERO <= bound.value <= HUNDRED:
                raise self.error(f"分档比例应在 0 到 100% 之间，实际是 {bound.text}", bound.span)
        if isinstance(band.low, ast.Num) and isinstance(band.high, ast.Num) and band.low.unit == band.high.unit:
            if band.low.value > band.high.value:
                raise self.error("区间下限大于上限", band.span, suggestion="写成 [较小值, 较大值]，例如 [60%, 80%)。")

    def _step(self, st: ast.StepDeduction, src: str) -> _Step:
        self.uses.update({"actual", "target"})
        if st.step.unit in ("分", "%"):
            raise self.error(f"档距「{st.step.text}」的单位不对", st.step.span,
                             suggestion="百分比指标按「个百分点」计档，例如：每低于目标值 5个百分点 扣 1分。")
        if st.step.value <= 0:
            raise self.error("档距必须大于 0", st.step.span)
        return _Step(st.direction == "below", st.step.value, self._points_amount(st.amount), src)

    def _points_amount(self, num: ast.Num) -> Decimal:
        if num.unit not in (None, "分"):
            raise self.error(f"扣分应以「分」计，实际写了「{num.text}」", num.span, suggestion=f"你是否想写「{_fmt(num.value)}分」？")
        return num.value

    def _share_or_points(self, expr: ast.Expr, check_share: bool = False) -> Fn:
        """An outcome: points as they are, a scalar as a share of 分值."""
        fn, const, typ = self._expr(expr)
        if typ == POINTS:
            return fn
        if typ == SCALAR:
            if check_share and const is not None and const > ONE:
                raise self.error(f"得分比例 {_fmt(const * HUNDRED)}% 超过了 100%", expr.span,
                                 suggestion=f"如果是分数，请写成「{_fmt(const)}分」；如果是比例，请写成「{_fmt(const)}%」。")
            return _share(const, fn)
        raise self.error(f"得分应当是分数或比例，这里是{typ.value}", expr.span,
                         suggestion="例如：满分、80%、分值 × 实际值 ÷ 目标值")

    # conditions ------------------------------------------------------------------
    def _condition(self, cond: ast.Condition) -> Test:
        if isinstance(cond, ast.Keyword):
            if cond.kind == "no_reason":
                return _reason_missing
            self.uses.add("met")
            return _met if cond.kind == "met" else _missed
        if isinstance(cond, ast.Grade):
            return self._grade(cond)
        if isinstance(cond, ast.AllOf):
            tests = [self._condition(c) for c in cond.items]
            return lambda e: all(t(e) for t in tests)
        if isinstance(cond, ast.AnyOf):
            tests = [self._condition(c) for c in cond.items]
            return lambda e: any(t(e) for t in tests)
        return self._compare(cond)

    def _grade(self, cond: ast.Grade) -> Test:
        word = cond.word
        if word in SPELLINGS:
            raise self.error(f"「{word}」不是条件", cond.span, suggestion=f"请写成比较，例如：{word} ≥ 目标值")
        canon = self.grade_words.get(word)
        if canon is None:
            pool = [*self.grade_words, *SPELLINGS, "否则", "达标", "未达标", "未填写偏差原因"]
            raise self.error(f"未知的等级或名称「{word}」", cond.span, suggestion=did_you_mean(word, pool),
                             expected="等级（达成、部分达成、未达成）或比较（实际值 ≥ 目标值）")
        return _grade_test(canon)

    def _compare(self, cond: ast.Compare) -> Test:
        left = cond.left if cond.left is not None else self.last_left
        if left is None:
            raise self.error("这一条省略了比较的左边，但前面没有可沿用的比较", cond.span,
                             suggestion="请写完整，例如：完成率 ≥ 90% → 80%")
        self.last_left = left
        lf, lc, lt = self._expr(left)
        rf, rc, rt = self._expr(cond.right)
        if lt != rt:
            raise self.error(f"不能比较{lt.value}和{rt.value}", cond.span,
                             suggestion=_compare_hint(lt, rt))
        op = _COMPARE[cond.op]
        if isinstance(left, ast.Name) and SPELLINGS.get(left.word) == "ratio" and rc is not None:
            return _ratio_test(op, rc)  # 完成率 ≥ 90% as 实际值 ≥ 90% × 目标值: exact, no division
        if rc is not None:
            return lambda e: op(lf(e), rc)
        return lambda e: op(lf(e), rf(e))

    # expressions -----------------------------------------------------------------
    def _expr(self, node: ast.Expr) -> tuple[Fn, Decimal | None, Type]:
        """(closure, constant value if known at load time, type)."""
        if isinstance(node, ast.Num):
            value, typ = _literal(node)
            return (lambda e, v=value: v), value, typ
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Neg):
            fn, const, typ = self._expr(node.operand)
            if const is not None:
                return (lambda e, v=-const: v), -const, typ
            return (lambda e: -fn(e)), None, typ
        if isinstance(node, ast.Call):
            return self._call(node)
        return self._binop(node)

    def _name(self, node: ast.Name) -> tuple[Fn, Decimal | None, Type]:
        canon = SPELLINGS.get(node.word)
        if canon is None:
            raise self.error(f"未知的名称「{node.word}」", node.span,
                             suggestion=did_you_mean(node.word, [*SPELLINGS, *self.grade_words]),
                             expected="满分、分值、实际值、目标值、完成率、执行率 …")
        self.uses.add(canon)
        typ = NAMES[canon][0]
        if canon == "zero":
            return (lambda e: ZERO), ZERO, typ
        if canon in ("full", "weight"):
            return _get("weight"), None, typ
        if canon == "ratio":
            return _ratio, None, typ
        if canon == "rate":
            return _rate, None, typ
        return _get(canon), None, typ

    def _call(self, node: ast.Call) -> tuple[Fn, Decimal | None, Type]:
        func = FUNCS.get(node.func)
        if func is None:  # pragma: no cover - the grammar only lets known names through
            raise self.error(f"未知的函数「{node.func}」", node.span)
        if len(node.args) < 2:
            raise self.error(f"{node.func} 至少需要两个参数", node.span, expected="例如 min(执行率, 100%)")
        parts = [self._expr(a) for a in node.args]
        types = {p[2] for p in parts}
        if len(types) > 1:
            raise self.error(f"{node.func} 的参数类型不一致（{'、'.join(t.value for t in types)}）", node.span)
        fns = [p[0] for p in parts]
        if len(fns) == 2:
            f0, f1 = fns
            return (lambda e: func(f0(e), f1(e))), None, parts[0][2]
        return (lambda e: func(f(e) for f in fns)), None, parts[0][2]

    def _binop(self, node: ast.BinOp) -> tuple[Fn, Decimal | None, Type]:
        lf, lc, lt = self._expr(node.left)
        rf, rc, rt = self._expr(node.right)
        typ = _result_type(node.op, lt, rt)
        if typ is None:
            raise self.error(f"不能对{lt.value}和{rt.value}做「{_OP_WORDS[node.op]}」", node.span,
                             suggestion=_compare_hint(lt, rt))
        op = _OPS[node.op]
        if lc is not None and rc is not None:
            try:
                value = op(lc, rc)
            except ArithmeticError:
                raise self.error("常数运算无法计算（例如除以 0）", node.span) from None
            return (lambda e, v=value: v), value, typ
        return _specialised(node.op, lf, lc, rf, rc), None, typ


# ----------------------------------------------------------------------- helpers
_OPS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_OP_WORDS = {"+": "加", "-": "减", "*": "乘", "/": "除"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "=": operator.eq, "!=": operator.ne}


def _specialised(op: str, lf: Fn, lc: Decimal | None, rf: Fn, rc: Decimal | None) -> Fn:
    """One closure per operator and operand shape: fewer calls per evaluation."""
    if op == "*":
        if rc is not None:
            return lambda e: lf(e) * rc
        if lc is not None:
            return lambda e: lc * rf(e)
        return lambda e: lf(e) * rf(e)
    if op == "/":
        if rc is not None:
            return lambda e: lf(e) / rc
        if lc is not None:
            return lambda e: lc / rf(e)
        return lambda e: lf(e) / rf(e)
    if op == "+":
        if rc is not None:
            return lambda e: lf(e) + rc
        if lc is not None:
            return lambda e: lc + rf(e)
        return lambda e: lf(e) + rf(e)
    if rc is not None:
        return lambda e: lf(e) - rc
    if lc is not None:
        return lambda e: lc - rf(e)
    return lambda e: lf(e) - rf(e)


def _result_type(op: str, left: Type, right: Type) -> Type | None:
    if op in "+-":
        return left if left == right else None
    return left * right if op == "*" else left / right


def _compare_hint(left: Type, right: Type) -> str | None:
    if {left, right} == {QUANTITY, SCALAR}:
        return "实际值、目标值带单位；比例请用 完成率（= 实际值 ÷ 目标值），例如：完成率 ≥ 90%"
    if POINTS in (left, right):
        return "分值、满分 是分数；要按比例给分请写 分值 × 比例，例如 分值 × 实际值 ÷ 目标值"
    return None


def _literal(node: ast.Num) -> tuple[Decimal, Type]:
    unit = node.unit
    if unit == "%":
        return node.value / HUNDRED, SCALAR
    if unit == "分":
        return node.value, POINTS
    if unit is None:
        return node.value, SCALAR
    return node.value, QUANTITY  # 个百分点, 天, 万元 …: in the row's own unit


def _get(name: str) -> Fn:
    getter = operator.attrgetter(name)

    def fetch(e: Env) -> Decimal:
        value = getter(e)
        if value is None:
            raise MissingInput(name)
        return value  # type: ignore[no-any-return]

    return fetch


def _ratio(e: Env) -> Decimal:
    if e.actual is None or e.target is None:
        raise MissingInput("ratio")
    return e.actual / e.target


def _rate(e: Env) -> Decimal:
    if e.executed is None or e.budget is None:
        raise MissingInput("rate")
    return e.executed / e.budget


def _ratio_test(op: Callable[[Any, Any], bool], share: Decimal) -> Test:
    def test(e: Env) -> bool:
        a, t = e.actual, e.target
        if a is None or t is None:
            raise MissingInput("ratio")
        if t > 0:
            return op(a, share * t)
        return op(a / t, share)

    return test


def _share(const: Decimal | None, fn: Fn) -> Fn:
    """A scalar outcome read as a share of 分值."""
    if const is not None:
        return lambda e: e.weight * const
    return lambda e: e.weight * fn(e)


def _grade_test(canon: str) -> Test:
    return lambda e: e.grade == canon


def _always(e: Env) -> bool:
    return True


def _met(e: Env) -> bool:
    if e.met is None:
        raise MissingInput("met")
    return e.met


def _missed(e: Env) -> bool:
    return not _met(e)


def _reason_missing(e: Env) -> bool:
    return e.reason_missing


def _fmt(value: Decimal | None) -> str:
    """A Decimal as people write it: 10 not 1E+1, 0.5 not 0.50000."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


fmt = _fmt
