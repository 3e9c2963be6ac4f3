"""Which offered function fits one part of a request: the local model's choice.

Each function is indexed (BM25 over word stems) by its name, description,
tags and examples. A part is matched in this order:

1. An instruction with its text ("summarize this review: <text>"): the
   instruction alone is ranked, so the text's own words ("convert sunlight",
   "their numbers") cannot pull it elsewhere. If nothing fits the instruction
   and the text is prose, the part goes to the function whose card says it is
   the fallback for plain text (tag "fallback").
2. Otherwise the whole part is ranked, with the words of the kind of task it
   shows (`cues`).

A function's examples say what it takes: if they all carry numbers ("2+3",
"convert 5 km to miles"), it is offered only parts with a number ("how do I
add an agent?" is no sum); if they all show a kind of task (every example of
the units agent is a conversion), only parts of that kind ("who won the
world cup in 2018?" is no conversion, although cups are units). A part that
shares no word stem with any function it may go to fits none: the answer
says so rather than handing it to the nearest agent.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orchestrator.planning.cues import Kind, cue_words, kinds
from orchestrator.ranking import Bm25Index, tokens

__all__ = ["FALLBACK_TAG", "FunctionCard", "FunctionMatcher", "stems"]

FALLBACK_TAG = "fallback"
_DIGIT = re.compile(r"\d")
# "<instruction>: <text>": the instruction is short; the text follows a colon (or a dash)
# and a space.
_INSTRUCTION = re.compile(r"^(?P<head>[^:\n]{1,80}?)(?::|\s+--?|\s*\u2014)\s+(?P<body>\S.*)$", re.S)
_INSTRUCTION_WORDS = 10
# Text that is prose, not a short question: this many words at least.
_PROSE_WORDS = 12
# British spellings of -ize verbs stem as the American ones do (summarise ~ summarize).
_BRITISH = re.compile(r"(?<=\w{4})is(e|ed|es|ing|ation|ations)$")


@functools.cache
def _stemmer() -> Any:
    # Imported on first use: the package loads the stemmers of 30 languages.
    import snowballstemmer

    return snowballstemmer.stemmer("english")


# Words whose stem is another word's: "times" (multiplied by) is not "time" (of day).
_OWN_STEM = frozenset({"times"})


def stems(text: str) -> list[str]:
    """The word stems of `text` (function words and single letters dropped, as the "s"
    of "what's"): the terms it is ranked by."""
    stemmer = _stemmer()
    return [
        w if w in _OWN_STEM else str(stemmer.stemWord(_BRITISH.sub(r"iz\1", w)))
        for w in tokens(text)
        if len(w) > 1
    ]


@dataclass(frozen=True)
class FunctionCard:
    """What the local model knows of one offered function."""

    name: str  # its fully qualified name: "<plugin>-<function>"
    description: str
    tags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    @property
    def needs_numbers(self) -> bool:
        """Every example carries a number: it works on numbers."""
        return bool(self.examples) and all(_DIGIT.search(e) for e in self.examples)

    @functools.cached_property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of task every example shows."""
        shown = [kinds(e) for e in self.examples]
        return frozenset.intersection(*shown) if shown else frozenset()

    def takes(self, has_number: bool, shown: frozenset[Kind]) -> bool:
        """Whether a text with (or without) a number, showing these kinds, may come here."""
        return (has_number or not self.needs_numbers) and self.kinds <= shown

    @property
    def is_fallback(self) -> bool:
        return FALLBACK_TAG in self.tags

    def text(self) -> str:
        words = self.name.replace("-", " ").replace("_", " ")
        return " ".join([words, self.description, *self.tags, *self.examples])


class FunctionMatcher:
    """Chooses the function for a part of a request, among a fixed set of functions."""

    def __init__(self, functions: Iterable[FunctionCard]) -> None:
        self._functions = {f.name: f for f in functions}
        self._index = Bm25Index(analyzer=stems)
        for function in self._functions.values():
            self._index.add(function.name, function.text())

    def choose(self, part: str) -> str | None:
        """The name of the function for `part`, or None when none fits it."""
        instruction = _INSTRUCTION.match(part)
        if instruction and len(tokens(instruction["head"])) <= _INSTRUCTION_WORDS:
            found = self._best(instruction["head"])
            if found is not None:
                return found
            if len(instruction["body"].split()) >= _PROSE_WORDS:
                fallback = next((f.name for f in self._functions.values() if f.is_fallback), None)
                if fallback is not None:
                    return fallback
        return self._best(part)

    def _best(self, text: str) -> str | None:
        # A kind shown implies numbers, if only in words ("half of ninety eight", "an ounce").
        shown = kinds(text)
        has_number = bool(shown) or bool(_DIGIT.search(text))
        for name, _ in self._index.search(cue_words(text, shown), len(self._functions)):
            if self._functions[name].takes(has_number, shown):
                return name
        return None
