"""Whether a final answer is the right one: the agents, and the answer's text or a refusal.

A case is answered right when the task called exactly the expected agents and
either ended refused (a `refusal` case) or was answered with every expected
string in its text. Strings are compared case-insensitively, numbers after
thousands separators are dropped ("1,000" and "1000" are the same), so an
answer may word things its own way but never show another number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eval.cases import RoutingCase

__all__ = ["Outcome", "contains", "is_right_answer"]

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@dataclass(frozen=True)
class Outcome:
    """What the system did with one request: the agents that answered a part, the
    final text (the answer, or the refusal's reason), and whether it was refused."""

    agents: frozenset[str]
    text: str
    refused: bool


def _plain(text: str) -> str:
    return _THOUSANDS.sub("", text).casefold()


def contains(text: str, expected: str) -> bool:
    """Whether `expected` appears in `text`, ignoring case and thousands separators."""
    return _plain(expected) in _plain(text)


def is_right_answer(case: RoutingCase, outcome: Outcome) -> bool:
    """Right agents, and the right answer (every expected string) or the right refusal."""
    if outcome.agents != case.expect:
        return False
    if case.refusal:
        return outcome.refused
    return not outcome.refused and all(contains(outcome.text, a) for a in case.answer)
