"""BM25 ranking of short documents (skills, cards) against a text query.

An inverted index, so a query touches only documents that share a word
with it; per-document length norms are cached until the index changes.
Used by the registry's catalog and by the local planning model.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict

__all__ = ["Bm25Index", "tokens"]

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how in is it me of on or please say "
    "says the this to what with".split()
)
# The usual BM25 parameters.
_K1 = 1.2
_B = 0.75


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class Bm25Index:
    def __init__(self) -> None:
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._lengths: dict[str, int] = {}
        self._words: dict[str, set[str]] = {}
        self._total_length = 0
        self._norms: dict[str, float] | None = None

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, doc_id: str, text: str) -> None:
        """Index `text` under `doc_id` (replacing what was there)."""
        self.remove(doc_id)
        words = tokens(text)
        for word in words:
            posting = self._postings[word]
            posting[doc_id] = posting.get(doc_id, 0) + 1
        self._lengths[doc_id] = len(words)
        self._words[doc_id] = set(words)
        self._total_length += len(words)
        self._norms = None

    def remove(self, doc_id: str) -> None:
        if doc_id not in self._lengths:
            return
        for word in self._words.pop(doc_id):
            self._postings[word].pop(doc_id, None)
            if not self._postings[word]:
                del self._postings[word]
        self._total_length -= self._lengths.pop(doc_id)
        self._norms = None

    def search(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """Documents ranked by relevance to `text`, best first (only those sharing a word)."""
        if not self._lengths:
            return []
        norms = self._length_norms()
        count = len(self._lengths)
        scores: dict[str, float] = defaultdict(float)
        for word in set(tokens(text)):
            posting = self._postings.get(word)
            if not posting:
                continue
            idf = math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc_id, frequency in posting.items():
                scores[doc_id] += idf * frequency * (_K1 + 1) / (frequency + norms[doc_id])
        return heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))

    def _length_norms(self) -> dict[str, float]:
        if self._norms is None:
            average = self._total_length / len(self._lengths)
            self._norms = {
                doc_id: _K1 * (1 - _B + _B * length / average)
                for doc_id, length in self._lengths.items()
            }
        return self._norms
