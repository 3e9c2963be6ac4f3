"""Elliptical follow-ups made standalone: how the local model reads a conversation.

A follow-up leans on the turn before it: "and times 4?" after "what is 2+3",
"and in feet?" or "what about 10 km?" after "convert 5 km to miles". The
local model plans one request at a time, so the follow-up is rewritten into
the request it stands for, from the previous turn's (itself standalone)
request:

    arithmetic   "and times 4?"        -> "what is (2+3) * 4"
                 "divide it by 2"      -> "what is (2+3) / 2"
    conversion   "and in feet?"        -> "convert 5 km to feet"
                 "what about 10 km?"   -> "convert 10 km to miles"
                 "and 20?"             -> "convert 20 km to miles"
                 "what about 3 miles?" -> "convert 3 miles to km"

The previous request is reused rather than its answer's number, so the
calculator computes the exact value (no rounding carried from turn to turn).
A request that is not such a fragment, or whose rewrite is not a valid
request of the same kind ("and in kg?" after a length), is planned as typed:
a follow-up that changes topic is planned on its own. A cloud model gets the
turns as chat history instead and does this itself (planner.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orchestrator.planning.cues import conversion, is_arithmetic
from phrasing.arithmetic import to_expression
from phrasing.numbers import with_digits

__all__ = ["standalone", "standalone_last"]

# Words a follow-up opens with that carry no meaning of their own.
_OPENING = (
    r"^\s*(?:(?:and|so|then|now|ok(?:ay)?|also|well)[\s,]+)*"
    r"(?:(?:what|how)\s+about\s+|what\s+if\s+(?:we|you|i)\s+)?"
)
_CLOSING = r"\s*(?:please|instead|then|now|too)?\s*[?.!]*\s*$"
_IT = r"(?:(?:it|that|this|the\s+(?:result|answer))\s+)?"

# (pattern of the operation, the operator it stands for); a named group `n` is the operand.
_NUMBER = r"(?P<n>[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+))"
_OPERATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(_OPENING + pattern + _CLOSING, re.I), operator)
    for pattern, operator in (
        (rf"(?:{_IT}(?:times|multiplied\s+by|x|\*|\u00d7)|multiply\s+{_IT}by)\s*{_NUMBER}", "*"),
        (rf"(?:{_IT}(?:divided\s+by|over|/|\u00f7)|divide\s+{_IT}by)\s*{_NUMBER}", "/"),
        (rf"(?:{_IT}(?:plus|\+)|add)\s*{_NUMBER}(?:\s+to\s+it)?", "+"),
        (rf"(?:{_IT}(?:minus|-)|subtract|take\s+away)\s*{_NUMBER}(?:\s+from\s+it)?", "-"),
        (rf"{_IT}(?:to\s+the\s+power\s+of|\^|\*\*)\s*{_NUMBER}", "^"),
        (rf"{_IT}squared", "^ 2"),
        (r"(?:double\s+(?:it|that)|twice\s+that)", "* 2"),
        (r"(?:halve\s+(?:it|that)|half\s+(?:of\s+)?(?:it|that))", "/ 2"),
    )
)
# "and in feet?", "in yards then", "how many feet is that?", "to celsius"
_NEW_TARGET = (
    re.compile(_OPENING + r"(?:in|into|to|as)\s+(?P<unit>[^?.!]+?)" + _CLOSING, re.I),
    re.compile(
        _OPENING + r"how\s+many\s+(?P<unit>[^?.!]+?)\s+(?:is|are|would\s+be)\s+(?:that|it)"
        r"(?:\s+in\s+\w+)?" + _CLOSING,
        re.I,
    ),
)
# "what about 10 km?", "and for 20?", "10 miles instead"
_NEW_AMOUNT = re.compile(
    _OPENING + r"(?:for\s+|with\s+)?" + _NUMBER + r"\s*(?P<unit>[^?.!\d]*?)" + _CLOSING, re.I
)


def _arithmetic(request: str, previous: str) -> str | None:
    if not is_arithmetic(with_digits(previous)):
        return None
    request = with_digits(request)
    for pattern, operator in _OPERATIONS:
        match = pattern.match(request)
        if match is not None:
            operand = match.groupdict().get("n") or ""
            return f"what is ({to_expression(previous)}) {operator} {operand}".rstrip()
    return None


def _number(value: float) -> str:
    # 15 significant digits: what a float holds exactly, without "1e+06" for a million.
    return f"{value:.15g}"


def _conversion(request: str, previous: str) -> str | None:
    asked = conversion(with_digits(previous))
    if asked is None:
        return None
    value, unit, target = asked
    candidates = [
        f"convert {_number(value)} {unit} to {m['unit'].strip()}" for m in _targets(request)
    ]
    amount = _NEW_AMOUNT.match(with_digits(request))
    if amount is not None:
        figure, named = amount["n"].replace(",", ""), amount["unit"].strip()
        candidates.append(f"convert {figure} {named or unit} to {target}")
        # "what about 20 miles?" after km to miles: the other way round.
        candidates.append(f"convert {figure} {named} to {unit}")
    # Only a rewrite that reads as a conversion stands: "and in kg?" after a length does not.
    return next((c for c in candidates if conversion(c) is not None), None)


def _targets(request: str) -> Iterable[re.Match[str]]:
    return (m for p in _NEW_TARGET if (m := p.match(request)) is not None)


def standalone(request: str, previous: str | None) -> str:
    """`request` as a request of its own, given the previous turn's standalone request
    (None: the conversation starts here). A request that leans on nothing, or on
    something this does not read, is returned as it is."""
    if not previous:
        return request
    return _arithmetic(request, previous) or _conversion(request, previous) or request


def standalone_last(requests: Iterable[str]) -> str:
    """The last of a conversation's requests (oldest first) as a request of its own,
    each turn resolved against the one before it ("" for none)."""
    resolved: str | None = None
    for request in requests:
        resolved = standalone(request, resolved)
    return resolved or ""
