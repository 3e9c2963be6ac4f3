"""A local embedding generator for Semantic Kernel's vector stores (AI layer).

Signed feature hashing of words and word pairs into a fixed-size vector,
with sublinear term weights, L2-normalised: deterministic, offline and
instant. Why not a neural model: the one that ships its weights on PyPI
(all-MiniLM-L6-v2) needs torch, over a gigabyte more in every image and CI
run; this generator has the same interface, so a real model (or Azure
OpenAI embeddings) replaces it without touching the agent.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from typing import Any

import numpy as np
from numpy.typing import NDArray
from semantic_kernel.connectors.ai.embedding_generator_base import EmbeddingGeneratorBase
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings

__all__ = ["DIMENSIONS", "HashingEmbeddingGenerator", "content_words"]

DIMENSIONS = 1024
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it its me of on or readme "
    "say says tell the this to what when which who why with you your".split()
)


def content_words(text: str) -> list[str]:
    """The words of `text` that carry meaning (no stop words)."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def _features(text: str) -> dict[str, float]:
    words = content_words(text)
    counts: dict[str, float] = {}
    # Neighbouring words as a pair in either order: "paused agent" ~ "agent is paused".
    pairs = (" ".join(sorted(pair)) for pair in itertools.pairwise(words))
    for feature in [*words, *pairs]:
        counts[feature] = counts.get(feature, 0.0) + 1.0
    return {f: 1.0 + math.log(c) for f, c in counts.items()}


def embed(text: str) -> NDArray[np.float64]:
    vector = np.zeros(DIMENSIONS)
    for feature, weight in _features(text).items():
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
        vector[digest % DIMENSIONS] += weight if digest >> 63 else -weight
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


class HashingEmbeddingGenerator(EmbeddingGeneratorBase):
    async def generate_embeddings(
        self,
        texts: list[str],
        settings: PromptExecutionSettings | None = None,
        **kwargs: Any,
    ) -> NDArray[np.float64]:
        return np.array([embed(t) for t in texts])
