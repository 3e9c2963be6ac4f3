"""The calculator against a reference: exact Fraction arithmetic on generated expression trees.

Each tree is written out in the spellings the calculator accepts (signs or
words, thousands separators, scientific notation, lead-ins), with the
parentheses its precedence rules need; the calculator must give the
reference's value, exactly when the value has a finite decimal expansion,
or refuse exactly where the reference cannot answer (division by zero, 0^0).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.calculator.arithmetic import ExpressionError, Limits, evaluate

LIMITS = Limits(max_chars=5000, max_digits=1000)


@dataclass(frozen=True)
class Leaf:
    value: Fraction
    text: str


@dataclass(frozen=True)
class Op:
    op: str  # + - * / ^ neg %of
    left: Node
    right: Node | None = None


Node = Leaf | Op

# How tightly each form binds; a child binding less tightly than its place needs parentheses.
_BINDING = {"+": 1, "-": 1, "*": 2, "/": 2, "%of": 2.5, "neg": 3, "^": 4}
_SPELLINGS = {
    "+": ["+", " + ", " plus "],
    "-": ["-", " - ", " minus ", " \N{MINUS SIGN} "],
    "*": ["*", " * ", " times ", " \N{MULTIPLICATION SIGN} ", " multiplied by "],
    "/": ["/", " / ", " divided by ", " \N{DIVISION SIGN} "],
    "^": ["^", "**", " ^ ", " to the power of "],
}


class Refusal(Exception):
    pass


def reference(node: Node) -> Fraction:
    """Exact value; `Refusal` where no value exists."""
    if isinstance(node, Leaf):
        return node.value
    left = reference(node.left)
    if node.op == "neg":
        return -left
    assert node.right is not None
    right = reference(node.right)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "%of":
        return left / 100 * right
    if node.op == "/":
        if right == 0:
            raise Refusal
        return left / right
    if left == 0 and right <= 0:  # ^ with a small integer exponent
        raise Refusal
    return left ** int(right)


def _binding(node: Node) -> float:
    return 5 if isinstance(node, Leaf) else _BINDING[node.op]


def write(node: Node, draw: st.DrawFn) -> str:
    """`node` as text the calculator accepts, with only the parentheses its rules need."""
    if isinstance(node, Leaf):
        return node.text
    if node.op == "neg":
        operand = node.left
        # -2^2 is refused as ambiguous: a power under a minus gets parentheses.
        inner = write(operand, draw)
        needs = _binding(operand) < 3 or (isinstance(operand, Op) and operand.op == "^")
        return f"-({inner})" if needs else f"-{inner}"
    assert node.right is not None
    left, right = write(node.left, draw), write(node.right, draw)
    if node.op == "^":
        base = left if isinstance(node.left, Leaf) else f"({left})"
        return f"{base}{draw(st.sampled_from(_SPELLINGS['^']))}{right}"
    if node.op == "%of":
        whole = right if _binding(node.right) >= 2.5 else f"({right})"
        return f"{left}% of {whole}"
    mine = _BINDING[node.op]
    if _binding(node.left) < mine:
        left = f"({left})"
    # Left-associative: an equal-binding right operand keeps its parentheses (2 - (3 - 4)).
    if _binding(node.right) <= mine:
        right = f"({right})"
    return f"{left}{draw(st.sampled_from(_SPELLINGS[node.op]))}{right}"


@st.composite
def leaves(draw: st.DrawFn) -> Leaf:
    if draw(st.booleans()):
        n = draw(st.integers(0, 10**7))
        forms = [str(n), f"{n:,}"]
        if n and n % 1000 == 0:
            forms.append(f"{n // 1000}e3")
        return Leaf(Fraction(n), draw(st.sampled_from(forms)))
    digits, places = draw(st.integers(0, 10**6)), draw(st.integers(1, 4))
    value = Fraction(digits, 10**places)
    plain = f"{Decimal(digits).scaleb(-places):f}"
    return Leaf(value, draw(st.sampled_from([plain, f"{digits}e-{places}", f"{digits}E-{places}"])))


def trees(draw: st.DrawFn) -> st.SearchStrategy[Node]:
    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        binary = st.builds(Op, st.sampled_from(["+", "-", "*", "/"]), children, children)
        negative = st.builds(Op, st.just("neg"), children)
        exponent = st.integers(-3, 4).map(
            lambda n: Op("neg", Leaf(Fraction(-n), str(-n))) if n < 0 else Leaf(Fraction(n), str(n))
        )
        power = st.builds(Op, st.just("^"), children, exponent)
        percent = st.builds(Op, st.just("%of"), leaves(), children)
        return st.one_of(binary, binary, negative, power, percent)

    return st.recursive(leaves(), extend, max_leaves=8)


@st.composite
def expressions(draw: st.DrawFn) -> tuple[Node, str]:
    node = draw(trees(draw))
    lead = draw(st.sampled_from(["", "what is ", "Calculate ", "how much is "]))
    end = draw(st.sampled_from(["", "?", " =", " = ?"]))
    return node, f"{lead}{write(node, draw)}{end}"


def _fits(value: Fraction) -> bool:
    return max(abs(value.numerator).bit_length(), value.denominator.bit_length()) <= 3000


@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(expressions())
def test_the_calculator_agrees_with_exact_arithmetic(case: tuple[Node, str]) -> None:
    node, text = case
    try:
        expected = reference(node)
    except Refusal:
        with pytest.raises(ExpressionError, match=r"division by zero|no agreed value"):
            evaluate(text, LIMITS)
        return
    if not _fits(expected):  # beyond the bound (tested on its own): refused or answered, no hang
        return
    result = evaluate(text, LIMITS)
    if result.exact:
        assert Fraction(result.value) == expected, (text, result)
    else:
        assert float(Fraction(result.value)) == pytest.approx(float(expected), rel=1e-11), (
            text,
            result,
        )
    # The canonical spelling shown in the answer means the same thing.
    assert evaluate(result.expression, LIMITS).value == result.value


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_any_text_is_answered_or_refused_with_a_reason(text: str) -> None:
    try:
        result = evaluate(text, LIMITS)
    except ExpressionError as exc:
        reason = str(exc)
        assert reason, "a refusal says why"
    else:
        assert result.answer.startswith(result.expression)
