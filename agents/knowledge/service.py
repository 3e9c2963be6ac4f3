"""The knowledge agent's use case: retrieve the closest chunks, answer with citations."""

from __future__ import annotations

import logging
import re

from agents.knowledge.embeddings import content_words
from agents.knowledge.index import ChunkIndex, Hit
from chassis.errors import UnprocessableError
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["KnowledgeService", "NothingFoundError"]

log = logging.getLogger(__name__)

# Sections ranked before those of a document the question names are moved first.
CANDIDATES = 50
MAX_LINES = 4
_WORD = re.compile(r"[a-z0-9]+")
_MARKUP = re.compile(r"[`*|#>]+|-{3,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`*])")


class NothingFoundError(UnprocessableError):
    """No document says anything about the question."""


class KnowledgeService:
    def __init__(self, *, agent_id: str, index: ChunkIndex, top_k: int) -> None:
        self._agent_id = agent_id
        self._index = index
        self._top_k = top_k

    async def answer(self, request: SkillRequest) -> SkillAnswer:
        """Quote the lines of the best-matching sections that share words with the question."""
        # A wide pool: a document the question names ("the README") may rank below others.
        pool = await self._index.search(request.input, max(CANDIDATES, 2 * self._top_k))
        hits = _prefer_named_documents(pool, request.input)[: self._top_k]
        wanted = set(content_words(request.input))
        quoted: list[tuple[str, int]] = []
        for number, hit in enumerate(hits, start=1):
            for line in _relevant_lines(hit, wanted):
                if len(quoted) < MAX_LINES:
                    quoted.append((line, number))
        if not quoted:
            raise NothingFoundError("the documents say nothing about that")
        log.info("answered from %d sections", len(hits), extra={"task_id": request.task_id})
        cited = sorted({n for _, n in quoted})
        answer = " ".join(f"{line} [{n}]" for line, n in quoted)
        sources = "; ".join(f"[{n}] {hits[n - 1].chunk.citation}" for n in cited)
        return SkillAnswer(
            output=f"{answer}\nSources: {sources}",
            data={
                "citations": [
                    {
                        "ref": n,
                        "source": hits[n - 1].chunk.source,
                        "section": hits[n - 1].chunk.heading,
                        "lines": [hits[n - 1].chunk.first_line, hits[n - 1].chunk.last_line],
                        "distance": round(hits[n - 1].distance, 4),
                    }
                    for n in cited
                ]
            },
        )


def _prefer_named_documents(hits: list[Hit], question: str) -> list[Hit]:
    """Hits from a document the question names ("the README") first, order kept otherwise."""
    words = set(_WORD.findall(question.lower()))

    def named(hit: Hit) -> bool:
        return set(_WORD.findall(hit.chunk.source.lower().removesuffix(".md"))) <= words

    return sorted(hits, key=lambda hit: not named(hit))


def _units(text: str) -> list[str]:
    """Sentences of the prose (Markdown wraps them across lines) and table rows."""
    units: list[str] = []
    prose: list[str] = []
    for raw in text.splitlines():
        if raw.lstrip().startswith("|"):
            units.append(raw)
        else:
            prose.append(raw)
    units += _SENTENCE_END.split(" ".join(prose))
    return [" ".join(_MARKUP.sub(" ", u).split()) for u in units]


def _relevant_lines(hit: Hit, wanted: set[str]) -> list[str]:
    """Sentences sharing a word with the question; all of them when the section title does."""
    whole_section = bool(wanted & set(content_words(hit.chunk.heading)))
    return [
        unit[:400]
        for unit in _units(hit.chunk.text)
        if len(unit) > 20 and (whole_section or wanted & set(content_words(unit)))
    ]
