"""Arithmetic in words becomes the expression it asks for, and nothing else is guessed."""

from __future__ import annotations

import pytest

from agents.calculator.arithmetic import ExpressionError, evaluate
from phrasing.arithmetic import to_expression


@pytest.mark.parametrize(
    ("request_text", "expression", "value"),
    [
        ("multiply 23 by 19", "23 * 19", "437"),
        ("what's the square root of 81", "sqrt(81)", "9"),
        ("add 15 and 27", "15 + 27", "42"),
        ("divide 144 by 12", "144 / 12", "12"),
        ("average of 3, 5 and 10", "(3 + 5 + 10) / 3", "6"),
        ("half of 98", "98 / 2", "49"),
        ("what's twenty plus twenty two", "20 plus 22", "42"),
        ("subtract 7 from 20", "20 - 7", "13"),
        ("what is five squared?", "5^2", "25"),
        ("15 percent of 80 please", "15% of 80", "12"),
        ("sum of 1,000, 2 and 3", "1,000 + 2 + 3", "1005"),
    ],
)
def test_words_become_the_expression_and_the_calculator_answers_it(
    request_text: str, expression: str, value: str
) -> None:
    assert to_expression(request_text) == expression
    assert evaluate(to_expression(request_text)).value == value


@pytest.mark.parametrize(
    "request_text",
    [
        "what is the meaning of life",
        "mean of 4,6 and 8",
        "add the numbers",
        # Read in part, these would give a wrong number (12 + 5, 3 * 12): refused instead.
        "multiply 3 and 4 and 5",
        "add 1 and 2 and 3",
        "divide 3 into 12",
    ],
)
def test_what_is_not_one_operation_stays_unreadable_and_is_refused(request_text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(to_expression(request_text))
