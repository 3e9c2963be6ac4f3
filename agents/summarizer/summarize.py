"""Extractive summaries: keep the sentences that carry the most frequent words.

The knowledge layer of the summarizer: deterministic and offline, so the
walking skeleton answers the same way on every machine.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["summarize"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]+")
_PREFIX = re.compile(r"^\s*(summari[sz]e|tl;?dr)\s*[:,-]?\s*", re.IGNORECASE)
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


def summarize(text: str, max_sentences: int = 2) -> str:
    """Return the `max_sentences` most informative sentences, in their original order."""
    body = _PREFIX.sub("", text).strip()
    sentences = [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]
    if len(sentences) <= max_sentences:
        return " ".join(sentences)
    frequency = Counter(w for w in (m.lower() for m in _WORD.findall(body)) if w not in _STOPWORDS)

    def score(sentence: str) -> float:
        words = [w.lower() for w in _WORD.findall(sentence)]
        return sum(frequency[w] for w in words) / (len(words) or 1)

    best = sorted(range(len(sentences)), key=lambda i: score(sentences[i]), reverse=True)
    return " ".join(sentences[i] for i in sorted(best[:max_sentences]))
