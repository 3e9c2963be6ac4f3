"""Arithmetic in plain text: find an expression, evaluate it safely.

The knowledge layer of the calculator. Only numbers, + - * / // % ** and
parentheses are evaluated (through Python's `ast`, never `eval`), with
bounds on size and exponent so a task cannot make the agent spin.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Evaluation", "ExpressionError", "evaluate"]

MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 1000

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
# "17% of 240" -> "(17/100)*240"; the other spellings of * and /.
_PERCENT_OF = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*of\s*")
_SPELLINGS = (
    ("\N{MULTIPLICATION SIGN}", "*"),
    ("\N{DIVISION SIGN}", "/"),
    ("^", "**"),
    ("times", "*"),
    ("plus", "+"),
    ("minus", "-"),
)
_CANDIDATE = re.compile(r"[\d.()+\-*/%\s]+")


class ExpressionError(ValueError):
    """No arithmetic expression could be found or evaluated."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    expression: str
    value: float


def evaluate(text: str) -> Evaluation:
    """Evaluate the longest arithmetic expression in `text`."""
    normalized = _PERCENT_OF.sub(r"(\1/100)*", text.lower())
    for word, symbol in _SPELLINGS:
        normalized = normalized.replace(word, symbol)
    candidates = [c.strip() for c in _CANDIDATE.findall(normalized) if re.search(r"\d", c)]
    if not candidates:
        raise ExpressionError("no arithmetic expression found in the input")
    expression = max(candidates, key=len).rstrip(".")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {expression!r}") from exc
    return Evaluation(expression, _eval(tree.body))


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ExpressionError(f"exponent above {MAX_EXPONENT}")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError as exc:
            raise ExpressionError("division by zero") from exc
        except OverflowError as exc:
            raise ExpressionError("result too large") from exc
    raise ExpressionError(f"unsupported syntax: {ast.dump(node)[:60]}")
