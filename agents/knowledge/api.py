"""The knowledge agent's v1 API (routes only)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request

from agents.knowledge.service import KnowledgeService
from chassis.contract import AgentRequest, AgentResponse
from chassis.problems import PROBLEM_RESPONSES

__all__ = ["router"]


async def _service(request: Request) -> KnowledgeService:
    return cast(KnowledgeService, request.app.state.service)


router = APIRouter(prefix="/v1", tags=["agent"], responses=PROBLEM_RESPONSES)


@router.post("/invoke")
async def invoke(
    body: AgentRequest, service: Annotated[KnowledgeService, Depends(_service)]
) -> AgentResponse:
    """Answer a question from the project's documents, with citations."""
    return await service.answer(body)
