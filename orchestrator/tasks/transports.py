"""How one agent call travels: A2A through Dapr service invocation, or over pub/sub.

Both send the step as one A2A Message (`messageId` = step id, `contextId` =
task id, one text part, `metadata.hubspoke` = deadline and skill, and the
conversation's last turns when the task continues one; see
`chassis.contract`), read the A2A Task it ended in, and turn every way an
agent can fail into one of the named task errors: `rejected` (and
`input-required`: we have nothing more to give) into `AgentRejectedTask`,
`failed` into `AgentUnavailable` (or `DeadlineExceeded` once the deadline
passed), anything that leaves no task into `AgentUnavailable` or
`DeadlineExceeded`, in our words (Dapr's own error text goes to the log only).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from a2a.helpers.proto_helpers import get_data_parts, get_text_parts
from a2a.types import (
    Message,
    Role,
    SendMessageConfiguration,
    SendMessageRequest,
    Task,
    TaskState,
)
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError

from chassis.contract import (
    ANSWER_ARTIFACT,
    AgentResult,
    AgentWork,
    agent_requests_topic,
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
from orchestrator.ports import AgentRoute, ConversationTurn
from orchestrator.tasks.a2a_client import A2AInvoker, A2AProtocolError
from orchestrator.tasks.message_parts import step_parts
from orchestrator.tasks.step_results import StepResults

__all__ = [
    "AgentAnswer",
    "AgentCall",
    "AgentTransport",
    "InvocationTransport",
    "PubSubTransport",
    "step_request",
]

log = logging.getLogger(__name__)
# How much of a conversation a step's message carries: its last turns, each part cut.
AGENT_TURNS = 3
AGENT_TURN_CHARS = 1000


@dataclass(frozen=True)
class AgentCall:
    task_id: str
    step_id: str
    app_id: str
    text: str
    deadline: datetime
    skill: str | None = None
    # The skill's structured arguments the planner filled (sent as a data part).
    arguments: dict[str, Any] = field(default_factory=dict, hash=False)
    # The earlier turns of the task's conversation, oldest first (sent as metadata).
    conversation: tuple[ConversationTurn, ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class AgentAnswer:
    """What a completed A2A task gave: the text of its answer, and its structured data."""

    output: str
    data: dict[str, Any] = field(default_factory=dict)


class AgentTransport(Protocol):
    async def call(self, call: AgentCall) -> AgentAnswer:
        """The agent's answer; raises a task error if there is none."""
        ...


def step_request(call: AgentCall) -> SendMessageRequest:
    """The A2A SendMessage (blocking) that carries one step."""
    hubspoke: dict[str, Any] = {"deadline": call.deadline.isoformat()}
    if call.skill is not None:
        hubspoke["skill"] = call.skill
    if call.conversation:
        hubspoke["conversation"] = _prior_turns(call.conversation)
    message = Message(
        message_id=call.step_id,
        context_id=call.task_id,
        role=Role.ROLE_USER,
        parts=step_parts(call.text, call.arguments),
    )
    message.metadata.update({"hubspoke": hubspoke})
    return SendMessageRequest(
        message=message, configuration=SendMessageConfiguration(return_immediately=False)
    )


def _prior_turns(turns: tuple[ConversationTurn, ...]) -> list[dict[str, str]]:
    """The last turns an agent is told of (it may ignore them: the step's text is
    standalone), bounded so a step message stays small."""
    return [
        {"request": t.request[:AGENT_TURN_CHARS], "answer": t.answer[:AGENT_TURN_CHARS]}
        for t in turns[-AGENT_TURNS:]
    ]


def _budget(call: AgentCall, cap_s: float) -> float:
    left = remaining_seconds(call.deadline)
    if left <= 0:
        raise DeadlineExceeded(
            f"the task's deadline passed before agent {call.app_id!r} was called"
        )
    return min(cap_s, left)


def _refused(call: AgentCall, reason: str) -> AgentRejectedTask:
    return AgentRejectedTask(f"agent {call.app_id!r} refused the task: {reason}")


def _deadline_passed(call: AgentCall) -> DeadlineExceeded | None:
    if remaining_seconds(call.deadline) > 0:
        return None
    return DeadlineExceeded(f"agent {call.app_id!r} did not answer before the deadline")


def _status_text(task: Task) -> str:
    return " ".join(get_text_parts(task.status.message.parts)) or "no reason given"


def _answered(call: AgentCall, task: Task) -> AgentAnswer:
    """The answer of a completed task; the task error its other states mean."""
    state = task.status.state
    if state == TaskState.TASK_STATE_COMPLETED:
        artifacts = [a for a in task.artifacts if a.name == ANSWER_ARTIFACT] or list(task.artifacts)
        parts = [p for a in artifacts for p in a.parts]
        data = next((d for d in get_data_parts(parts) if isinstance(d, dict)), {})
        return AgentAnswer(output="\n".join(get_text_parts(parts)), data=data)
    if state == TaskState.TASK_STATE_REJECTED:
        raise _refused(call, _status_text(task))
    if state == TaskState.TASK_STATE_INPUT_REQUIRED:
        raise _refused(call, f"it needs more input: {_status_text(task)}")
    if state == TaskState.TASK_STATE_FAILED:
        raise _deadline_passed(call) or AgentUnavailable(
            f"agent {call.app_id!r} failed: {_status_text(task)}"
        )
    name = TaskState.Name(state).removeprefix("TASK_STATE_").lower().replace("_", "-")
    raise AgentUnavailable(f"agent {call.app_id!r} ended the step {name}, not completed")


