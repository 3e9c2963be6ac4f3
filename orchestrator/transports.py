"""How one agent call travels: Dapr service invocation, or pub/sub for asynchronous tasks.

Both take the same `AgentCall`, give the agent the task's deadline, and
turn every way an agent can fail into one of the named task errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from chassis.contract import (
    AGENT_INVOKE_METHOD,
    AgentRequest,
    AgentResponse,
    AgentResult,
    AgentWork,
    agent_requests_topic,
    deadline_headers,
    remaining_seconds,
)
from chassis.dapr import DaprError, DaprPort, InvocationFailed
from chassis.errors import ServiceError
from orchestrator.errors import (
    AgentRejectedTask,
    AgentUnavailable,
    DeadlineExceeded,
    rejects_input,
)
from orchestrator.step_results import StepResults

__all__ = ["AgentCall", "AgentTransport", "InvocationTransport", "PubSubTransport"]


@dataclass(frozen=True)
class AgentCall:
    task_id: str
    step_id: str
    app_id: str
    text: str
    deadline: datetime


class AgentTransport(Protocol):
    async def call(self, call: AgentCall) -> AgentResponse:
        """The agent's answer; raises a task error if there is none."""
        ...


def _budget(call: AgentCall, cap_s: float) -> float:
    left = remaining_seconds(call.deadline)
    if left <= 0:
        raise DeadlineExceeded(
            f"the task's deadline passed before agent {call.app_id!r} was called"
        )
    return min(cap_s, left)


def _failure(call: AgentCall, status: int, reason: str) -> ServiceError:
    if rejects_input(status):
        return AgentRejectedTask(f"agent {call.app_id!r} rejected the task: {reason}")
    if status == 504 and remaining_seconds(call.deadline) <= 0:
        return DeadlineExceeded(f"agent {call.app_id!r} did not answer before the deadline")
    return AgentUnavailable(f"agent {call.app_id!r} failed with HTTP {status}: {reason}")


def _reason(body: Any) -> str:
    if isinstance(body, dict):
        for field in ("detail", "message", "error"):
            if isinstance(body.get(field), str):
                return str(body[field])
    return str(body)[:500]


class InvocationTransport:
    """Service invocation through the orchestrator's sidecar (Dapr retries and breakers apply)."""

    def __init__(self, dapr: DaprPort, *, timeout_s: float) -> None:
        self._dapr = dapr
        self._timeout_s = timeout_s

    async def call(self, call: AgentCall) -> AgentResponse:
        timeout = _budget(call, self._timeout_s)
        request = AgentRequest(task_id=call.task_id, input=call.text)
        try:
            raw = await self._dapr.invoke(
                call.app_id,
                AGENT_INVOKE_METHOD,
                request.model_dump(),
                timeout_s=timeout,
                headers=deadline_headers(call.deadline),
            )
        except InvocationFailed as exc:
            raise _failure(call, exc.status, _reason(exc.body)) from exc
        except DaprError as exc:
            if remaining_seconds(call.deadline) <= 0:
                raise DeadlineExceeded(f"agent {call.app_id!r} did not answer in time") from exc
            raise AgentUnavailable(f"agent {call.app_id!r} unreachable: {exc}") from exc
        try:
            return AgentResponse.model_validate(raw)
        except ValidationError as exc:
            raise AgentUnavailable(f"agent {call.app_id!r} answered outside the contract") from exc


class PubSubTransport:
    """Work published on the agent's own topic; the answer comes back on `agent.results`.

    The answer is awaited until the task's deadline, not a shorter per-call
    timeout: a result that reached the orchestrator's sidecar while the
    orchestrator restarted is delivered again only after the pub/sub
    processingTimeout. An agent the registry finds gone meanwhile (removed, or
    its probes failing; a late heartbeat is not enough) fails the step at
    once. An agent whose card does not say it takes asynchronous
    work is called by invocation instead; a call made again (a redelivered
    task) reuses a stored answer rather than sending the work twice.
    """

    def __init__(
        self,
        dapr: DaprPort,
        *,
        pubsub: str,
        results: StepResults,
        takes_work: Callable[[str], bool],
        is_gone: Callable[[str], bool],
        fallback: AgentTransport,
    ) -> None:
        self._dapr = dapr
        self._pubsub = pubsub
        self._results = results
        self._takes_work = takes_work
        self._is_gone = is_gone
        self._fallback = fallback

    async def call(self, call: AgentCall) -> AgentResponse:
        if not self._takes_work(call.app_id):
            return await self._fallback.call(call)
        result = await self._results.lookup(call.step_id)
        if result is None:
            result = await self._send_and_wait(call, _budget(call, math.inf))
        if result.agent != call.app_id:
            raise AgentUnavailable(f"a result for agent {call.app_id!r} came from {result.agent!r}")
        if result.response is None:
            raise _failure(call, result.status, result.error or "no reason given")
        return result.response

    async def _send_and_wait(self, call: AgentCall, budget_s: float) -> AgentResult:
        work = AgentWork(
            task_id=call.task_id,
            step_id=call.step_id,
            agent=call.app_id,
            input=call.text,
            deadline=call.deadline,
        )
        try:
            await self._dapr.publish(
                self._pubsub,
                agent_requests_topic(call.app_id),
                work.model_dump_json().encode(),
                # The step id is the message id (agents dedupe by it); stale work is
                # dropped by Dapr itself, to the dead letters.
                metadata={"cloudevent.id": call.step_id, "ttlInSeconds": str(math.ceil(budget_s))},
            )
        except DaprError as exc:
            raise AgentUnavailable(f"work for agent {call.app_id!r} not sent: {exc}") from exc
        result = await self._results.wait(
            call.step_id, budget_s, give_up=lambda: self._is_gone(call.app_id)
        )
        if result is not None:
            return result
        if remaining_seconds(call.deadline) <= 0:
            raise DeadlineExceeded(f"agent {call.app_id!r} did not answer before the deadline")
        raise AgentUnavailable(f"agent {call.app_id!r} became unavailable before it answered")
