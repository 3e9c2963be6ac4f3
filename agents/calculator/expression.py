"""Arithmetic as people write it, parsed whole into a small tree (lark, LALR).

The whole input must be one expression, optionally after "what is",
"calculate", "compute", "evaluate" or "how much is", and before "?" or "=":
nothing is guessed from a fragment. Understood:

- numbers: `42`, `3.5`, `.5`, `1e3`, `2.5E-4`, `1,000,000` (groups of three)
- `+ - * / // ^ **`, the multiplication, division and minus signs, the words plus, minus, times,
  multiplied by, divided by, mod, modulo, to the power of
- parentheses, `sqrt(...)` (or the root sign), and `17% of 240`

Refused as ambiguous, with the reason: a lone `%` (percent or remainder?),
`-2^2` (-(2^2) or (-2)^2?), `2^3^2` (2^(3^2) or (2^3)^2?) and badly grouped
thousands (`1,5`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

__all__ = [
    "Binary",
    "Expr",
    "ExpressionError",
    "Group",
    "Negative",
    "Number",
    "PercentOf",
    "Sqrt",
    "parse",
    "render",
]

_GRAMMAR = r"""
?start: _LEAD? sum _END?

?sum: product
    | sum _PLUS product -> add
    | sum _MINUS product -> sub
?product: percent
    | product _TIMES percent -> mul
    | product _DIVIDE percent -> div
    | product _FLOORDIV percent -> floordiv
    | product _MOD percent -> mod
    | product _PERCENT percent -> lone_percent
?percent: unary
    | atom _PERCENT_OF percent -> percent_of
?unary: power
    | _MINUS unary -> neg
    | _PLUS unary
?power: atom
    | atom _POW unary -> pow
?atom: NUMBER -> number
    | "(" sum ")" -> group
    | _SQRT "(" sum ")" -> sqrt

