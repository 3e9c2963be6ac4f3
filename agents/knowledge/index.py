"""The passage index: BM25 (bm25s) fused with embedding vectors (persistence layer).

Ranking: a passage's score is its BM25 score over word stems (snowball) of
its headings and text, divided by the best BM25 score of the question, plus
`VECTOR_WEIGHT` times the cosine similarity of their vectors. BM25 carries
the rare words that say what a question is about ("pinned", "paused",
"Redis"); the vectors (the agent's Semantic Kernel embedding generator, so a
real model or Azure OpenAI embeddings replace the local one without touching
this) break ties between passages with the same words.

Coverage, the measure of "the documentation says": the share of the
question's term weight (BM25's inverse document frequency) that the best
passage contains. A term no document has weighs as much as the rarest
term, so "zebra migration" is covered by nothing. A question word that is
not in any document but is close to a word that is (a typo: "verison") is
read as that word (difflib, ratio at least 0.85: "paris" is not "parti").
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
from numpy.typing import NDArray
from semantic_kernel.connectors.ai.embedding_generator_base import EmbeddingGeneratorBase

from agents.knowledge.documents import Passage

__all__ = ["Hit", "PassageIndex", "terms"]

VECTOR_WEIGHT = 0.5
_TYPO_RATIO = 0.85
# Words that say a text is a question, or name the documents themselves: they
# tell nothing about the topic (bm25s's English list has only the articles).
_QUESTION_WORDS = """about after all also am any can could did do does doc docs document
    documentation documents explain find found from guide had happen happens has have hubspoke how
    i kept listen listens live lives located many me much my need needs please pls readme say says
    should stored tell us we what whats when where which who why would you your""".split()
_STOPWORDS = sorted({*bm25s.stopwords.STOPWORDS_EN, *_QUESTION_WORDS})
# "v1.18.3", "v1.18", "1.18.3"; not "Python 3.11" or "Go 1.26" (could be any number).
_VERSION = re.compile(r"\bv\d+\.\d+(?:\.\d+)?\b|\b\d+\.\d+\.\d+\b")
# One thing, two names in the documents (the stems): a question may use either.
_SYNONYMS = {"kubernet": "k8s", "k8s": "kubernet", "manifest": "k8s"}


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def terms(texts: list[str]) -> list[list[str]]:
    """The BM25 terms of each text: lower-case word stems, stop words dropped; a version
    number ("v1.18.3", "1.18.3") also counts as the word "version"."""
    tokenized = bm25s.tokenize(
        [_versioned(text) for text in texts],
        stopwords=_STOPWORDS,
        stemmer=_stemmer().stemWords,
        return_ids=False,
        show_progress=False,
    )
    return [list(words) for words in tokenized]


def _versioned(text: str) -> str:
    return _VERSION.sub(r"\g<0> version", text)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused: BM25 over the best BM25, plus the weighted cosine similarity
    coverage: float  # the share of the question's term weight this passage holds, 0..1


def _unit_rows(vectors: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rows scaled to length 1 (a zero row stays zero: it is close to nothing)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: NDArray[np.float64] = np.divide(
        vectors, norms, out=np.zeros_like(vectors), where=norms > 0
    )
    return unit


def _indexed_text(passage: Passage) -> str:
    # The section's headings say what it is about: they are part of every passage of it,
    # its own heading twice (a passage is about its section more than about the chapter).
    return "\n".join([*passage.headings, passage.heading, passage.text])


class PassageIndex:
    """BM25 and vectors over a fixed set of passages; `build` replaces them."""

    def __init__(self, generator: EmbeddingGeneratorBase) -> None:
        self._generator = generator
        self._passages: list[Passage] = []
        self._terms: list[frozenset[str]] = []
        self._idf: dict[str, float] = {}
        self._bm25 = bm25s.BM25(b=0.5)
        self._vectors: NDArray[np.float64] = np.zeros((0, 0))

    @property
    def size(self) -> int:
        return len(self._passages)

    async def build(self, passages: Iterable[Passage]) -> None:
        """Index `passages` (their vectors come from the embedding generator)."""
        self._passages = list(passages)
        texts = [_indexed_text(p) for p in self._passages]
        corpus = terms(texts)
        self._terms = [frozenset(words) for words in corpus]
        count = len(corpus)
        frequency: dict[str, int] = {}
        for words in self._terms:
            for word in words:
                frequency[word] = frequency.get(word, 0) + 1
        self._idf = {w: math.log(1 + (count - n + 0.5) / (n + 0.5)) for w, n in frequency.items()}
        if texts:
            self._bm25 = bm25s.BM25(b=0.5)
            self._bm25.index(corpus, show_progress=False)
            vectors = await self._generator.generate_embeddings(texts)
            self._vectors = _unit_rows(np.asarray(vectors, dtype=np.float64))

    def question_terms(self, question: str) -> list[str]:
        """The question's BM25 terms, a typo read as the indexed word it is close to."""
        words: list[str] = []
        for word in dict.fromkeys(terms([question])[0]):
            if word not in self._idf:
                close = difflib.get_close_matches(word, self._idf, n=1, cutoff=_TYPO_RATIO)
                word = close[0] if close else word
            words.append(word)
        return list(dict.fromkeys(words))

    def weight(self, term: str, held: frozenset[str]) -> float:
        """The term's inverse document frequency if `held` has it (or its synonym), else 0.
        A term no document has weighs as much as the rarest one."""
        if term not in held and _SYNONYMS.get(term) not in held:
            return 0.0
        return self._idf.get(term, max(self._idf.values(), default=1.0))

    def coverage(self, words: list[str], held: frozenset[str]) -> float:
        """The share of the weight of the question terms `words` that `held` holds, 0..1."""
        total = sum(self.weight(w, frozenset({w})) for w in words)
        return sum(self.weight(w, held) for w in words) / total if total else 0.0

    async def similarities(self, question: str, texts: list[str]) -> list[float]:
        """The cosine similarity of each text's vector to the question's, -1..1."""
        vectors = await self._generator.generate_embeddings(
            [_versioned(question), *map(_versioned, texts)]
        )
        query, *rows = _unit_rows(np.asarray(vectors, dtype=np.float64))
        return [float(row @ query) for row in rows]

    async def search(self, question: str, top: int) -> list[Hit]:
        """The `top` best passages for `question`, best first (ties in document order)."""
        words = self.question_terms(question)
        searched = [*words, *(_SYNONYMS[w] for w in words if w in _SYNONYMS)]
        known = [w for w in dict.fromkeys(searched) if w in self._idf]
        if not self._passages or not known:
            return []
        lexical = np.asarray(self._bm25.get_scores(known), dtype=np.float64)
        best = float(lexical.max())
        [query] = _unit_rows(np.asarray(await self._generator.generate_embeddings([question])))
        fused = (lexical / best if best > 0 else lexical) + VECTOR_WEIGHT * (self._vectors @ query)
        order = np.argsort(-fused, kind="stable")[:top]
        return [
            Hit(self._passages[i], float(fused[i]), self.coverage(words, self._terms[i]))
            for i in order
            if lexical[i] > 0
        ]
