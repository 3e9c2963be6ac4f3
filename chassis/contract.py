"""The orchestrator-agent contract, version 2: A2A 1.0, carried by Dapr.

Every agent is an A2A server (`chassis.a2a_server`, the official a2a-sdk):
JSON-RPC 2.0 at exactly `POST /a2a` on its app port, its card at
`GET /.well-known/agent-card.json`, health at `GET /healthz`; nothing else is
reachable through Dapr. The orchestrator calls it through its OWN sidecar,
`/v1.0/invoke/<app-id>/method/a2a`, so mTLS identities, access policies,
resiliency and tracing apply. The card carries the Hubspoke extension
(`chassis.card.HUBSPOKE_EXTENSION_URI`: app-id, this contract version,
owner, per-skill schemas, asyncWork). An agent of another major version is
refused at registration, with the reason.

One step is one A2A Message: `messageId` = the step id (hex), `contextId` =
the orchestrator's task id, role user, one text part = the step's input,
`metadata.hubspoke = {"deadline": <RFC 3339 UTC>, "skill": <skill id, or
omitted>}`. Synchronous calls are a blocking SendMessage answered by a Task.
The outcome is the task's state, in a successful exchange (HTTP 200, a
JSON-RPC result): `completed` (artifact `answer`: a text part, plus a data
part when there is structured data), `rejected` (the agent understood and
will not do it; the status message's text is the reason: never retried,
never another agent), `failed` (the agent crashed, or "deadline passed"),
`input-required`. Non-2xx statuses and JSON-RPC errors mean the agent is
unavailable: only those may be retried, open a circuit breaker or move the
step to another agent.

Asynchronous work uses our custom A2A binding, named in the card's
`supportedInterfaces` by `protocolBinding` =
`https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1` and `url` =
`dapr-pubsub://<pubsub>/agent.requests.<app-id>`:

- request: the orchestrator publishes on `agent.requests.<app-id>` (only
  that agent may subscribe) a CloudEvent whose `id` is the step id and whose
  data is `AgentWork`: `{"taskId", "stepId", "agent": <app-id>,
  "deadline": <RFC 3339>, "request": <A2A SendMessageRequest, proto JSON>}`;
  Dapr drops it (to the agent's `tasks.deadletter.<app-id>`) once its TTL,
  the deadline, passes.
- response: the agent handles `request` exactly as a SendMessage on
  `POST /a2a`, then publishes on its own `agent.results.<app-id>` an
  `AgentResult`: `{"taskId", "stepId", "agent", "task": <A2A Task, proto
  JSON>}`, with the work's CloudEvent id as its own. Delivery is
  at-least-once: the agent answers each step id once (a redelivery gets the
  stored answer again) and the orchestrator keeps the first result per
  (agent, step id).
- poison: a message an agent cannot read is answered DROP and Dapr moves it
  to the agent's `tasks.deadletter.<app-id>`; the step it named fails at
  once, if it is a step of that agent.
- provenance: the producer of a message is the app whose topic it arrived
  on, never a field of the message (a CloudEvent `source` is whatever the
  publisher wrote). Only that app's sidecar may publish there
  (`publishingScopes`) and only its Redis user may append to the stream
  (`launcher.security`).

The orchestrator publishes `TaskCompleted` on `task.completed`. Changing a
field here is a contract change.
"""

from __future__ import annotations

import time
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "ANSWER_ARTIFACT",
    "CONTRACT_VERSION",
    "DEADLINE_HEADER",
    "DEAD_LETTER_TOPIC",
    "MAX_INPUT_CHARS",
    "TASKS_REQUESTED_TOPIC",
    "TASK_COMPLETED_TOPIC",
    "AgentResult",
    "AgentWork",
    "CloudEvent",
    "RegistrationKind",
    "RegistrationMessage",
    "TaskCompleted",
    "WorkGivenUp",
    "agent_dead_letter_topic",
    "agent_registry_topic",
    "agent_requests_topic",
    "agent_results_topic",
    "deadline_headers",
    "remaining_seconds",
]

