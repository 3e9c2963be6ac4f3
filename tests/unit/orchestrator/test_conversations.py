"""Conversations: the store's bounds and owner, and follow-ups planned from earlier turns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from chassis.testing import InMemoryDapr
from orchestrator.conversations.models import (
    Conversation,
    ConversationForbidden,
    StoredTurn,
    bounded,
)
from orchestrator.conversations.store import ConversationStore
from orchestrator.ports import ConversationTurn


def store(dapr: InMemoryDapr, *, max_turns: int = 3, max_bytes: int = 4096) -> ConversationStore:
    return ConversationStore(dapr, "state", max_turns=max_turns, max_bytes=max_bytes, ttl_s=60)


def turn(n: int, answer: str = "") -> ConversationTurn:
    return ConversationTurn(f"request {n}", answer or f"answer {n}", f"{n:032x}")


def test_a_conversation_keeps_its_last_turns_only() -> None:
    dapr = InMemoryDapr({})
    conversations = store(dapr, max_turns=3)

    async def talk() -> list[ConversationTurn]:
        for n in range(5):
            await conversations.remember("ctx", "alice", turn(n))
        return await conversations.recall("ctx", "alice")

    assert [t.request for t in asyncio.run(talk())] == ["request 2", "request 3", "request 4"]


def test_each_write_sets_the_state_ttl() -> None:
    dapr = InMemoryDapr({})
    asyncio.run(store(dapr).remember("ctx", "alice", turn(1)))
    assert dapr.ttls[("state", "conversation-ctx")] == 60


def test_a_conversation_over_its_bytes_drops_its_oldest_turns() -> None:
    dapr = InMemoryDapr({})
    conversations = store(dapr, max_turns=10, max_bytes=1024)

    async def talk() -> list[ConversationTurn]:
        for n in range(6):
            await conversations.remember("ctx", "alice", turn(n, "x" * 300))
        return await conversations.recall("ctx", "alice")

    kept = asyncio.run(talk())
    assert [t.request for t in kept] == ["request 4", "request 5"]
    assert len(dapr.state[("state", "conversation-ctx")].data) <= 1024


def test_a_turn_too_long_alone_keeps_its_request_and_what_fits_of_its_answer() -> None:
    at = datetime.now(UTC)
    long = Conversation(
        owner="alice",
        turns=[StoredTurn(request="convert 5 km", answer="y" * 5000, task_id="t", at=at)],
    )
    kept = bounded(long, max_turns=10, max_bytes=1024)
    assert kept.turns[0].request == "convert 5 km"
    assert 0 < len(kept.turns[0].answer) < 1024
    assert len(kept.model_dump_json().encode()) <= 1024


def test_another_caller_can_neither_read_nor_continue_a_conversation() -> None:
    dapr = InMemoryDapr({})
    conversations = store(dapr)
    asyncio.run(conversations.remember("ctx", "alice", turn(1)))
    with pytest.raises(ConversationForbidden):
        asyncio.run(conversations.recall("ctx", "bob"))
    with pytest.raises(ConversationForbidden):
        asyncio.run(conversations.remember("ctx", "bob", turn(2)))
    assert [t.request for t in asyncio.run(conversations.recall("ctx", "alice"))] == ["request 1"]


def test_concurrent_turns_of_one_conversation_are_all_kept() -> None:
    dapr = InMemoryDapr({})
    conversations = store(dapr, max_turns=10)

    async def talk() -> list[ConversationTurn]:
        await asyncio.gather(*(conversations.remember("ctx", "alice", turn(n)) for n in range(4)))
        return await conversations.recall("ctx", "alice")

    assert sorted(t.request for t in asyncio.run(talk())) == [f"request {n}" for n in range(4)]


def test_a_follow_up_in_the_same_context_is_planned_from_the_turn_before(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    first = client.post("/v1/tasks", json={"input": "what is 2+3", "context_id": "c1"}).json()
    second = client.post("/v1/tasks", json={"input": "and times 4?", "context_id": "c1"}).json()
    assert (first["context_id"], second["context_id"]) == ("c1", "c1")
    assert second["status"] == "completed", second
    assert [s["input"] for s in second["steps"]] == ["what is (2+3) * 4"]
    assert [p["input"] for a, _, p in dapr.invocations if a == "calculator"][-1] == (
        "what is (2+3) * 4"
    )


def test_without_a_context_a_follow_up_is_planned_alone(client: TestClient) -> None:
    client.post("/v1/tasks", json={"input": "what is 2+3"})
    alone = client.post("/v1/tasks", json={"input": "and times 4?"}).json()
    assert all(s["input"] != "what is (2+3) * 4" for s in alone.get("steps", []))


def test_a_context_id_of_unsafe_characters_is_refused(client: TestClient) -> None:
    response = client.post("/v1/tasks", json={"input": "2+3", "context_id": "../x"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_agents_are_told_the_earlier_turns_of_the_conversation(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    client.post("/v1/tasks", json={"input": "what is 2+3", "context_id": "c2"})
    first = dapr.a2a_requests[-1]["params"]["message"]["metadata"]["hubspoke"]
    client.post("/v1/tasks", json={"input": "and times 4?", "context_id": "c2"})
    second = dapr.a2a_requests[-1]["params"]["message"]["metadata"]["hubspoke"]
    assert "conversation" not in first
    assert second["conversation"] == [{"request": "what is 2+3", "answer": "5"}]