def _invocation_failure(call: AgentCall, exc: DaprError) -> ServiceError:
    log.warning("agent call failed: %s", exc, extra={"task_id": call.task_id, "agent": call.app_id})
    if isinstance(exc, A2AProtocolError):
        return AgentUnavailable(f"agent {call.app_id!r} answered outside the A2A protocol")
    if (
        isinstance(exc, InvocationFailed) and exc.hop is FailedHop.APP and rejects_input(exc.status)
    ):  # an agent off the chassis, refusing with a 4xx
        return _refused(call, _reason(exc.body))
    return _deadline_passed(call) or AgentUnavailable(unavailable_reason(call.app_id, exc))


def _reason(body: Any) -> str:
    if isinstance(body, dict):
        for name in ("detail", "message", "error"):
            if isinstance(body.get(name), str):
                return str(body[name])
    return str(body)[:500]


class InvocationTransport:
    """A2A through the orchestrator's sidecar (Dapr retries and breakers apply)."""

    def __init__(
        self, a2a: A2AInvoker, *, routes: Callable[[str], AgentRoute], timeout_s: float
    ) -> None:
        self._a2a = a2a
        self._routes = routes
        self._timeout_s = timeout_s

    async def call(self, call: AgentCall) -> AgentAnswer:
        timeout = _budget(call, self._timeout_s)
        try:
            task = await self._a2a.send(self._routes(call.app_id), step_request(call), timeout)
        except DaprError as exc:
            raise _invocation_failure(call, exc) from exc
        return _answered(call, task)


class PubSubTransport:
    """Work published on the agent's own topic; the answer comes back on its `agent.results.<id>`
    (our A2A pub/sub binding: an A2A SendMessageRequest out, an A2A Task back).

    The answer is awaited until the task's deadline, not a shorter per-call
    timeout: a result that reached the orchestrator's sidecar while the
    orchestrator restarted is delivered again only after the pub/sub
    processingTimeout. Neither does an agent's restart end the wait: its topic
    holds the work, or Dapr redelivers it, and the new process answers. The
    step fails early only when the work cannot be answered any more: the
    registry removed or quarantined the agent (`undeliverable`), or the
    message was dead-lettered (events_api delivers a failed result for it).
    An agent whose card does not say it takes asynchronous
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
        undeliverable: Callable[[str], bool],
        fallback: AgentTransport,
    ) -> None:
        self._dapr = dapr
        self._pubsub = pubsub
        self._results = results
        self._takes_work = takes_work
        self._undeliverable = undeliverable
        self._fallback = fallback

    async def call(self, call: AgentCall) -> AgentAnswer:
        if not self._takes_work(call.app_id):
            return await self._fallback.call(call)
        result = await self._results.lookup(call.app_id, call.step_id)
        if result is None:
            result = await self._send_and_wait(call, _budget(call, math.inf))
        if result.agent != call.app_id:
            raise AgentUnavailable(f"a result for agent {call.app_id!r} came from {result.agent!r}")
        task = Task()
        try:
            ParseDict(result.task, task, ignore_unknown_fields=True)
        except ParseError as exc:
            raise AgentUnavailable(f"agent {call.app_id!r} answered with no A2A task") from exc
        return _answered(call, task)

    async def _send_and_wait(self, call: AgentCall, budget_s: float) -> AgentResult:
        # A task run again while its step waits (the task queue hands a long task out
        # again) waits for the work sent already rather than sending another copy.
        if not await self._results.sent(call.step_id):
            await self._publish(call, budget_s)
        result = await self._results.wait(
            call.app_id, call.step_id, budget_s, give_up=lambda: self._undeliverable(call.app_id)
        )
        if result is not None:
            return result
        if remaining_seconds(call.deadline) <= 0:
            raise DeadlineExceeded(f"agent {call.app_id!r} did not answer before the deadline")
        raise AgentUnavailable(
            f"agent {call.app_id!r} was removed or quarantined before it answered"
        )

    async def _publish(self, call: AgentCall, budget_s: float) -> None:
        work = AgentWork(
            task_id=call.task_id,
            step_id=call.step_id,
            agent=call.app_id,
            deadline=call.deadline,
            request=MessageToDict(step_request(call)),
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
        try:
            await self._results.note_sent(call.step_id)
        except DaprError as exc:  # a run again then sends a copy, which the agent dedupes
            log.warning("work for step %s sent but not noted: %s", call.step_id, exc)
