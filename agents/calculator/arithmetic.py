"""Exact arithmetic on a parsed expression, bounded in size, and its answer as text.

The knowledge layer of the calculator. Values are exact fractions; only
square roots and fractional powers that have no exact value fall back to
floating point, and the answer then says "≈". Every value is bounded in
size: a power is estimated (by logarithms) before it is computed and
refused when its result would pass `max_digits` decimal digits, so a short
input cannot make the agent compute a million-digit number. Complex results
and conventions that differ between calculators are refused with a reason.
`evaluate` runs in a worker process (`chassis.work`), so it is a plain
function of picklable arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction

from agents.calculator.expression import (
    Binary,
    Expr,
    ExpressionError,
    Group,
    Negative,
    Number,
    PercentOf,
    Sqrt,
    parse,
    render,
)

__all__ = ["DEFAULT_LIMITS", "Evaluation", "ExpressionError", "Limits", "evaluate"]

Value = Fraction | float
_BITS_PER_DIGIT = math.log2(10)
_SHOWN_DIGITS = 12  # significant digits of an approximate answer


@dataclass(frozen=True, slots=True)
class Limits:
    """How much the calculator reads and computes: characters in, decimal digits of any value."""

    max_chars: int = 200
    max_digits: int = 1000


@dataclass(frozen=True, slots=True)
class Evaluation:
    expression: str  # canonical spelling of what was evaluated
    value: str  # decimal text; exact unless `exact` is False
    exact: bool

    @property
    def answer(self) -> str:
        """'1000 + 1 = 1001', or '2^0.5 ≈ 1.41421356237' when rounded."""
        return f"{self.expression} {'=' if self.exact else '≈'} {self.value}"


DEFAULT_LIMITS = Limits()


def evaluate(text: str, limits: Limits = DEFAULT_LIMITS) -> Evaluation:
    """Evaluate all of `text`; `ExpressionError` says why it cannot be answered."""
    expr = parse(text, max_chars=limits.max_chars, max_exponent=limits.max_digits)
    value = _Evaluator(limits.max_digits).value(expr)
    shown, exact = _decimal_text(value)
    return Evaluation(render(expr), shown, exact)


class _Evaluator:
    def __init__(self, max_digits: int) -> None:
        self._max_digits = max_digits
        self._max_bits = math.ceil(max_digits * _BITS_PER_DIGIT)

    def value(self, expr: Expr) -> Value:
        match expr:
            case Number(value=value):
                return self._bounded(value)
            case Group(inner=inner):
                return self.value(inner)
            case Negative(operand=operand):
                return -self.value(operand)
            case Sqrt(operand=operand):
                return self._power(self.value(operand), Fraction(1, 2))
            case PercentOf(percent=percent, whole=whole):
                return self._bounded(self.value(percent) / 100 * self.value(whole))
            case Binary(op="^", left=left, right=right):
                return self._power(self.value(left), self.value(right))
            case Binary(op=op, left=left, right=right):
                return self._binary(op, self.value(left), self.value(right))
        raise AssertionError(expr)

    def _binary(self, op: str, left: Value, right: Value) -> Value:
        if op in ("/", "//", "mod") and right == 0:
            raise ExpressionError("division by zero")
        if op in ("//", "mod") and (left < 0 or right < 0):
            raise ExpressionError(
                f"'{op}' with a negative number is ambiguous (calculators round differently)"
            )
        try:
            if op == "+":
                return self._bounded(left + right)
            if op == "-":
                return self._bounded(left - right)
            if op == "*":
                return self._bounded(left * right)
            if op == "/":
                return self._bounded(left / right)
            if op == "//":
                return self._bounded(Fraction(left // right))
            return self._bounded(left % right)
        except OverflowError as exc:
            raise self._too_large() from exc

    def _power(self, base: Value, exponent: Value) -> Value:
        if base == 0 and exponent <= 0:
            raise ExpressionError(
                "0^0 has no agreed value" if exponent == 0 else "division by zero (0^-n)"
            )
        if base == 0:
            return Fraction(0)
        if isinstance(exponent, Fraction) and exponent.denominator == 1:
            return self._integer_power(base, int(exponent))
        if base < 0:
            if isinstance(exponent, Fraction) and exponent.denominator % 2 == 1:
                raise ExpressionError(
                    "ambiguous: a negative number to a fractional power has a real root but "
                    "a complex principal value; write -(x^(1/n)) for the real root"
                )
            raise ExpressionError("the result is a complex number")
        if isinstance(base, Fraction) and isinstance(exponent, Fraction):
            root = _exact_root(base, exponent.denominator)
            if root is not None:
                return self._integer_power(root, exponent.numerator)
        try:  # no exact value: floating point, through logarithms (the base may exceed a float)
            logarithm = _log(base) * float(exponent)
            return self._bounded(math.exp(logarithm))
        except OverflowError as exc:
            raise self._too_large() from exc

    def _integer_power(self, base: Value, exponent: int) -> Value:
        if isinstance(base, Fraction) and abs(base) != 1 and base != 0:
            size = max(abs(base.numerator), base.denominator)
            # An exponent past a float's range (2^1024) is too large for any base
            # but 0 and ±1, and `int * float` would raise OverflowError for it.
            if abs(exponent).bit_length() > 1000:
                raise self._too_large()
            estimated_bits = abs(exponent) * math.log2(size)
            if estimated_bits > self._max_bits:
                raise self._too_large(estimated_bits / _BITS_PER_DIGIT)
        try:
            return self._bounded(base**exponent)
        except (OverflowError, ZeroDivisionError) as exc:
            raise self._too_large() from exc

    def _bounded(self, value: Value) -> Value:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self._too_large()
            return value
        bits = max(abs(value.numerator).bit_length(), value.denominator.bit_length())
        if bits > self._max_bits:
            raise self._too_large(bits / _BITS_PER_DIGIT)
        return value

    def _too_large(self, digits: float | None = None) -> ExpressionError:
        """The refusal of a result whose exact value has too many digits.

        A tiny result is refused too: exactly, 2^-1000000 is a fraction whose
        denominator has 301,030 digits.
        """
        if digits is None:
            about = ""
        elif digits < 1e9:
            about = f" (the exact result would have about {digits:,.0f} digits)"
        else:
            about = f" (the exact result would have about {digits:.1e} digits)"
        return ExpressionError(
            f"the result is too large to compute exactly: numbers are bounded to "
            f"{self._max_digits:,} digits{about}"
        )


def _log(value: Value) -> float:
    if isinstance(value, Fraction):
        return math.log(value.numerator) - math.log(value.denominator)
    return math.log(value)


def _exact_root(value: Fraction, n: int) -> Fraction | None:
    """The exact n-th root of a non-negative fraction, or None if it is irrational."""
    top, bottom = _integer_root(value.numerator, n), _integer_root(value.denominator, n)
    return None if top is None or bottom is None else Fraction(top, bottom)


def _integer_root(number: int, n: int) -> int | None:
    if number in (0, 1):
        return number
    if n > number.bit_length():  # 2^n > number: no integer root above 1
        return None
    guess = 1 << -(-number.bit_length() // n)  # above the root; Newton steps down to it
    while True:
        better = ((n - 1) * guess + number // guess ** (n - 1)) // n
        if better >= guess:
            break
        guess = better
    return guess if guess**n == number else None


def _decimal_text(value: Value) -> tuple[str, bool]:
    """The value as decimal text, and whether that text is exact."""
    if isinstance(value, float):
        return _significant(Decimal(value)), False
    if value.denominator == 1:
        if value.numerator.bit_length() < 14_000:  # below str()'s guard of 4,300 digits
            return str(value.numerator), True
        return _significant(Decimal(value.numerator)), False
    twos_and_fives = value.denominator
    for factor in (2, 5):
        while twos_and_fives % factor == 0:
            twos_and_fives //= factor
    exact = Context(prec=60).divide(Decimal(value.numerator), Decimal(value.denominator))
    if twos_and_fives == 1 and len(exact.as_tuple().digits) < 60:
        return _plain(exact), True
    return _significant(exact), False


def _significant(value: Decimal) -> str:
    rounded = Context(prec=_SHOWN_DIGITS).plus(value)
    if rounded == 0:
        return "0"
    if abs(rounded.adjusted()) >= _SHOWN_DIGITS:
        return f"{rounded.normalize():e}".replace("e+", "e")
    return _plain(rounded)


def _plain(value: Decimal) -> str:
    text = f"{value:f}"  # not normalize(): it rounds to the default context's 28 digits
    return text.rstrip("0").rstrip(".") if "." in text else text
