"""A step as the orchestrator sends it: one A2A Message (DESIGN-A2A, "A step is ...")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from a2a.types import Message, Part, Role, SendMessageConfiguration, SendMessageRequest, Task
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct

__all__ = ["answer_text", "rfc3339", "state_name", "status_text", "step_request"]


def rfc3339(moment: datetime) -> str:
    """`moment` in RFC 3339 UTC with a Z, e.g. 2026-11-29T22:00:00.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def step_request(
    text: str,
    *,
    skill: str | None,
    deadline_in: timedelta,
    context_id: str | None = None,
    step_id: str | None = None,
) -> SendMessageRequest:
    """A blocking SendMessage of one step: `text` as its one text part, the deadline
    `deadline_in` from now (negative: already passed) in `metadata.hubspoke`."""
    hubspoke: dict[str, str] = {"deadline": rfc3339(datetime.now(UTC) + deadline_in)}
    if skill is not None:
        hubspoke["skill"] = skill
    metadata = Struct()
    metadata.update({"hubspoke": hubspoke})
    message = Message(
        message_id=step_id or uuid.uuid4().hex,
        context_id=context_id or f"conformance-{uuid.uuid4().hex[:12]}",
        role=Role.ROLE_USER,
        parts=[Part(text=text)],
        metadata=metadata,
    )
    return SendMessageRequest(
        message=message, configuration=SendMessageConfiguration(return_immediately=False)
    )


def state_name(task: Task) -> str:
    """'completed', 'rejected', ... as A2A 1.0 names the task's state."""
    name: str = MessageToDict(task.status, preserving_proto_field_name=True).get(
        "state", "TASK_STATE_UNSPECIFIED"
    )
    return name.removeprefix("TASK_STATE_").lower().replace("_", "-")


def status_text(task: Task) -> str:
    """The text parts of the task's status message (a refusal's reason)."""
    return " ".join(p.text for p in task.status.message.parts if p.HasField("text"))


def answer_text(task: Task, artifact: str = "answer") -> str | None:
    """The text of artifact `artifact`, or None if the task has no such text."""
    for candidate in task.artifacts:
        if candidate.name == artifact:
            texts = [p.text for p in candidate.parts if p.HasField("text")]
            if texts:
                return " ".join(texts)
    return None
