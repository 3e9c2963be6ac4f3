"""The knowledge agent's edge: its A2A skill handler (the chassis serves it at POST /a2a)."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI

from agents.knowledge.service import KnowledgeService
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["answer"]


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    """Answer a question from the project's documents, with citations."""
    return await cast(KnowledgeService, app.state.service).answer(request)
