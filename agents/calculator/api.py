"""The calculator's v1 API (routes only)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request

from agents.calculator.service import CalculatorService
from chassis.contract import AgentRequest, AgentResponse
from chassis.problems import PROBLEM_RESPONSES
from chassis.work import deadline_of

__all__ = ["router"]


async def _service(request: Request) -> CalculatorService:
    return cast(CalculatorService, request.app.state.service)


router = APIRouter(prefix="/v1", tags=["agent"], responses=PROBLEM_RESPONSES)


@router.post("/invoke")
async def invoke(
    body: AgentRequest,
    request: Request,
    service: Annotated[CalculatorService, Depends(_service)],
) -> AgentResponse:
    """Evaluate the task's input, one arithmetic expression: '1000 + 1 = 1001'."""
    return await service.answer(body, deadline=deadline_of(request.headers))