NUMBER: /(\d+(,\d+)*(\.\d*)?|\.\d+)(e[+-]?\d+)?/i
_PLUS: "+" | /plus/i
_MINUS: "-" | "\u2212" | /minus/i
_TIMES: "*" | "\u00d7" | "\u22c5" | /times/i | /multiplied\s+by/i
_DIVIDE: "/" | "\u00f7" | /divided\s+by/i
_FLOORDIV.2: "//"
_MOD: /mod(ulo)?/i
_PERCENT_OF: /%\s*of/i
_PERCENT: "%"
_POW.2: "^" | "**" | /to\s+the\s+power\s+of/i
_SQRT: /sqrt/i | "\u221a"
_LEAD: /(what\s+is|what's|how\s+much\s+is|calculate|compute|evaluate)/i
_END: /(=\s*)?\?|=/

%ignore /\s+/
"""
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
# Built on import (a fraction of a second; no I/O): a worker process imports this module
# when it starts (chassis.work preload), so no task's budget pays for the tables.
_PARSER = Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)


class ExpressionError(ValueError):
    """The input is not one arithmetic expression the calculator understands (says why)."""


@dataclass(frozen=True, slots=True)
class Number:
    value: Fraction
    text: str  # as written, without thousands separators


@dataclass(frozen=True, slots=True)
class Group:
    inner: Expr


@dataclass(frozen=True, slots=True)
class Negative:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # one of + - * / // mod ^
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Sqrt:
    operand: Expr


@dataclass(frozen=True, slots=True)
class PercentOf:
    percent: Expr
    whole: Expr


Expr = Number | Group | Negative | Binary | Sqrt | PercentOf


def parse(text: str, *, max_chars: int, max_exponent: int) -> Expr:
    """The whole of `text` as one expression; `ExpressionError` says what was not understood.

    `max_exponent` bounds the power of ten a number may be written with (`1e400`).
    """
    if len(text) > max_chars:
        raise ExpressionError(f"the expression is longer than {max_chars} characters")
    try:
        tree = _PARSER.parse(text)
        return _ToExpr(max_exponent).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExpressionError):
            raise exc.orig_exc from None
        raise
    except UnexpectedCharacters as exc:
        rest = text[exc.pos_in_stream or 0 :]
        shown = rest.split()[0] if rest.split() else rest
        raise ExpressionError(
            f"cannot read {shown!r} at column {exc.column}: only numbers, + - * / ^, "
            "parentheses, sqrt(...), 'N% of X' and words such as plus or divided by"
        ) from None
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        if isinstance(exc, UnexpectedEOF) or getattr(token, "type", None) == "$END":
            raise ExpressionError("the expression ends too early") from None
        where = f" at column {exc.column}" if exc.column else ""
        raise ExpressionError(f"unexpected {str(token)!r}{where}") from None


def render(expr: Expr) -> str:
    """The expression in one canonical spelling (symbols, single spaces)."""
    match expr:
        case Number(text=text):
            return text
        case Group(inner=inner):
            return f"({render(inner)})"
        case Negative(operand=operand):
            return f"-{render(operand)}"
        case Binary(op="^", left=left, right=right):
            return f"{render(left)}^{render(right)}"
        case Binary(op=op, left=left, right=right):
            return f"{render(left)} {op} {render(right)}"
        case Sqrt(operand=operand):
            return f"sqrt({render(operand)})"
        case PercentOf(percent=percent, whole=whole):
            return f"{render(percent)}% of {render(whole)}"
    raise AssertionError(expr)


@v_args(inline=True)
class _ToExpr(Transformer[Token, Expr]):
    def __init__(self, max_exponent: int) -> None:
        super().__init__()
        self._max_exponent = max_exponent

    def number(self, token: Token) -> Number:
        text = str(token)
        mantissa, _, exponent = text.lower().partition("e")
        if "," in mantissa:
            if not _THOUSANDS.fullmatch(mantissa):
                raise ExpressionError(
                    f"{text!r} is ambiguous: commas only separate groups of three digits "
                    "(1,000); write decimals with a point (1.5)"
                )
            mantissa = mantissa.replace(",", "")
        power = int(exponent) if exponent else 0
        if abs(power) > self._max_exponent:
            raise ExpressionError(f"{text!r} is beyond the bound of 10^{self._max_exponent}")
        clean = mantissa.rstrip(".") + (f"e{exponent}" if exponent else "")
        return Number(Fraction(mantissa) * Fraction(10) ** power, clean)

    def group(self, inner: Expr) -> Group:
        return Group(inner)

    def neg(self, operand: Expr) -> Negative:
        if isinstance(operand, Binary) and operand.op == "^":
            shown = render(Negative(operand))
            raise ExpressionError(
                f"{shown!r} is ambiguous: write -({render(operand)}) or "
                f"(-{render(operand.left)})^{render(operand.right)}"
            )
        return Negative(operand)

    def pow(self, left: Expr, right: Expr) -> Binary:
        if isinstance(right, Binary) and right.op == "^":
            raise ExpressionError(
                f"{render(Binary('^', left, right))!r} is ambiguous: write "
                f"{render(left)}^({render(right)}) or ({render(left)}^{render(right.left)})"
                f"^{render(right.right)}"
            )
        return Binary("^", left, right)

    def lone_percent(self, left: Expr, right: Expr) -> Expr:
        raise ExpressionError(
            f"'{render(left)} % {render(right)}' is ambiguous: write 'mod' for a remainder, "
            "or 'N% of X' for a percentage"
        )

    def add(self, left: Expr, right: Expr) -> Binary:
        return Binary("+", left, right)

    def sub(self, left: Expr, right: Expr) -> Binary:
        return Binary("-", left, right)

    def mul(self, left: Expr, right: Expr) -> Binary:
        return Binary("*", left, right)

    def div(self, left: Expr, right: Expr) -> Binary:
        return Binary("/", left, right)

    def floordiv(self, left: Expr, right: Expr) -> Binary:
        return Binary("//", left, right)

    def mod(self, left: Expr, right: Expr) -> Binary:
        return Binary("mod", left, right)

    def sqrt(self, operand: Expr) -> Sqrt:
        return Sqrt(operand)

    def percent_of(self, percent: Expr, whole: Expr) -> PercentOf:
        return PercentOf(percent, whole)
