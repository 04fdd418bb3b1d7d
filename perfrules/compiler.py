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
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Any, NamedTuple

import attrs

from perfrules import ast
from perfrules.errors import PerfrulesError, did_you_mean
from perfrules.parser import parse_rule
from perfrules.values import squash
from perfrules.words import fmt

_fmt = fmt  # the name the compiler's messages use

ZERO = Decimal(0)
ONE = Decimal(1)
#: Row formulas run with 28 significant digits (the interpreter's CONTEXT); what is
#: added up or taken away afterwards (points lost, deductions, totals) goes through
#: EXACT, wide enough that no sum or difference of scores is ever rounded.
PLACES = Decimal(1).scaleb(-20)  # level-weight scale factors are held to this
EXACT = Context(prec=100)
#: The whole number of steps in a gap (每低于目标值 5个百分点): rounded down, as a context
#: method (five times cheaper than to_integral_value(rounding=…) per row).
floor = Context(rounding=ROUND_FLOOR).to_integral_value
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

# A closure reads an Env (a row of a submission) or, compiled for a form row, the
# submission's input mapping (see RowBinding): Any, so one compiler builds both.
Fn = Callable[[Any], Decimal]
Test = Callable[[Any], bool]


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


class Charge(NamedTuple):
    """Points one statement of the rule took: the seed of one explanation entry.

    A named tuple, built with ``tuple.__new__`` where rows are explained in bulk."""

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
    points_const: Decimal | None = None  # the points when known at load time (bound rows)


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
    step_text: str = attrs.field(init=False, default=attrs.Factory(lambda s: _fmt(s.step), takes_self=True))


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
    warnings: tuple[PerfrulesError, ...] = attrs.field(default=(), eq=False)
    # What compile_row needs to compile the rule again for one row, without parsing it again.
    source: ast.Rule | None = attrs.field(default=None, eq=False, repr=False)
    grades: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, eq=False, repr=False)

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
                base = _held(case.points(env), weight)
            else:
                assert case.low is not None and case.high is not None
                band = Band(_held(case.low(env), weight), _held(case.high(env), weight), case.high_closed, case.grade)
                # The unit's own score stands when it lies in the band; otherwise only the
                # band's lower bound is certainly earned (the reviewer re-grades the row).
                inside = env.self_score is not None and band.contains(env.self_score)
                base = env.self_score if inside and env.self_score is not None else band.low
        elif self.cases and not self.deductions and not self.steps:
            raise NoClause()
        if base < weight:
            charges.append(Charge(EXACT.subtract(weight, max(base, ZERO)), matched or ""))
        base = clamp(base, weight)
        taken = self._deductions(env, base)
        charges.extend(taken)
        score = EXACT.subtract(base, _exact_sum(c.points for c in taken)) if taken else base
        flags = tuple(text for test, text in self.flags if test(env))
        return Outcome(score, tuple(charges), band, grade, inferred, flags, matched)

    def _band_of(self, env: Env) -> _Case | None:
        assert env.self_score is not None
        for case in self.cases:
            if case.low is not None and case.high is not None:
                band = Band(case.low(env), case.high(env), case.high_closed, case.grade)
                if band.contains(env.self_score):
                    return case
        return None

    def _deductions(self, env: Any, available: Decimal, actual: Decimal | None = None,
                    target: Decimal | None = None) -> list[Charge]:
        """Each deduction that applies, cut back by 最多扣 and by the points left.

        *env* is what the tests read: an :class:`Env`, or a row's input mapping when the
        rule was compiled for one row (then *actual* and *target* are passed in)."""
        if env.__class__ is Env:
            actual, target = env.actual, env.target
        found: list[tuple[Decimal, str, str]] = []  # (points, statement, detail) before the cap
        for d in self.deductions:
            test = d.test
            if test is None or test(env):
                found.append((d.amount, d.text, ""))
        if self.steps:
            if actual is None or target is None:
                raise MissingInput("actual")
            for s in self.steps:
                gap = target - actual if s.below else actual - target
                if gap > 0:
                    count = floor(gap / s.step)
                    if count > 0:
                        found.append((count * s.amount, s.text, step_note(gap, s.step_text, count)))
        if not found:
            return []
        cap = self.cap
        left = available if cap is None or available < cap else cap  # min(cap, available)
        out: list[Charge] = []
        for points, text, note in found:
            take = points if points <= left else left
            if take <= 0:
                continue  # nothing left to take (or 扣 0分): no entry
            if take < points:
                note = capped_note(note, points, take, cap, left, available)
            out.append(_charge(Charge, (take, text, note)))
            left = EXACT.subtract(left, take)
        return out

    def score_only(self, env: Env) -> Decimal:
        """The score without explanation records (the fast path for totals)."""
        return self.evaluate(env).score


