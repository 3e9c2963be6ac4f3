"""The text to work on, apart from the instruction that asks for the work.

"shorten this: The registry keeps agents. It removes stale ones" is an
instruction ("shorten this") and a text; a summary of the whole would repeat
the instruction. The instruction is what comes before the first colon (or
the first line), when it is short and asks for a summary in any of the ways
people say it; without one, the whole input is the text.
"""

from __future__ import annotations

import re

__all__ = ["text_to_summarize"]

# Words that ask for a summary, as people type them.
_ASKS = re.compile(
    r"\b(?:summari[sz]e|summary|summarise|sum\s+(?:it\s+)?up|shorten|condense|tl;?\s*dr"
    r"|gist|boil\s+(?:\w+\s+)?down|brief(?:ly)?|recap|abridge|in\s+short|key\s+points"
    r"|main\s+points|short(?:er)?\s+version|make\s+(?:\w+\s+)?shorter|nutshell|digest"
    r"|too\s+long)\b",
    re.I,
)
_HEAD = re.compile(r"^(?P<head>[^:\n]{1,120}?)\s*(?::|\n|--?|\u2014)\s*(?P<body>\S.*)$", re.S)
# "tl;dr The registry ..." and "summarize The registry ...": an instruction with no colon.
_LEADING = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|tl;?\s*dr|shorten|condense|sum\s+up)\b[\s,.:;-]*"
    r"(?:(?:this|the\s+following|following)(?:\s+(?:text|passage|paragraph))?\b[\s,.:;-]*)?",
    re.I,
)
_HEAD_WORDS = 14


def text_to_summarize(request: str) -> str:
    """The part of `request` to summarise: after a short instruction asking for a summary
    ("please sum up the following: <text>"), else all of it. Never empty unless the
    request holds nothing but the instruction."""
    text = request.strip()
    head = _HEAD.match(text)
    if head and len(head["head"].split()) <= _HEAD_WORDS and _ASKS.search(head["head"]):
        return head["body"].strip()
    leading = _LEADING.match(text)
    if leading:
        return text[leading.end() :].strip()
    return text
