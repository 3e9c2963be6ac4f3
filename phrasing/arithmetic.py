"""Arithmetic asked in words, written as one expression a calculator reads.

"multiply 23 by 19" -> "23 * 19", "what's the square root of 81" -> "sqrt(81)",
"average of 3, 5 and 10" -> "(3 + 5 + 10) / 3", "half of 98" -> "98 / 2",
"what's twenty plus twenty two" -> "20 plus 22" (number words by text2num).
Only operations with a single meaning are rewritten; anything else is left as
typed, so the calculator's own grammar decides (and refuses what it cannot read).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from phrasing.numbers import with_digits

__all__ = ["to_expression"]

_NUM = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?![\d,]\d)"
_LIST = rf"(?P<list>{_NUM}(?:\s*,\s*{_NUM})*(?:\s*,?\s*(?:and|&)\s+{_NUM})?)"
_N = rf"(?P<a>{_NUM})"
_M = rf"(?P<b>{_NUM})"
_THE = r"(?:the\s+)?"

# Courtesy before and after the arithmetic; the calculator's grammar reads "what is" itself.
_LEAD = re.compile(
    r"^(?:(?:please|hey|ok|okay|so|quick(?:ly)?|hi|and|now|then|also)[\s,]+"
    r"|(?:what|how)\s+about\s+|what\s+(?=[-+(.\d])|(?:can|could|would|will)\s+you\s+"
    r"(?:please\s+)?|(?:tell|show|give)\s+me\s+|i\s+(?:need|want)\s+(?:to\s+know\s+)?|"
    r"do\s+you\s+know\s+|what\s+do\s+(?:you|i|we)\s+get\s+(?:if|when)\s+(?:you|i|we)\s+"
    r"|what(?:'s|\s+is|s)\s+|wh?at\s+is\s+|how\s+much\s+is\s+|calculate\s+|compute\s+"
    r"|evaluate\s+|work\s+out\s+|find\s+|solve\s+)+",
    re.I,
)
_TAIL = re.compile(
    r"(?:[\s,]+(?:please|for\s+me|thanks|thank\s+you|pls|then|too|again|is|equals?))*"
    r"\s*[?.!]*\s*$",
    re.I,
)


def _joined(match: re.Match[str], sign: str) -> str:
    return f" {sign} ".join(_numbers(match["list"]))


def _numbers(text: str) -> list[str]:
    return re.findall(_NUM, re.sub(r"\b(?:and|&)\b|,\s", " ", text))


def _average(match: re.Match[str]) -> str:
    numbers = _numbers(match["list"])
    return f"({' + '.join(numbers)}) / {len(numbers)}"


_Rewrite = Callable[[re.Match[str]], str]
_RULES: tuple[tuple[re.Pattern[str], _Rewrite], ...] = tuple(
    (re.compile(pattern, re.I), rewrite)
    for pattern, rewrite in (
        (rf"{_THE}(?:square\s+root|sqrt|root)\s+of\s+{_N}", lambda m: f"sqrt({m['a']})"),
        (rf"multiply\s+{_N}\s+(?:by|and|with|times)\s+{_M}", lambda m: f"{m['a']} * {m['b']}"),
        (rf"divide\s+{_N}\s+by\s+{_M}", lambda m: f"{m['a']} / {m['b']}"),
        (rf"subtract\s+{_N}\s+from\s+{_M}", lambda m: f"{m['b']} - {m['a']}"),
        (rf"take\s+(?:away\s+)?{_N}\s+from\s+{_M}", lambda m: f"{m['b']} - {m['a']}"),
        (rf"add\s+{_N}\s+to\s+{_M}", lambda m: f"{m['b']} + {m['a']}"),
        (rf"add(?:\s+up)?\s+{_LIST}", lambda m: _joined(m, "+")),
        (rf"{_THE}(?:sum|total)\s+of\s+{_LIST}", lambda m: _joined(m, "+")),
        (rf"{_THE}product\s+of\s+{_LIST}", lambda m: _joined(m, "*")),
        (rf"{_THE}(?:average|mean)\s+of\s+{_LIST}", _average),
        (rf"{_THE}difference\s+between\s+{_N}\s+and\s+{_M}", lambda m: f"{m['a']} - {m['b']}"),
        (rf"(?:one\s+|a\s+)?half\s+of\s+{_N}", lambda m: f"{m['a']} / 2"),
        (rf"(?:one\s+|a\s+|1\s+)?(?:third|3rd)\s+of\s+{_N}", lambda m: f"{m['a']} / 3"),
        (rf"(?:one\s+|a\s+)?quarter\s+of\s+{_N}", lambda m: f"{m['a']} / 4"),
        (rf"(?:double|twice)\s+(?:of\s+)?{_N}", lambda m: f"2 * {m['a']}"),
        (rf"triple\s+{_N}", lambda m: f"3 * {m['a']}"),
        (rf"{_N}\s+squared", lambda m: f"{m['a']}^2"),
        (rf"{_N}\s+cubed", lambda m: f"{m['a']}^3"),
        (rf"{_N}\s*(?:percent|per\s+cent|pct)\s+of\s+{_M}", lambda m: f"{m['a']}% of {m['b']}"),
        # Not "into": "divide 3 into 12" is 12 / 3, "3 into 12" is unclear.
        (rf"{_N}\s*(?:x|X|over)\s*{_M}(?![\w.])", lambda m: _binary(m)),
        (rf"{_N}\s+added\s+to\s+{_M}$", lambda m: f"{m['b']} + {m['a']}"),
        (rf"{_N}\s+less\s+{_M}$", lambda m: f"{m['a']} - {m['b']}"),
    )
)


def _binary(match: re.Match[str]) -> str:
    word = match[0][len(match["a"]) :].strip()
    operator = "/" if word.startswith("over") else "*"
    return f"{match['a']} {operator} {match['b']}"


def to_expression(request: str) -> str:
    """The expression `request` asks for, in the calculator's notation, or the request
    with its number words as digits and its courtesy words dropped when no operation
    in words is recognised (the calculator then reads it, or says why not)."""
    # "a bill of 86 with a 15% tip: what is 15% of 86?": arithmetic has no colon, so
    # what precedes the last one is the asker's context.
    text = with_digits(request.strip()).rsplit(":", 1)[-1]
    text = _TAIL.sub("", _LEAD.sub("", text.strip())).strip()
    text = re.sub(r"^(?:the\s+)?(?:answer\s+to|result\s+of|value\s+of)\s+", "", text, flags=re.I)
    for pattern, rewrite in _RULES:
        text = pattern.sub(rewrite, text)
    return text