_charge = tuple.__new__  # Charge(...) without its keyword-checking __new__


def step_note(gap: Decimal, step_text: str, count: Decimal) -> str:
    """How many steps a gap makes: 15.3 ÷ 5 = 3 档."""
    return f"{_fmt(gap)} ÷ {step_text} = {count} 档"


def capped_note(note: str, points: Decimal, take: Decimal, cap: Decimal | None, left: Decimal,
                available: Decimal) -> str:
    """A charge cut back: what was due, what stopped it (最多扣, or the points left), what was taken."""
    why = f"最多扣 {_fmt(cap)} 分" if cap is not None and left < available else "扣至 0 分为止"
    return f"{note}；应扣 {_fmt(points)} 分，受「{why}」限制实扣 {_fmt(take)} 分".lstrip("；")


class NoClause(Exception):
    """No case of the rule applied to the row and nothing else gives a score."""


# --------------------------------------------------------------------- compiling
def compile_rule(text: str, grades: Mapping[str, tuple[str, ...]] | None = None) -> CompiledRule:
    """Parse and compile a rule text.  Raises PerfrulesError with an offset into it."""
    return _Compiler(text, grades or DEFAULT_GRADES).compile(parse_rule(text))


class _Compiler:
    def __init__(self, text: str, grades: Mapping[str, tuple[str, ...]], binding: RowBinding | None = None) -> None:
        self.text = text
        self.grades = grades
        self.grade_words = {word: canon for canon, words in grades.items() for word in words}
        self.uses: set[str] = set()
        self.last_left: ast.Expr | None = None
        self.last_key = ""
        self.thresholds: list[tuple[str, str, Decimal, ast.Span]] = []  # (left side, op, value, where)
        self.bands: list[tuple[Decimal, Decimal, bool, ast.Span]] = []
        self.warnings: list[PerfrulesError] = []
        self.binding = binding  # set: the row's constants are known, closures read its input mapping
        self.leaves: dict[Fn, str] = {}  # closures that are just x[key]: fused into their parent
        self.leaf_tests: dict[Test, tuple[str, str, Decimal]] = {}  # x[key] op const: (op, key, const)
        self.chains: dict[Fn, tuple[str, tuple[Callable[[Any], Any], ...]]] = {}  # x[key] then const ops

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
        self._check_thresholds()
        if graded:
            self._check_grade_bands()
        if (deductions or steps) and cap is None:
            self.warnings.append(self.error("扣分没有上限：扣分合计可能超过该行分值（超出部分不计，扣至 0 分为止）",
                                            ast.Span(0, len(self.text)), suggestion="可加一句「最多扣 N分」。"))
        if not cases and not deductions and not steps:
            raise self.error("规则没有给出得分的条款", ast.Span(0, len(self.text)),
                             expected="例如：实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值")
        return CompiledRule(self.text, tuple(cases), tuple(deductions), tuple(steps), cap, tuple(flags),
                            frozenset(self.uses), graded, tuple(self.warnings), rule, self.grades)

    def _check_thresholds(self) -> None:
        """完成率 ≥ 100% → …；≥ 90% → …: each band's threshold must be below the last."""
        for (k1, op1, v1, span1), (k2, op2, v2, span) in zip(self.thresholds, self.thresholds[1:]):
            if k1 != k2 or op1 != op2:
                continue
            if op1 in (">=", ">") and v2 >= v1 or op1 in ("<=", "<") and v2 <= v1:
                order = "从高到低" if op1 in (">=", ">") else "从低到高"
                this, last = " ".join(span.text(self.text).split()), " ".join(span1.text(self.text).split())
                raise self.error(f"这一档永远不会生效：「{this}」已被上一档「{last}」包含", span,
                                 suggestion=f"分档应{order}排列。")

    def _check_grade_bands(self) -> None:
        """达成 [80%, 100%]；部分达成 [60%, 80%)；未达成 [0, 60%): no gap, no overlap."""
        bands = sorted(self.bands, key=lambda b: b[0])
        if not bands:
            return
        for (low1, high1, closed1, span), (low2, high2, closed2, _) in zip(bands, bands[1:]):
            if high1 > low2 or (high1 == low2 and closed1):
                raise self.error("分档区间重叠", span, suggestion="相邻档应首尾相接，例如 [60%, 80%) 与 [80%, 100%]。")
            if high1 < low2:
                raise self.error(f"分档区间之间有空档（{_fmt(high1 * HUNDRED)}% 到 {_fmt(low2 * HUNDRED)}%）", span,
                                 suggestion="相邻档应首尾相接，例如 [60%, 80%) 与 [80%, 100%]。")
        low, top = bands[0], bands[-1]
        if low[0] != ZERO:
            self.warnings.append(self.error("最低一档不从 0 开始", low[3]))
        if top[1] != ONE or not top[2]:
            self.warnings.append(self.error("最高一档不含满分（应为 …, 100%]）", top[3]))

    # statements ------------------------------------------------------------------
    def _case(self, test: Test, outcome: ast.Outcome, src: str, condition: ast.Condition | None) -> _Case:
        grade = condition.word if isinstance(condition, ast.Grade) else None
        grade = self.grade_words.get(grade, grade) if grade else None
        if isinstance(outcome, ast.Range):
            if self.binding is not None:
                raise NotSpecialisable("a self-assessed band needs the unit's own score")
            low, high = self._share_or_points(outcome.low)[0], self._share_or_points(outcome.high)[0]
            self._check_band(outcome)
            if grade is not None and isinstance(outcome.low, ast.Num) and isinstance(outcome.high, ast.Num) \
                    and outcome.low.unit in ("%", None) and outcome.high.unit in ("%", None):
                lo, hi = _literal(outcome.low)[0], _literal(outcome.high)[0]
                self.bands.append((lo, hi, outcome.high_closed, outcome.span))
            return _Case(test, None, low, high, outcome.high_closed, grade, src)
        points, const = self._share_or_points(outcome, check_share=True)
        return _Case(test, points, None, None, True, grade, src, const)

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

    def _share_or_points(self, expr: ast.Expr, check_share: bool = False) -> tuple[Fn, Decimal | None]:
        """An outcome: points as they are, a scalar as a share of 分值.  With the row's
        分值 bound, a constant share is folded to its points here (分值 × 80%, once)."""
        fn, const, typ = self._expr(expr)
        if typ == POINTS:
            return fn, const
        if typ == SCALAR:
            if check_share and const is not None and const > ONE:
                raise self.error(f"得分比例 {_fmt(const * HUNDRED)}% 超过了 100%", expr.span,
                                 suggestion=f"如果是分数，请写成「{_fmt(const)}分」；如果是比例，请写成「{_fmt(const)}%」。")
            if self.binding is not None:
                weight = self.binding.weight
                if const is not None:
                    points = weight * const
                    return (lambda e: points), points
                return _const_op("*", weight, fn, left=True), None
            return _share(const, fn), None
        raise self.error(f"得分应当是分数或比例，这里是{typ.value}", expr.span,
                         suggestion="例如：满分、80%、分值 × 实际值 ÷ 目标值")

    # conditions ------------------------------------------------------------------
    def _condition(self, cond: ast.Condition) -> Test:
        if isinstance(cond, ast.Keyword):
            if cond.kind == "no_reason":
                self.uses.add("reason")
                return _reason_missing if self.binding is None else _bound_reason_missing(self.binding)
            self.uses.add("met")
            if self.binding is not None:
                return _bound_met(self.binding, cond.kind == "met")
            return _met if cond.kind == "met" else _missed
        if isinstance(cond, ast.Grade):
            return self._grade(cond)
        if isinstance(cond, ast.AllOf):
            tests = [self._condition(c) for c in cond.items]
            if len(tests) == 2:
                t0, t1 = tests
                return lambda e: t0(e) and t1(e)
            return lambda e: all(t(e) for t in tests)
        if isinstance(cond, ast.AnyOf):
            tests = [self._condition(c) for c in cond.items]
            if len(tests) == 2:
                t0, t1 = tests
                return lambda e: t0(e) or t1(e)
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
        if self.binding is not None:
            return _bound_grade_test(canon, self.binding.key, self.grade_words)
        return _grade_test(canon)

    def _compare(self, cond: ast.Compare) -> Test:
        left = cond.left if cond.left is not None else self.last_left
        key = self.last_key if cond.left is None else " ".join(cond.left.span.text(self.text).split())
        self.last_key = key
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
        if rc is not None:
            self.thresholds.append((key, cond.op, rc, cond.span))
        if isinstance(left, ast.Name) and SPELLINGS.get(left.word) == "ratio" and rc is not None:
            if self.binding is not None:
                return self._bound_ratio_test(cond.op, rc)
            return _ratio_test(op, rc)  # 完成率 ≥ 90% as 实际值 ≥ 90% × 目标值: exact, no division
        if rc is not None:
            if lf in self.leaves:
                return self._leaf_test(cond.op, self.leaves[lf], rc)
            return lambda e: op(lf(e), rc)
        return lambda e: op(lf(e), rf(e))

    def _bound_ratio_test(self, op: str, share: Decimal) -> Test:
        """完成率 ≥ 90% with 目标值 known: the threshold 90% × 目标值 is computed once, here."""
        assert self.binding is not None
        target = self.binding.target
        if target is None:
            raise NotSpecialisable("完成率 needs a numeric target")
        if target > 0:
            return self._leaf_test(op, self.binding.key, share * target)
        key, compare = self.binding.key, _COMPARE[op]
        return lambda x: compare(x[key] / target, share)

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
        if self.binding is not None:
            return self._bound_name(canon, typ)
        if canon == "zero":
            return (lambda e: ZERO), ZERO, typ
        if canon in ("full", "weight"):
            return _get("weight"), None, typ
        if canon == "ratio":
            return _ratio, None, typ
        if canon == "rate":
            return _rate, None, typ
        return _get(canon), None, typ

    def _bound_name(self, canon: str, typ: Type) -> tuple[Fn, Decimal | None, Type]:
        """A name when the row is known: 分值 and 目标值 are constants, the rest read the input."""
        b = self.binding
        assert b is not None
        if canon == "zero":
            return (lambda x: ZERO), ZERO, typ
        if canon in ("full", "weight"):
            weight = b.weight
            return (lambda x: weight), weight, typ
        if canon == "target":
            target = b.target
            if target is None:
                raise NotSpecialisable("目标值 is not a number")
            return (lambda x: target), target, typ
        if canon == "ratio":
            if b.target is None:
                raise NotSpecialisable("完成率 needs a numeric target")
            return _const_op("/", b.target, self._leaf(b.key), left=False), None, typ
        if canon == "rate":
            return _bound_rate(b.inputs["executed"], b.inputs["budget"]), None, typ
        if canon == "actual":
            return self._leaf(b.key), None, typ
        if canon in b.inputs:
            return self._leaf(b.inputs[canon]), None, typ
        raise NotSpecialisable(f"{canon} is not an input of a form row")

    def _chain(self, op: str, const: Decimal, fn: Fn, left: bool) -> Fn:
        """``fn op const`` when *fn* reads one input through constant operations only:
        ``分值 × (1 − (实际值 − 目标值) ÷ 目标值)`` becomes x[key] passed through four bound
        Decimal methods (``t.__rsub__`` is ``v − t``), one closure instead of four."""
        steps: tuple[Callable[[Any], Any], ...] = ()
        if fn in self.leaves:
            key = self.leaves[fn]
        elif fn in self.chains:
            key, steps = self.chains[fn]
        else:
            return _const_op(op, const, fn, left)
        method_name = _DUNDERS[op] if left else _RDUNDERS[op]
        steps = (*steps, getattr(const, method_name))
        chain = _chain_fn(key, steps)
        self.chains[chain] = (key, steps)
        return chain

    def _leaf_test(self, op: str, key: str, const: Decimal) -> Test:
        test = _LEAF_COMPARE[op](key, const)
        self.leaf_tests[test] = (op, key, const)
        return test

    def _leaf(self, key: str) -> Fn:
        def leaf(x: Any) -> Decimal:
            return x[key]  # type: ignore[no-any-return]

        self.leaves[leaf] = key
        return leaf

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
        if len(fns) == 2 and parts[1][1] is not None and parts[0][1] is None:
            return _min_max_const(func is min, fns[0], parts[1][1]), None, parts[0][2]
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
        if self.binding is not None:
            if rc is not None:
                return self._chain(node.op, rc, lf, left=False), None, typ
            if lc is not None:
                return self._chain(node.op, lc, rf, left=True), None, typ
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


