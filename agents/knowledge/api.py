"""The knowledge agent's edge: its A2A skill handler (the chassis serves it at POST /a2a)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from fastapi import FastAPI

from chassis.deferred import BuiltOnThread
from chassis.skills import SkillAnswer, SkillRequest

if TYPE_CHECKING:
    from agents.knowledge.service import KnowledgeService

__all__ = ["answer"]


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    """Answer a question from the project's documents, with citations (once they are indexed)."""
    service = await cast("BuiltOnThread[KnowledgeService]", app.state.service).get()
    return await service.answer(request)
