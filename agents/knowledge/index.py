"""The chunk index in Semantic Kernel's in-memory vector store (persistence layer)."""

# No `from __future__ import annotations`: SK reads the Annotated fields at run time.

from dataclasses import dataclass
from typing import Annotated

from semantic_kernel.connectors.ai.embedding_generator_base import EmbeddingGeneratorBase
from semantic_kernel.connectors.in_memory import InMemoryCollection, InMemoryStore
from semantic_kernel.data.vector import DistanceFunction, VectorStoreField, vectorstoremodel

from agents.knowledge.documents import Chunk
from agents.knowledge.embeddings import DIMENSIONS

__all__ = ["ChunkIndex", "Hit"]


@dataclass
class ChunkRecord:
    id: Annotated[str, VectorStoreField("key")]
    source: Annotated[str, VectorStoreField("data", is_indexed=True)]
    heading: Annotated[str, VectorStoreField("data")]
    first_line: Annotated[int, VectorStoreField("data")]
    last_line: Annotated[int, VectorStoreField("data")]
    text: Annotated[str, VectorStoreField("data")]
    # Set to the text to embed; the store's generator turns it into the vector.
    embedding: Annotated[
        list[float] | str | None,
        VectorStoreField(
            "vector", dimensions=DIMENSIONS, distance_function=DistanceFunction.COSINE_DISTANCE
        ),
    ] = None


# Applied as a call, not a decorator: its typing would erase the class for mypy.
vectorstoremodel(collection_name="documents")(ChunkRecord)  # type: ignore[misc]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    distance: float  # cosine distance: lower is closer


class ChunkIndex:
    def __init__(self, generator: EmbeddingGeneratorBase) -> None:
        self._store = InMemoryStore(embedding_generator=generator)
        self._collection: InMemoryCollection[str, ChunkRecord] = self._store.get_collection(
            record_type=ChunkRecord
        )
        self.size = 0

    async def build(self, chunks: list[Chunk]) -> None:
        await self._collection.ensure_collection_exists()
        records = [
            ChunkRecord(
                id=c.id,
                source=c.source,
                heading=c.heading,
                first_line=c.first_line,
                last_line=c.last_line,
                text=c.text,
                # The heading says what a section is about: let it weigh twice.
                embedding=f"{c.heading}\n{c.heading}\n{c.text}",
            )
            for c in chunks
        ]
        if records:
            await self._collection.upsert(records)
        self.size = len(records)

    async def search(self, question: str, top: int) -> list[Hit]:
        if not self.size:
            return []
        results = await self._collection.search(question, top=top)
        hits = []
        async for result in results.results:
            r = result.record
            chunk = Chunk(r.source, r.heading, r.first_line, r.last_line, r.text)
            hits.append(Hit(chunk, float(result.score or 0.0)))
        return hits
