"""The knowledge agent's use case: retrieve the passage that answers, quote its sentences, cite it.

The answer is at most `MAX_SENTENCES` whole sentences, the best first,
followed by "Sources:" and each cited file and section. When the best
passage holds less than `min_coverage` of the question's term weight (see
`index.py`), the documents do not answer the question and the answer says
so plainly, starting "The documentation does not say", rather than
quoting the nearest paragraph.
"""

from __future__ import annotations

import logging
from pathlib import Path

from agents.knowledge.documents import load_passages
from agents.knowledge.embeddings import HashingEmbeddingGenerator
from agents.knowledge.index import PassageIndex
from agents.knowledge.sentences import Sentence, best_sentences
from agents.knowledge.settings import KnowledgeSettings
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["NOT_SAID", "KnowledgeService", "build_service"]

log = logging.getLogger(__name__)

NOT_SAID = "The documentation does not say"
MAX_SENTENCES = 2
# A second sentence must be nearly as good as the first to be quoted.
_SECOND_SENTENCE = 0.8
_OTHER_PASSAGE = 0.9


class KnowledgeService:
    def __init__(
        self, *, agent_id: str, index: PassageIndex, top_k: int, min_coverage: float
    ) -> None:
        self._agent_id = agent_id
        self._index = index
        self._top_k = top_k
        self._min_coverage = min_coverage

    async def answer(self, request: SkillRequest) -> SkillAnswer:
        """The sentences that answer the question, with the file and section they are from."""
        hits = await self._index.search(request.input, self._top_k)
        if not hits or max(h.coverage for h in hits) < self._min_coverage:
            log.info("not in the documents", extra={"task_id": request.task_id})
            return SkillAnswer(
                output=f"{NOT_SAID} (searched {self._index.size} passages).",
                data={"citations": []},
            )
        ranked = await best_sentences(self._index, hits, request.input)
        quoted = _chosen(ranked)
        sources = list(dict.fromkeys(s.hit for s in quoted))
        answer = " ".join(f"{s.text} [{sources.index(s.hit) + 1}]" for s in quoted)
        cited = "; ".join(f"[{n}] {hit.passage.citation}" for n, hit in enumerate(sources, 1))
        return SkillAnswer(
            output=f"{answer}\nSources: {cited}",
            data={
                "citations": [
                    {
                        "ref": n,
                        "source": hit.passage.source,
                        "section": hit.passage.heading,
                        "lines": [hit.passage.first_line, hit.passage.last_line],
                        "coverage": round(hit.coverage, 3),
                    }
                    for n, hit in enumerate(sources, 1)
                ]
            },
        )


def _chosen(ranked: list[Sentence]) -> list[Sentence]:
    """The best sentence, and the next best if nearly as good (closer still when it is
    from another passage); the best first."""
    best, chosen = ranked[0], [ranked[0]]
    for sentence in ranked[1:MAX_SENTENCES]:
        bar = _SECOND_SENTENCE if sentence.hit is best.hit else _OTHER_PASSAGE
        if sentence.score >= bar * best.score:
            chosen.append(sentence)
    return sorted(
        chosen, key=lambda s: (s.hit.passage.source, s.hit.passage.first_line, s.position)
    )


async def build_service(settings: KnowledgeSettings, root: Path) -> KnowledgeService:
    """The service over the documents under `root` that `settings.documents` match."""
    index = PassageIndex(HashingEmbeddingGenerator(ai_model_id="hubspoke-hashing-1024"))
    await index.build(load_passages(settings.documents, root))
    return KnowledgeService(
        agent_id=settings.app_id,
        index=index,
        top_k=settings.top_k,
        min_coverage=settings.min_coverage,
    )
