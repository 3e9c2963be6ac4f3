"""How one agent call travels: Dapr service invocation, or pub/sub for asynchronous tasks.

Both take the same `AgentCall`, give the agent the task's deadline, and
turn every way an agent can fail into one of the named task errors: a
refused answer (`outcome: refused`) into `AgentRejectedTask`, anything
that leaves no answer into `AgentUnavailable` or `DeadlineExceeded`, in
our words (Dapr's own error text goes to the log only).
"""

from __future__ import annotations

import logging
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
    Outcome,
    agent_requests_topic,
    deadline_headers,
    remaining_seconds,
)
from chassis.dapr import DaprError, DaprPort, FailedHop, InvocationFailed
from chassis.errors import ServiceError
from orchestrator.errors import (
    AgentRejectedTask,
    AgentUnavailable,
    DeadlineExceeded,
    rejects_input,
    unavailable_reason,
)
from orchestrator.tasks.step_results import StepResults

__all__ = ["AgentCall", "AgentTransport", "InvocationTransport", "PubSubTransport"]

log = logging.getLogger(__name__)


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


def _refused(call: AgentCall, reason: str) -> AgentRejectedTask:
    return AgentRejectedTask(f"agent {call.app_id!r} refused the task: {reason}")


def _answered(call: AgentCall, response: AgentResponse) -> AgentResponse:
    """The response, if the agent did the task; its refusal as a task error otherwise."""
    if response.outcome is Outcome.REFUSED:
        raise _refused(call, response.reason or "no reason given")
    return response


def _deadline_passed(call: AgentCall) -> DeadlineExceeded | None:
    if remaining_seconds(call.deadline) > 0:
        return None
    return DeadlineExceeded(f"agent {call.app_id!r} did not answer before the deadline")


def _invocation_failure(call: AgentCall, exc: DaprError) -> ServiceError:
    log.warning("agent call failed: %s", exc, extra={"task_id": call.task_id, "agent": call.app_id})
    if (
        isinstance(exc, InvocationFailed) and exc.hop is FailedHop.APP and rejects_input(exc.status)
    ):  # an agent off the chassis, refusing with a 4xx
        return _refused(call, _reason(exc.body))
    return _deadline_passed(call) or AgentUnavailable(unavailable_reason(call.app_id, exc))


def _result_failure(call: AgentCall, result: AgentResult) -> ServiceError:
    """The error of asynchronous work that got no response (the agent's own status and words)."""
    reason = result.error or "no reason given"
    if rejects_input(result.status):
        return _refused(call, reason)
    if result.status == 504 and (passed := _deadline_passed(call)):
        return passed
    return AgentUnavailable(f"agent {call.app_id!r} failed (HTTP {result.status}): {reason}")


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
        except DaprError as exc:
            raise _invocation_failure(call, exc) from exc
        try:
            response = AgentResponse.model_validate(raw)
        except ValidationError as exc:
            raise AgentUnavailable(f"agent {call.app_id!r} answered outside the contract") from exc
        return _answered(call, response)


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
            raise _result_failure(call, result)
        return _answered(call, result.response)

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
            log.warning("work for %s not published: %s", call.app_id, exc)
            reason = f"work for agent {call.app_id!r} could not be sent (pub/sub unavailable)"
            raise AgentUnavailable(reason) from exc
        result = await self._results.wait(
            call.step_id, budget_s, give_up=lambda: self._is_gone(call.app_id)
        )
        if result is not None:
            return result
        if remaining_seconds(call.deadline) <= 0:
            raise DeadlineExceeded(f"agent {call.app_id!r} did not answer before the deadline")
        raise AgentUnavailable(f"agent {call.app_id!r} became unavailable before it answered")
