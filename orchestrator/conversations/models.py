"""A conversation as stored: its owner and its last turns (domain, no I/O)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chassis.errors import ForbiddenError

__all__ = ["Conversation", "ConversationForbidden", "StoredTurn", "bounded"]


class ConversationForbidden(ForbiddenError):
    """The context was started by another caller: it is neither continued nor read (403)."""


class StoredTurn(BaseModel):
    """One finished turn: the caller's request as typed, the answer, and its task."""

    request: str
    answer: str
    task_id: str
    at: datetime


class Conversation(BaseModel):
    """The state-store document of one context (`conversation-<context id>`)."""

    owner: str | None = Field(
        default=None, description="The caller that started it; only it continues it."
    )
    turns: list[StoredTurn] = Field(default_factory=list, description="Oldest first.")


def bounded(conversation: Conversation, *, max_turns: int, max_bytes: int) -> Conversation:
    """`conversation` with its oldest turns dropped until at most `max_turns` remain and
    its JSON is at most `max_bytes` long; a newest turn too long alone keeps its request
    and as much of its answer as fits (a follow-up needs the request most)."""
    turns = conversation.turns[-max_turns:] if max_turns > 0 else []
    kept = conversation.model_copy(update={"turns": turns})
    while len(kept.turns) > 1 and _size(kept) > max_bytes:
        kept.turns = kept.turns[1:]
    excess = _size(kept) - max_bytes
    if kept.turns and excess > 0:
        last = kept.turns[-1]
        # Characters, not bytes: cut by the excess in bytes, which is at least as many.
        answer = last.answer[: max(len(last.answer) - excess, 0)]
        kept.turns = [last.model_copy(update={"answer": answer})]
    return kept


def _size(conversation: Conversation) -> int:
    return len(conversation.model_dump_json().encode())
