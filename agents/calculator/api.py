"""The calculator's edge: its A2A skill handler (the chassis serves it at POST /a2a)."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI

from agents.calculator.service import CalculatorService
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["answer"]


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    """Evaluate the step's input, one arithmetic expression: '1000 + 1 = 1001'."""
    service = cast(CalculatorService, app.state.service)
    return await service.answer(request, deadline=request.deadline)
