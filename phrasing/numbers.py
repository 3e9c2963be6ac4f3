"""Number words to digits, with text2num (a maintained parser of written numbers).

"what's twenty plus twenty two" -> "what's 20 plus 22". Lone "one" stays a
word (text2num's choice: "one of them" is not "1 of them").
"""

from __future__ import annotations

from text_to_num import alpha2digit

__all__ = ["with_digits"]


def with_digits(text: str) -> str:
    """`text` with its English number words written as digits (ordinals too: "third" -> "3rd")."""
    return str(alpha2digit(text, "en"))
