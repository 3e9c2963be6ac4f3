"""Evaluation examples sent to agents the way task steps are (the registry's smoke test).

An example travels exactly like a synchronous step: one A2A SendMessage
through the orchestrator's own sidecar (`A2AInvoker`, `step_request`), so an
agent that passes its examples passes them on the path its tasks take.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from a2a.helpers.proto_helpers import get_text_parts
from a2a.types import TaskState

from chassis.contract import ANSWER_ARTIFACT
from orchestrator.ports import AgentRoute, ExampleAnswer
from orchestrator.tasks.a2a_client import A2AInvoker
from orchestrator.tasks.transports import AgentCall, step_request

__all__ = ["A2AExampleRunner"]


class A2AExampleRunner:
    """Implements `orchestrator.ports.ExampleRunner` with the tasks' A2A client."""

    def __init__(self, a2a: A2AInvoker) -> None:
        self._a2a = a2a

    async def run(
        self, route: AgentRoute, skill: str, text: str, timeout_s: float
    ) -> ExampleAnswer:
        """The state and text the agent's task ended in; DaprError if no task came back."""
        call = AgentCall(
            task_id=f"evaluation-{uuid.uuid4().hex}",
            step_id=uuid.uuid4().hex,
            app_id=route.target,
            text=text,
            deadline=datetime.now(UTC) + timedelta(seconds=timeout_s),
            skill=skill,
        )
        task = await self._a2a.send(route, step_request(call), timeout_s)
        state = TaskState.Name(task.status.state).removeprefix("TASK_STATE_").lower()
        if task.status.state == TaskState.TASK_STATE_COMPLETED:
            artifacts = [a for a in task.artifacts if a.name == ANSWER_ARTIFACT] or list(
                task.artifacts
            )
            answer = "\n".join(get_text_parts([p for a in artifacts for p in a.parts]))
        else:
            answer = " ".join(get_text_parts(task.status.message.parts))
        return ExampleAnswer(state=state.replace("_", "-"), text=answer)
