"""The answer's sentences: whole sentences of the best passages (knowledge layer).

Sentences are split by pysbd (rule-based sentence boundary detection: "v1.18.3",
"e.g." and "(403)" do not end a sentence), only for the few passages a
question retrieved, so the index builds without it. A sentence is scored by
the share of the question's term weight it holds (a term only its section's
headings hold counts half), plus a bonus when two of the question's terms stand next to each
other in it, in any order ("a paused agent" for "an agent is paused"), plus a
share of its vector's similarity to the question's (the wording: "Redis
restarts" over "restart Redis"), plus a small share of its passage's rank;
a question asking for a value (a port, a version, "how many") prefers a
sentence with a number in it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pysbd

from agents.knowledge.index import Hit, PassageIndex, terms

__all__ = ["Sentence", "best_sentences", "split_sentences"]

_PAIR_BONUS = 0.35
_LEADING_DOT = re.compile(r"(?<=\s)\.(?=[\w/.])")
_DOT_STANDIN = "\u2024"  # one dot leader: not a full stop to pysbd
_TITLE_SHARE = 0.5
# A question that asks for a value (a port, a version, how many...) is answered by a
# sentence with a number in it: the answer type of question answering, in its simplest form.
_ASKS_VALUE = re.compile(
    r"\b(?:ports?|versions?|how (?:many|much|long|big|large|often|fast)|size|limit|timeout)\b",
    re.I,
)
_DIGIT = re.compile(r"\d")
_VALUE_BONUS = 0.3
_RANK_WEIGHT = 0.1
_SIMILARITY_WEIGHT = 0.3


@functools.cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """The sentences of a plain-text passage, whitespace trimmed."""
    # pysbd ends a sentence at " ." before a path (".run/stack.json", "./x"): hide that dot.
    hidden = _LEADING_DOT.sub(_DOT_STANDIN, text)
    return [s.strip().replace(_DOT_STANDIN, ".") for s in _segmenter().segment(hidden) if s.strip()]


@dataclass(frozen=True)
class Sentence:
    text: str
    hit: Hit  # the passage it is from
    position: int  # its place in the passage
    score: float


def _has_pair(words: list[str], asked: set[str]) -> bool:
    """Whether two different question terms stand next to each other in `words`."""
    return any(a != b and {a, b} <= asked for a, b in itertools.pairwise(words))


async def best_sentences(index: PassageIndex, hits: Sequence[Hit], question: str) -> list[Sentence]:
    """The sentences of the passages `hits` (best first), best first."""
    asked = index.question_terms(question)
    wants_value = bool(_ASKS_VALUE.search(question))
    total = sum(index.weight(t, frozenset({t})) for t in asked) or 1.0
    found = [
        (rank, hit, position, text)
        for rank, hit in enumerate(hits)
        for position, text in enumerate(split_sentences(hit.passage.text))
    ]
    similarity = await index.similarities(question, [text for *_, text in found])
    scored: list[Sentence] = []
    for (rank, hit, position, text), alike in zip(found, similarity, strict=True):
        words = terms([text])[0]
        said = frozenset(words)
        titled = frozenset(terms([" ".join(hit.passage.headings)])[0])
        # A term the sentence says itself counts fully; one only its section's title says, half.
        share = (
            sum(index.weight(t, said) or _TITLE_SHARE * index.weight(t, titled) for t in asked)
            / total
        )
        bonus = _PAIR_BONUS if _has_pair(words, set(asked)) else 0.0
        if wants_value and _DIGIT.search(text):
            bonus += _VALUE_BONUS
        place = _RANK_WEIGHT * (len(hits) - rank) / len(hits)
        scored.append(
            Sentence(text, hit, position, share + bonus + place + _SIMILARITY_WEIGHT * alike)
        )
    return sorted(scored, key=lambda s: -s.score)
