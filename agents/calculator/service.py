"""The calculator's use case: answer a task with the value of its arithmetic, or say why not."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from pydantic import ValidationError

from agents.calculator.arithmetic import ExpressionError, Limits, evaluate
from agents.calculator.models import ArithmeticArguments
from chassis.errors import UnprocessableError
from chassis.skills import SkillAnswer, SkillRequest
from chassis.work import WorkBudgetExceeded, WorkPort
from phrasing.arithmetic import to_expression

__all__ = ["CalculatorService", "NoArithmeticError"]

log = logging.getLogger(__name__)


class NoArithmeticError(UnprocessableError):
    """The task is not one expression the calculator can evaluate (the reason says why)."""


class CalculatorService:
    def __init__(self, agent_id: str, *, work: WorkPort, limits: Limits) -> None:
        self._agent_id = agent_id
        self._work = work
        self._limits = limits

    async def answer(self, request: SkillRequest, *, deadline: datetime | None) -> SkillAnswer:
        """'1000 + 1 = 1001'; a refusal with the reason when the input is not arithmetic it
        understands, or when evaluating it runs past the work budget. Arithmetic asked in
        words ("multiply 23 by 19", "half of ninety eight") is read as its expression,
        unless the caller gave the expression as the argument `expression`."""
        expression = to_expression(request.input)
        if "expression" in request.arguments:
            try:
                expression = ArithmeticArguments.model_validate(request.arguments).expression
            except ValidationError as exc:
                raise NoArithmeticError(f"arguments: {exc.errors()[0]['msg']}") from exc
        job = functools.partial(evaluate, expression, self._limits)
        try:
            result = await self._work.run(job, deadline=deadline)
        except ExpressionError as exc:
            log.info("refused: %s", exc, extra={"task_id": request.task_id})
            raise NoArithmeticError(str(exc)) from exc
        except WorkBudgetExceeded as exc:
            log.warning("refused: %s", exc.detail, extra={"task_id": request.task_id})
            raise
        log.info("evaluated %s", result.expression, extra={"task_id": request.task_id})
        return SkillAnswer(
            output=result.answer,
            data={"expression": result.expression, "value": result.value, "exact": result.exact},
        )