def _held(raw: Decimal, weight: Decimal) -> Decimal:
    """A formula's points, bounded: far outside [0, 分值] only the sign matters."""
    if raw > weight:
        return weight
    if raw < -weight:
        return -weight - ONE  # still negative: the caller notes it and counts 0
    return raw


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


# ------------------------------------------------------------ rules bound to a row
class NotSpecialisable(Exception):
    """The rule needs something a form row cannot bind (the unit's own score, a band …):
    the row is then scored through :meth:`CompiledRule.evaluate` like any other."""


#: Where a bound rule reads the submission-level inputs in the row's input mapping.
DEFAULT_INPUTS: Mapping[str, str] = {"executed": "executed", "budget": "budget",
                                     "initial_budget": "initial_budget", "reason": "reason"}


@attrs.frozen
class RowBinding:
    """What is known of a form row before any submission: its key, 分值 and 目标值.

    The row's actual is read as ``x[key]`` from the submission's input mapping *x*;
    全年执行数 / 全年预算数 and 偏差原因 under the names in *inputs*.  偏差原因 may be one
    text for every row or a mapping row key → text."""

    key: str
    weight: Decimal
    target: Decimal | None = None
    comparator: str | None = None  # the target's sign: how 达标 is judged (None: ≥)
    inputs: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_INPUTS))


