"""What an agent's own code sees of a step: a request in, an answer out.

The chassis serves A2A (`chassis.a2a_server`) and hands each step to the
agent's skill handler as a `SkillRequest`; the handler answers a
`SkillAnswer`, or raises `chassis.errors.UnprocessableError` to refuse
(the caller gets the A2A state `rejected` with the reason). Nothing here
knows about HTTP or A2A, so agents' service layers stay free of both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chassis.contract import MAX_INPUT_CHARS

__all__ = ["SkillAnswer", "SkillHandler", "SkillRequest"]


class SkillRequest(BaseModel):
    """One step given to an agent: the text of its A2A message, and where it belongs."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1, max_length=64, description="The orchestrator's task id.")
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)
    skill: str | None = Field(
        default=None, description="The skill asked for, if the caller named one."
    )
    deadline: datetime | None = Field(default=None, description="When nobody waits any more (UTC).")
    arguments: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "The skill's structured arguments, from the message's data part, as the card's "
            "argumentsSchema names them; empty when the caller sent text only."
        ),
    )


class SkillAnswer(BaseModel):
    """What a skill produced: text (the A2A artifact's text part), plus structured data."""

    output: str
    data: dict[str, Any] = Field(default_factory=dict)


SkillHandler = Callable[[SkillRequest], Awaitable[SkillAnswer]]
