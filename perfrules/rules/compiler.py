"""AST → a compiled rule: closures over Decimal, checked once when the ruleset loads.

The compile step is where rule-engine's lesson applies: names, units and types are
checked here, with positions, so that a ruleset that loads cannot fail at scoring
time for a reason its author could have been told about.  The result is a plan of
small closures (no parse trees, no eval/exec) that :meth:`CompiledRule.evaluate`
runs against one row's inputs.  A :class:`~perfrules.rules.binding.RowBinding` says what is
known when the rule compiles: nothing for a ruleset's rules (every name is read from
the row), 分值 and 目标值 for a form row (they fold into the closures as constants).

Types: ``分``-points (分值, 满分, ``5分``), scalars (``80%``, 完成率, 执行率, plain
numbers), quantities in the row's unit (实际值, 目标值, ``5个百分点``) and money
(全年执行数, 全年预算数).  An outcome is points, or a scalar read as a share of 分值.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any


from perfrules.rules import ast
from perfrules.errors import PerfrulesError, did_you_mean
from perfrules.rules.parser import parse_rule
from perfrules.rules.binding import (ANY_ROW, NotSpecialisable, RowBinding, grade_test, met_test, rate_reader,
                                reason_missing_test, gap_reader)
from perfrules.rules.operators import (COMPARE, DUNDERS, LEAF_COMPARE, OP_WORDS, OPS, RDUNDERS, always, chain_fn,
                                 compare_hint, const_op, literal, min_max_const, ratio_test, result_type,
                                 specialised)
from perfrules.rules.arithmetic import Deduction, Step
from perfrules.rules.program import Case, CompiledRule, MissingInput, NoClause, Outcome, clamp, exact_sum, row_inputs
from perfrules.rules.rulechecks import Problem, band_bounds, grade_bands, threshold_order
from perfrules.rules.vocabulary import (DEFAULT_GRADES, EXACT, FUNCS, HUNDRED, NAMES, ONE, PLACES, POINTS, SCALAR, SPELLINGS, ZERO,
                                  Fn, Test, Type)
from perfrules.words import fmt


_fmt = fmt  # the name the compiler's messages use


def compile_rule(text: str, grades: Mapping[str, tuple[str, ...]] | None = None) -> CompiledRule:
    """Parse and compile a rule text.  Raises PerfrulesError with an offset into it."""
    return _Compiler(text, grades or DEFAULT_GRADES).compile(parse_rule(text))


def compile_row(rule: CompiledRule, binding: RowBinding) -> CompiledRule:
    """*rule* compiled again for one form row, *binding*'s 分值 and 目标值 folded in as
    constants (分值 × 80% is a number, 完成率 ≥ 90% is 实际值 ≥ 85.5), from its stored AST.
    Raises NotSpecialisable when the rule needs what a form row cannot bind (the unit's
    own score, a band, a number the row does not have)."""
    if rule.source is None:
        raise NotSpecialisable("the rule was built without its AST")
    if binding.weight is None or not binding.form:
        raise NotSpecialisable("a form row's 分值 is known")
    try:
        bound = _Compiler(rule.text, rule.grades, binding).compile(rule.source)
    except PerfrulesError as err:  # e.g. a constant division by a target of 0
        raise NotSpecialisable(err.message) from None
    if bound.bands:
        raise NotSpecialisable("a self-assessed band needs the unit's own score")
    return bound


class _Compiler:
    def __init__(self, text: str, grades: Mapping[str, tuple[str, ...]], binding: RowBinding = ANY_ROW) -> None:
        self.text = text
        self.grades = grades
        self.grade_words = {word: canon for canon, words in grades.items() for word in words}
        self.uses: set[str] = set()
        self.last_left: ast.Expr | None = None
        self.last_key = ""
        self.thresholds: list[tuple[str, str, Decimal, ast.Span]] = []  # (left side, op, value, where)
        self.bands: list[tuple[Decimal, Decimal, bool, ast.Span]] = []
        self.warnings: list[PerfrulesError] = []
        self.binding = binding  # what is known of the row, and where the rest is read
        self.leaves: dict[Fn, str] = {}  # closures that are just x[key]: fused into their parent
        self.leaf_tests: dict[Test, tuple[str, str, Decimal]] = {}  # x[key] op const: (op, key, const)
        self.chains: dict[Fn, tuple[str, tuple[Callable[[Any], Any], ...]]] = {}  # x[key] then const ops

    def error(self, message: str, span: ast.Span, suggestion: str | None = None, expected: str | None = None) -> PerfrulesError:
        return PerfrulesError(message, text=self.text, offset=span.start, length=span.end - span.start,
                              suggestion=suggestion, expected=expected, code="rule_check")

    def compile(self, rule: ast.Rule) -> CompiledRule:
        cases: list[Case] = []
        deductions: list[Deduction] = []
        steps: list[Step] = []
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
                cases.append(self._case(always, st.outcome, src, None))
                seen_otherwise = st.span
            elif isinstance(st, ast.Deduction):
                test = self._condition(st.condition) if st.condition is not None else None
                deductions.append(Deduction(test, self._points_amount(st.amount), src))
            elif isinstance(st, ast.StepDeduction):
                steps.append(self._step(st, src))
            elif isinstance(st, ast.DeductionCap):
                if cap is not None:
                    raise self.error("「最多扣」只能写一次", st.span)
                cap = self._points_amount(st.amount)
            else:
                flags.append((self._condition(st.condition), st.flag.message or src))
        graded = bool(cases) and all(c.grade is not None and c.low is not None for c in cases if c.test is not always)
        self._check(threshold_order(self.text, self.thresholds))
        if graded:
            self._check(grade_bands(self.bands))
        if (deductions or steps) and cap is None:
            self.warnings.append(self.error("扣分没有上限：扣分合计可能超过该行分值（超出部分不计，扣至 0 分为止）",
                                            ast.Span(0, len(self.text)), suggestion="可加一句「最多扣 N分」。"))
        if not cases and not deductions and not steps:
            raise self.error("规则没有给出得分的条款", ast.Span(0, len(self.text)),
                             expected="例如：实际值 ≥ 目标值 → 满分；否则 → 分值 × 实际值 ÷ 目标值")
        b = self.binding
        compiled = CompiledRule(self.text, tuple(cases), tuple(deductions), tuple(steps), cap, tuple(flags),
                                frozenset(self.uses), graded, tuple(self.warnings), rule, self.grades,
                                gap_reader(b) if steps else None, b.inputs.get("self_score", "self_score"))
        if b.weight is None:
            return compiled  # any row: scored by CompiledRule.score / evaluate, 分值 read from the row
        from perfrules.rules.shapes import specialise  # a form row: a scorer of the rule's shape (plans only)

        return specialise(compiled, b.weight, b.key, self.leaf_tests)

    def _check(self, problems: Iterable[Problem]) -> None:
        """Raise the first error the checks find; keep their warnings."""
        for p in problems:
            error = self.error(p.message, p.span, p.suggestion)
            if not p.warning:
                raise error
            self.warnings.append(error)

    # statements ------------------------------------------------------------------
    def _case(self, test: Test, outcome: ast.Outcome, src: str, condition: ast.Condition | None) -> Case:
        grade = condition.word if isinstance(condition, ast.Grade) else None
        grade = self.grade_words.get(grade, grade) if grade else None
        if isinstance(outcome, ast.Range):
            low, high = self._share_or_points(outcome.low)[0], self._share_or_points(outcome.high)[0]
            self._check(band_bounds(outcome))
            if grade is not None and isinstance(outcome.low, ast.Num) and isinstance(outcome.high, ast.Num) \
                    and outcome.low.unit in ("%", None) and outcome.high.unit in ("%", None):
                lo, hi = literal(outcome.low)[0], literal(outcome.high)[0]
                self.bands.append((lo, hi, outcome.high_closed, outcome.span))
            return Case(test, None, low, high, outcome.high_closed, grade, src)
        points, const = self._share_or_points(outcome, check_share=True)
        return Case(test, points, None, None, True, grade, src, const)

    def _step(self, st: ast.StepDeduction, src: str) -> Step:
        self.uses.update({"actual", "target"})
        if st.step.unit in ("分", "%"):
            raise self.error(f"档距「{st.step.text}」的单位不对", st.step.span,
                             suggestion="百分比指标按「个百分点」计档，例如：每低于目标值 5个百分点 扣 1分。")
        if st.step.value <= 0:
            raise self.error("档距必须大于 0", st.step.span)
        return Step(st.direction == "below", st.step.value, self._points_amount(st.amount), src)

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
            weight = self.binding.weight
            if weight is not None:  # 分值 known: a constant share is its points, once
                if const is not None:
                    points = weight * const
                    return (lambda e: points), points
                return const_op("*", weight, fn, left=True), None
            read = self._leaf(self.binding.inputs["weight"])
            if const is not None:
                return self._chain("*", const, read, left=False), None
            return (lambda x: read(x) * fn(x)), None
        raise self.error(f"得分应当是分数或比例，这里是{typ.value}", expr.span,
                         suggestion="例如：满分、80%、分值 × 实际值 ÷ 目标值")

    # conditions ------------------------------------------------------------------
    def _condition(self, cond: ast.Condition) -> Test:
        if isinstance(cond, ast.Keyword):
            if cond.kind == "no_reason":
                self.uses.add("reason")
                return reason_missing_test(self.binding)
            self.uses.add("met")
            return met_test(self.binding, cond.kind == "met")
        if isinstance(cond, ast.Grade):
            return self._grade(cond)
        if isinstance(cond, (ast.AllOf, ast.AnyOf)):
            return _joined([self._condition(c) for c in cond.items], isinstance(cond, ast.AllOf))
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
        b = self.binding
        return grade_test(canon, b.inputs.get("grade", b.key), self.grade_words)

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
                             suggestion=compare_hint(lt, rt))
        op = COMPARE[cond.op]
        if rc is not None:
            self.thresholds.append((key, cond.op, rc, cond.span))
        if isinstance(left, ast.Name) and SPELLINGS.get(left.word) == "ratio" and rc is not None:
            return self._ratio_compare(cond.op, rc)  # 完成率 ≥ 90% as 实际值 ≥ 90% × 目标值: exact, no division
        if rc is not None:
            if lf in self.leaves:
                return self._leaf_test(cond.op, self.leaves[lf], rc)
            return lambda e: op(lf(e), rc)
        return lambda e: op(lf(e), rf(e))

    def _ratio_compare(self, op: str, share: Decimal) -> Test:
        """完成率 op share: with 目标值 known and above 0, 实际值 op (share × 目标值), the
        threshold computed once, here; otherwise both read from the row."""
        b = self.binding
        read_target, target = self._name_of("target")
        if target is not None and target > 0:
            return self._leaf_test(op, b.key, share * target)
        return ratio_test(COMPARE[op], self._leaf(b.key), read_target, share)

    # expressions -----------------------------------------------------------------
    def _expr(self, node: ast.Expr) -> tuple[Fn, Decimal | None, Type]:
        """(closure, constant value if known at load time, type)."""
        if isinstance(node, ast.Num):
            value, typ = literal(node)
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
        fn, const = self._name_of(canon)
        return fn, const, NAMES[canon][0]

    def _name_of(self, canon: str) -> tuple[Fn, Decimal | None]:
        """A name as the binding knows it: a constant when the row's is known in advance
        (分值 and 目标值 of a form row), else a closure reading it from the row's inputs."""
        b = self.binding
        if canon == "zero":
            return (lambda x: ZERO), ZERO
        if canon in ("full", "weight"):
            weight = b.weight
            if weight is None:
                return self._leaf(b.inputs["weight"]), None
            return (lambda x: weight), weight
        if canon == "target":
            if not b.form:
                return self._leaf(b.inputs["target"]), None
            target = b.target
            if target is None:
                raise NotSpecialisable("目标值 is not a number")
            return (lambda x: target), target
        if canon == "ratio":
            read_target, target = self._name_of("target")
            actual = self._leaf(b.key)
            if target is not None:
                return const_op("/", target, actual, left=False), None
            return (lambda x: actual(x) / read_target(x)), None
        if canon == "rate":
            return rate_reader(b.inputs["executed"], b.inputs["budget"]), None
        if canon == "actual":
            return self._leaf(b.key), None
        if canon in b.inputs:
            return self._leaf(b.inputs[canon]), None
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
            return const_op(op, const, fn, left)
        method_name = DUNDERS[op] if left else RDUNDERS[op]
        steps = (*steps, getattr(const, method_name))
        chain = chain_fn(key, steps)
        self.chains[chain] = (key, steps)
        return chain

    def _leaf_test(self, op: str, key: str, const: Decimal) -> Test:
        test = LEAF_COMPARE[op](key, const)
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
            return min_max_const(func is min, fns[0], parts[1][1]), None, parts[0][2]
        if len(fns) == 2:
            f0, f1 = fns
            return (lambda e: func(f0(e), f1(e))), None, parts[0][2]
        return (lambda e: func(f(e) for f in fns)), None, parts[0][2]

    def _binop(self, node: ast.BinOp) -> tuple[Fn, Decimal | None, Type]:
        lf, lc, lt = self._expr(node.left)
        rf, rc, rt = self._expr(node.right)
        typ = result_type(node.op, lt, rt)
        if typ is None:
            raise self.error(f"不能对{lt.value}和{rt.value}做「{OP_WORDS[node.op]}」", node.span,
                             suggestion=compare_hint(lt, rt))
        op = OPS[node.op]
        if lc is not None and rc is not None:
            try:
                value = op(lc, rc)
            except ArithmeticError:
                raise self.error("常数运算无法计算（例如除以 0）", node.span) from None
            return (lambda e, v=value: v), value, typ
        if rc is not None:
            return self._chain(node.op, rc, lf, left=False), None, typ
        if lc is not None:
            return self._chain(node.op, lc, rf, left=True), None, typ
        return specialised(node.op, lf, rf), None, typ


def _joined(tests: list[Test], every: bool) -> Test:
    """Tests joined by 且 (*every*) or 或: two of them inline, more through all()/any()."""
    if len(tests) == 2:
        t0, t1 = tests
        return (lambda e: t0(e) and t1(e)) if every else (lambda e: t0(e) or t1(e))
    return (lambda e: all(t(e) for t in tests)) if every else (lambda e: any(t(e) for t in tests))


# What callers outside the rule modules read from here (tests, the API example): the
# compiler's entry point and the records and contexts a compiled rule runs with.
__all__ = ["DEFAULT_GRADES", "EXACT", "PLACES", "CompiledRule", "MissingInput", "NoClause", "NotSpecialisable",
           "Outcome", "RowBinding", "clamp", "compile_row", "compile_rule", "exact_sum", "row_inputs"]
