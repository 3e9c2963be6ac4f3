"""The chunk index: chunk vectors in one matrix, searched by cosine distance (persistence layer).

The vectors come from the agent's Semantic Kernel embedding generator
(`EmbeddingGeneratorBase`, so a real model or Azure OpenAI embeddings
replace the local one without touching this). Scoring is one matrix
product over all chunks: Semantic Kernel's in-memory vector store, used
before, scored chunk by chunk with scipy (14 ms of CPU per question over
165 chunks, measured; the knowledge agent was the slowest of a fan-out).
The distances are the same: cosine distance, lower is closer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from semantic_kernel.connectors.ai.embedding_generator_base import EmbeddingGeneratorBase

from agents.knowledge.documents import Chunk

__all__ = ["ChunkIndex", "Hit"]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    distance: float  # cosine distance: lower is closer


def _unit_rows(vectors: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rows scaled to length 1 (a zero row stays zero: it is close to nothing)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: NDArray[np.float64] = np.divide(
        vectors, norms, out=np.zeros_like(vectors), where=norms > 0
    )
    return unit


class ChunkIndex:
    def __init__(self, generator: EmbeddingGeneratorBase) -> None:
        self._generator = generator
        self._chunks: list[Chunk] = []
        self._vectors: NDArray[np.float64] = np.zeros((0, 0))
        self.size = 0

    async def build(self, chunks: list[Chunk]) -> None:
        # The heading says what a section is about: let it weigh twice.
        texts = [f"{c.heading}\n{c.heading}\n{c.text}" for c in chunks]
        if texts:
            vectors = await self._generator.generate_embeddings(texts)
            self._vectors = _unit_rows(np.asarray(vectors, dtype=np.float64))
        self._chunks = list(chunks)
        self.size = len(chunks)

    async def search(self, question: str, top: int) -> list[Hit]:
        """The `top` closest chunks, closest first (ties in document order)."""
        if not self.size:
            return []
        [query] = _unit_rows(np.asarray(await self._generator.generate_embeddings([question])))
        distances = 1.0 - self._vectors @ query
        best = np.argsort(distances, kind="stable")[:top]
        return [Hit(self._chunks[i], float(distances[i])) for i in best]
