"""The calculator's use case: answer a task with the value of its arithmetic."""

from __future__ import annotations

import logging

from agents.calculator.arithmetic import ExpressionError, evaluate
from chassis.contract import AgentRequest, AgentResponse
from chassis.errors import UnprocessableError

__all__ = ["CalculatorService", "NoArithmeticError"]

log = logging.getLogger(__name__)


class NoArithmeticError(UnprocessableError):
    """The task holds nothing the calculator can evaluate."""


class CalculatorService:
    def __init__(self, agent_id: str) -> None:
        self._agent_id = agent_id

    def answer(self, request: AgentRequest) -> AgentResponse:
        """Evaluate the task's arithmetic; 422 when there is none."""
        try:
            result = evaluate(request.input)
        except ExpressionError as exc:
            log.info("no arithmetic: %s", exc, extra={"task_id": request.task_id})
            raise NoArithmeticError(str(exc)) from exc
        log.info("evaluated %s", result.expression, extra={"task_id": request.task_id})
        return AgentResponse(
            agent=self._agent_id,
            output=_format(result.value),
            data={"expression": result.expression, "value": result.value},
        )


def _format(value: float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return f"{value:.10g}"
