"""Conversations in the Dapr state store, one document per context, expiring by TTL."""

from __future__ import annotations

from datetime import UTC, datetime

from chassis.dapr import DaprPort
from chassis.documents import update_document
from orchestrator.conversations.models import (
    Conversation,
    ConversationForbidden,
    StoredTurn,
    bounded,
)
from orchestrator.ports import ConversationTurn

__all__ = ["ConversationStore"]


class ConversationStore:
    """The hub's short-term memory (`orchestrator.ports.ConversationMemory`).

    Each context is one JSON document under `conversation-<context id>`, owned
    by the caller whose task started it. Every write keeps at most `max_turns`
    turns and `max_bytes` bytes (the oldest dropped first) and sets the
    document to expire `ttl_s` seconds later (Dapr's `ttlInSeconds`): a
    conversation left alone that long is forgotten, and a follow-up then
    starts a new one.
    """

    def __init__(
        self, dapr: DaprPort, store: str, *, max_turns: int, max_bytes: int, ttl_s: int
    ) -> None:
        self._dapr = dapr
        self._store = store
        self._max_turns = max_turns
        self._max_bytes = max_bytes
        self._ttl_s = ttl_s

    async def recall(self, context_id: str, owner: str | None) -> list[ConversationTurn]:
        """The turns so far, oldest first; ConversationForbidden for another's context."""
        item = await self._dapr.get_state(self._store, _key(context_id))
        if item is None:
            return []
        conversation = Conversation.model_validate_json(item.data)
        _check_owner(conversation, context_id, owner)
        return [ConversationTurn(t.request, t.answer, t.task_id) for t in conversation.turns]

    async def remember(self, context_id: str, owner: str | None, turn: ConversationTurn) -> None:
        """Append a finished turn (ETag-checked: concurrent turns are both kept)."""
        stored = StoredTurn(
            request=turn.request, answer=turn.answer, task_id=turn.task_id, at=datetime.now(UTC)
        )

        def append(conversation: Conversation) -> bool:
            if not conversation.turns:
                conversation.owner = owner
            _check_owner(conversation, context_id, owner)
            kept = bounded(
                conversation.model_copy(update={"turns": [*conversation.turns, stored]}),
                max_turns=self._max_turns,
                max_bytes=self._max_bytes,
            )
            conversation.turns = kept.turns
            return True

        await update_document(
            self._dapr, self._store, _key(context_id), Conversation, append, ttl_s=self._ttl_s
        )


def _check_owner(conversation: Conversation, context_id: str, owner: str | None) -> None:
    if conversation.turns and conversation.owner != owner:
        raise ConversationForbidden(
            f"context {context_id!r} belongs to another caller; start a new one (omit it)"
        )


def _key(context_id: str) -> str:
    return f"conversation-{context_id}"