def _exact_sum(values: Iterable[Decimal]) -> Decimal:
    total = ZERO
    for value in values:
        total = EXACT.add(total, value)
    return total


exact_sum = _exact_sum


def clamp(points: Decimal, weight: Decimal) -> Decimal:
    """A case's points inside [0, 分值], as min(max(points, 0), 分值): a negative growth
    rate scores 0 and loses exactly 分值, never more."""
    if points < ZERO:
        return ZERO
    if weight < points:
        return weight
    return points


def _word_map(grades: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Squashed spelling → canonical grade, as the interpreter reads a grade cell."""
    return {squash(w): canon for canon, words in grades.items() for w in words}


def _exact_words(grades: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Spellings as written → the grade their squashed form reads as (so the two agree)."""
    squashed = _word_map(grades)
    return {w: squashed[squash(w)] for words in grades.values() for w in words}


def _grade_reader(squashed: Mapping[str, str]) -> Callable[[Any], str | None]:
    def canon(word: Any) -> str | None:
        return squashed.get(squash(word)) if isinstance(word, str) else None

    return canon


_LEAF_OPS: dict[str, Callable[[str, Decimal], Fn]] = {
    "+": lambda k, c: lambda x: x[k] + c, "-": lambda k, c: lambda x: x[k] - c,
    "*": lambda k, c: lambda x: x[k] * c, "/": lambda k, c: lambda x: x[k] / c}
_LEAF_OPS_LEFT: dict[str, Callable[[str, Decimal], Fn]] = {
    "+": lambda k, c: lambda x: c + x[k], "-": lambda k, c: lambda x: c - x[k],
    "*": lambda k, c: lambda x: c * x[k], "/": lambda k, c: lambda x: c / x[k]}
_FN_OPS: dict[str, Callable[[Fn, Decimal], Fn]] = {
    "+": lambda f, c: lambda x: f(x) + c, "-": lambda f, c: lambda x: f(x) - c,
    "*": lambda f, c: lambda x: f(x) * c, "/": lambda f, c: lambda x: f(x) / c}
_FN_OPS_LEFT: dict[str, Callable[[Fn, Decimal], Fn]] = {
    "+": lambda f, c: lambda x: c + f(x), "-": lambda f, c: lambda x: c - f(x),
    "*": lambda f, c: lambda x: c * f(x), "/": lambda f, c: lambda x: c / f(x)}
_LEAF_COMPARE: dict[str, Callable[[str, Decimal], Test]] = {
    ">=": lambda k, c: lambda x: x[k] >= c, ">": lambda k, c: lambda x: x[k] > c,
    "<=": lambda k, c: lambda x: x[k] <= c, "<": lambda k, c: lambda x: x[k] < c,
    "=": lambda k, c: lambda x: x[k] == c, "!=": lambda k, c: lambda x: x[k] != c}


_DUNDERS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}  # const op v
_RDUNDERS = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__"}  # v op const