CONTRACT_VERSION = "hubspoke.agent/v2"
ANSWER_ARTIFACT = "answer"  # the name of the artifact a completed step's answer is in
TASK_COMPLETED_TOPIC = "task.completed"
# Asynchronous tasks: the orchestrator's own queue, per-agent work, results, poison.
TASKS_REQUESTED_TOPIC = "tasks.requested"
# The dead letters of the orchestrator's task queue (it alone writes them); on pubsub,
# every app has its own: agent_dead_letter_topic(app_id).
DEAD_LETTER_TOPIC = "tasks.deadletter"
# Other routes (not A2A: its deadline is metadata.hubspoke.deadline) may carry a deadline here.
DEADLINE_HEADER = "Hubspoke-Deadline"

MAX_INPUT_CHARS = 20_000

T = TypeVar("T")


def deadline_headers(deadline: datetime) -> dict[str, str]:
    """The header that carries a task's deadline to an agent."""
    return {DEADLINE_HEADER: f"{deadline.timestamp():.3f}"}


def remaining_seconds(deadline: datetime) -> float:
    """Seconds left before `deadline` (negative once past)."""
    return deadline.timestamp() - time.time()


def agent_requests_topic(app_id: str) -> str:
    """The topic an agent takes asynchronous work from (only it may subscribe)."""
    return f"agent.requests.{app_id}"


def agent_results_topic(app_id: str) -> str:
    """The topic an agent publishes its results on (only it may publish there)."""
    return f"agent.results.{app_id}"


def agent_registry_topic(app_id: str) -> str:
    """The topic an agent announces itself on: register, heartbeat, deregister (only it may
    publish there, so the orchestrator takes the sender from the topic). Agents never need
    the right to invoke the orchestrator."""
    return f"agents.registry.{app_id}"


def agent_dead_letter_topic(app_id: str) -> str:
    """Where an app's sidecar moves pubsub messages it gave up on (only it may publish there)."""
    return f"tasks.deadletter.{app_id}"


class _Wire(BaseModel):
    """camelCase on the wire, as A2A's own JSON is."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True
    )


class AgentWork(_Wire):
    """Asynchronous work on `agent.requests.<app-id>` (our A2A pub/sub binding)."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1, max_length=64)
    step_id: str = Field(pattern=r"^[0-9a-f]{32,64}$")
    agent: str = Field(description="The app-id the work is addressed to.")
    deadline: datetime
    request: dict[str, Any] = Field(description="An A2A SendMessageRequest, as proto JSON.")


class WorkGivenUp(_Wire):
    """What an agent publishes on its dead-letter topic for work it gave up on itself
    (e.g. a result too large to publish): the step fails at once, with `reason`."""

    task_id: str = Field(min_length=1, max_length=64)
    step_id: str = Field(pattern=r"^[0-9a-f]{32,64}$")
    agent: str
    reason: str = Field(max_length=500)


class AgentResult(_Wire):
    """An agent's answer to `AgentWork` on `agent.results.<app-id>`: the A2A Task it ended in."""

    task_id: str
    step_id: str
    agent: str
    task: dict[str, Any] = Field(description="An A2A Task, as proto JSON.")


class TaskCompleted(BaseModel):
    """Published once a task has reached a final state."""

    task_id: str
    agent: str  # the agent that answered, or "orchestrator" when several or none did
    agents: list[str] = Field(default_factory=list)
    status: str
    completed_at: datetime


class RegistrationKind(StrEnum):
    REGISTER = "register"
    HEARTBEAT = "heartbeat"
    DEREGISTER = "deregister"


class RegistrationMessage(BaseModel):
    """Published by an agent instance on its own `agents.registry.<app-id>`.

    Heartbeats carry the card too, so an orchestrator that lost the record
    (or removed it after a partition) gets it back without a restart.
    """

    kind: RegistrationKind
    app_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    instance_id: str = Field(min_length=1, max_length=64)
    card: dict[str, Any] | None = None
    sent_at: datetime


class CloudEvent(BaseModel, Generic[T]):
    """The CloudEvents 1.0 envelope Dapr delivers pub/sub messages in."""

    model_config = ConfigDict(extra="allow")

    id: str
    source: str
    type: str
    specversion: str
    topic: str | None = None
    pubsubname: str | None = None
    traceparent: str | None = None
    data: T
