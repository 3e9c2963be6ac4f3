"""Number words to digits, with text2num (a maintained parser of written numbers).

"what's twenty plus twenty two" -> "what's 20 plus 22". Lone "one" stays a
word (text2num's choice: "one of them" is not "1 of them"), and ordinals
become "3rd" ("a third of 90" -> "a 3rd of 90").
"""

from __future__ import annotations

import functools
import re

from text_to_num import alpha2digit

__all__ = ["with_digits"]

# Where a number word may start: text without one is returned as it is, unparsed (the
# planner reads every part several times; most hold no number word).
_MAYBE = re.compile(
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thir|fif"
    r"|twent|fort|hundred|thousand|million|billion|first|second)",
    re.I,
)


@functools.lru_cache(maxsize=4096)
def with_digits(text: str) -> str:
    """`text` with its English number words written as digits (ordinals too: "third" -> "3rd")."""
    if not _MAYBE.search(text):
        return text
    return str(alpha2digit(text, "en"))