def _chain_fn(key: str, steps: tuple[Callable[[Any], Any], ...]) -> Fn:
    """x[key] through the bound methods, in order.  A method given what Decimal cannot
    take (a text) answers NotImplemented, which the next comparison or sum rejects with
    TypeError: the input then goes to the interpreter, like any unreadable input."""
    if len(steps) == 1:
        (m1,) = steps
        return lambda x: m1(x[key])
    if len(steps) == 2:
        m1, m2 = steps
        return lambda x: m2(m1(x[key]))
    if len(steps) == 3:
        m1, m2, m3 = steps
        return lambda x: m3(m2(m1(x[key])))
    if len(steps) == 4:
        m1, m2, m3, m4 = steps
        return lambda x: m4(m3(m2(m1(x[key]))))
    head, last = _chain_fn(key, steps[:-1]), steps[-1]
    return lambda x: last(head(x))


def _const_op(op: str, const: Decimal, fn: Fn, left: bool, key: str | None = None) -> Fn:
    """``fn op const`` (or ``const op fn`` when *left*); an input read is fused in, so
    ``实际值 − 目标值`` is one closure: ``x[key] - t``."""
    if key is not None:
        return (_LEAF_OPS_LEFT if left else _LEAF_OPS)[op](key, const)
    return (_FN_OPS_LEFT if left else _FN_OPS)[op](fn, const)


