"""BM25 ranking of short documents (skills, cards) against a text query.

An inverted index, so a query touches only documents that share a word
with it; per-word weights are precomputed (numpy) until the index changes.
Used by the registry's catalog and by the local planning model.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable

import numpy as np

__all__ = ["Bm25Index", "tokens"]

_WORD = re.compile(r"[a-z0-9]+")
# English function words (articles, pronouns, prepositions, auxiliaries,
# conjunctions): they say nothing about what a text is for, and a request must
# not match a skill through them ("translate hello into French" is no summary
# because a summarizer's description says "into").
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before
    being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not of off on once only or other our out
    over own please same say says she should so some such than that the their them
    then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your""".split()
)
# The usual BM25 parameters.
_K1 = 1.2
_B = 0.75


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class Bm25Index:
    """BM25 over short documents; `analyzer` turns a text into its terms (for both the
    documents and the queries; default `tokens`)."""

    def __init__(self, analyzer: Callable[[str], list[str]] = tokens) -> None:
        self._analyze = analyzer
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._lengths: dict[str, int] = {}
        self._words: dict[str, set[str]] = {}
        self._total_length = 0
        self._scoring: _Scoring | None = None

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, doc_id: str, text: str) -> None:
        """Index `text` under `doc_id` (replacing what was there)."""
        self.remove(doc_id)
        words = self._analyze(text)
        for word in words:
            posting = self._postings[word]
            posting[doc_id] = posting.get(doc_id, 0) + 1
        self._lengths[doc_id] = len(words)
        self._words[doc_id] = set(words)
        self._total_length += len(words)
        self._scoring = None

    def remove(self, doc_id: str) -> None:
        if doc_id not in self._lengths:
            return
        for word in self._words.pop(doc_id):
            self._postings[word].pop(doc_id, None)
            if not self._postings[word]:
                del self._postings[word]
        self._total_length -= self._lengths.pop(doc_id)
        self._scoring = None

    def search(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """Documents ranked by relevance to `text`, best first (only those sharing a word)."""
        if not self._lengths or limit < 1:
            return []
        if self._scoring is None:
            self._scoring = _Scoring(self._postings, self._lengths, self._total_length)
        return self._scoring.search(set(self._analyze(text)), limit)


class _Scoring:
    """What a search needs, computed once per version of the index.

    Each word's BM25 weight per document is precomputed (lazily, per word) as
    numpy arrays, so a query is a few vector additions instead of a Python
    loop over every posting: with 10,000 agents a common word has thousands.
    """

    def __init__(
        self, postings: dict[str, dict[str, int]], lengths: dict[str, int], total_length: int
    ) -> None:
        self._postings = postings
        self._ids = list(lengths)
        self._position = {doc_id: i for i, doc_id in enumerate(self._ids)}
        average = total_length / len(lengths) or 1.0
        length = np.fromiter(lengths.values(), dtype=np.float64, count=len(lengths))
        self._norms = _K1 * (1 - _B + _B * length / average)
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _word(self, word: str) -> tuple[np.ndarray, np.ndarray] | None:
        cached = self._weights.get(word)
        if cached is None:
            posting = self._postings.get(word)
            if not posting:
                return None
            where = np.fromiter(
                (self._position[d] for d in posting), dtype=np.intp, count=len(posting)
            )
            frequency = np.fromiter(posting.values(), dtype=np.float64, count=len(posting))
            count = len(self._ids)
            idf = math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            weight = idf * frequency * (_K1 + 1) / (frequency + self._norms[where])
            cached = self._weights[word] = (where, weight)
        return cached

    def search(self, words: set[str], limit: int) -> list[tuple[str, float]]:
        scores = np.zeros(len(self._ids))
        for word in words:
            entry = self._word(word)
            if entry is not None:
                scores[entry[0]] += entry[1]  # positions are unique within one word
        hits = np.flatnonzero(scores)
        if len(hits) > limit:
            # Keep every document tied with the last place, then order by (score, id).
            kth = np.partition(scores[hits], len(hits) - limit)[len(hits) - limit]
            hits = hits[scores[hits] >= kth]
        ranked = sorted(
            ((self._ids[i], float(scores[i])) for i in hits), key=lambda item: (-item[1], item[0])
        )
        return ranked[:limit]
