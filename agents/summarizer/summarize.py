"""Extractive summaries: keep the sentences that carry the most frequent words.

The knowledge layer of the summarizer: deterministic and offline, so it
answers the same way on every machine. The instruction is set apart from the
text first (`phrasing.instructions`: "shorten this: <text>"), and sentences
are found by pysbd, a rule-based sentence splitter ("Dr. Smith" and "3.5 km"
end no sentence), so a summary is whole sentences of the text only.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

import pysbd

from phrasing.instructions import text_to_summarize

__all__ = ["summarize"]

_WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]+")
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "you",
        "your",
        "we",
        "our",
        "not",
    }
)


@functools.cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def summarize(text: str, max_sentences: int = 2) -> str:
    """Return the `max_sentences` most informative sentences, in their original order."""
    body = text_to_summarize(text)
    sentences = [s.strip() for s in _segmenter().segment(body) if s.strip()]
    if len(sentences) <= max_sentences:
        return " ".join(sentences)
    frequency = Counter(w for w in (m.lower() for m in _WORD.findall(body)) if w not in _STOPWORDS)

    def score(sentence: str) -> float:
        words = [w.lower() for w in _WORD.findall(sentence)]
        return sum(frequency[w] for w in words) / (len(words) or 1)

    best = sorted(range(len(sentences)), key=lambda i: score(sentences[i]), reverse=True)
    return " ".join(sentences[i] for i in sorted(best[:max_sentences]))