def _leaf_compare(op: str, key: str, const: Decimal) -> Test:
    return _LEAF_COMPARE[op](key, const)


def _min_max_const(is_min: bool, fn: Fn, const: Decimal) -> Fn:
    """min(v, c) / max(v, c) as the builtins answer them (the first of equals), inline."""
    if is_min:
        return lambda e: const if const < (v := fn(e)) else v
    return lambda e: const if const > (v := fn(e)) else v


def _bound_rate(executed: str, budget: str) -> Fn:
    """执行率 = 全年执行数 ÷ 全年预算数; a budget of 0 or less (or not a Decimal) gives no
    rate: the interpreter's problem, so the input goes to it."""
    def rate(x: Mapping[str, Any]) -> Decimal:
        b = x[budget]
        if b.__class__ is not Decimal or b <= 0:
            raise MissingInput("rate")
        return x[executed] / b  # type: ignore[no-any-return]

    return rate


def _bound_met(b: RowBinding, met: bool) -> Test:
    """达标 / 未达标 against the row's target and its sign, as the interpreter judges it."""
    if b.target is None:
        raise NotSpecialisable("达标 needs a numeric target")
    compare: Callable[[Any, Any], bool] = _COMPARE.get(b.comparator or ">=", operator.ge)
    key, target = b.key, b.target
    if met:
        return lambda x: bool(compare(x[key], target))
    return lambda x: not compare(x[key], target)


def _bound_reason_missing(b: RowBinding) -> Test:
    reason_key, key = b.inputs["reason"], b.key

    def test(x: Mapping[str, Any]) -> bool:
        reason = x.get(reason_key, "")
        if reason.__class__ is not str:
            reason = reason.get(key, "") if isinstance(reason, Mapping) else ""
        return not (reason or "").strip()

    return test


def _bound_grade_test(canon: str, key: str, grade_words: Mapping[str, str]) -> Test:
    by_word: dict[str, tuple[str, ...]] = {}
    for word, c in grade_words.items():
        by_word[c] = (*by_word.get(c, ()), word)
    squashed = _word_map(by_word)
    exact = _exact_words(by_word)
    reader = _grade_reader(squashed)

    def test(x: Mapping[str, Any]) -> bool:
        word = x[key]
        grade = exact.get(word) if word.__class__ is str else None
        return (grade or reader(word)) == canon

    return test
