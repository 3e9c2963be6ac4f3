"""Copies of one work message delivered together are worked on once (chassis.claims)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

import chassis.claims
from chassis.card import A2A_PATH
from chassis.contract import agent_results_topic
from chassis.inbox import WorkInbox
from chassis.signatures import EventVerifier
from chassis.testing import InMemoryDapr
from tests.unit.chassis.test_inbox import work


class CountingAgent:
    """An A2A endpoint that takes a while over each request and counts them."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.calls = 0
        self.seconds = seconds
        self.app = FastAPI()
        self.app.post(A2A_PATH)(self.send_message)

    async def send_message(self, rpc: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        await asyncio.sleep(self.seconds)  # long enough for a second copy to arrive meanwhile
        task = {"id": rpc["id"], "contextId": "t1", "status": {"state": "TASK_STATE_COMPLETED"}}
        return {"jsonrpc": "2.0", "id": rpc["id"], "result": {"task": task}}


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr()


@pytest.fixture
def agent() -> CountingAgent:
    return CountingAgent()


@pytest.fixture
async def inbox(dapr: InMemoryDapr, agent: CountingAgent) -> AsyncIterator[WorkInbox]:
    inbox = WorkInbox(
        dapr=dapr,
        store="statestore",
        pubsub="pubsub",
        app_id="calculator",
        app=agent.app,
        app_token=None,
        verifier=EventVerifier(
            {}, enabled=False
        ),  # signatures: tests/unit/chassis/test_signatures.py
        hub="orchestrator",
    )
    yield inbox
    await inbox.aclose()


def results(dapr: InMemoryDapr) -> list[Any]:
    return [
        event for _, topic, event in dapr.published if topic == agent_results_topic("calculator")
    ]


async def test_copies_delivered_together_are_worked_on_once_and_answered_alike(
    inbox: WorkInbox, agent: CountingAgent, dapr: InMemoryDapr
) -> None:
    statuses = await asyncio.gather(
        inbox.handle(work("w1", "2+3")), inbox.handle(work("w1", "2+3"))
    )
    assert sorted(statuses) == ["RETRY", "SUCCESS"]  # the copy is delivered again later
    assert agent.calls == 1
    assert await inbox.handle(work("w1", "2+3")) == "SUCCESS"
    assert agent.calls == 1
    first, again = results(dapr)
    assert again == first


async def claim(dapr: InMemoryDapr, until: datetime) -> None:
    body = f'{{"until": "{until.isoformat()}"}}'.encode()
    await dapr.save_state("statestore", "working-w1", body)


async def test_a_live_claim_of_another_delivery_leaves_the_work_to_it(
    inbox: WorkInbox, agent: CountingAgent, dapr: InMemoryDapr
) -> None:
    await claim(dapr, datetime.now(UTC) + timedelta(seconds=5))
    assert await inbox.handle(work("w1", "2+3")) == "RETRY"
    assert (agent.calls, results(dapr)) == (0, [])


async def test_the_claim_of_a_delivery_that_died_mid_work_is_taken_over(
    inbox: WorkInbox, agent: CountingAgent, dapr: InMemoryDapr
) -> None:
    await claim(dapr, datetime.now(UTC) - timedelta(seconds=1))
    assert await inbox.handle(work("w1", "2+3")) == "SUCCESS"
    assert agent.calls == 1
    assert len(results(dapr)) == 1


async def test_a_holder_working_longer_than_a_claim_lasts_keeps_it_by_renewing(
    inbox: WorkInbox, agent: CountingAgent, dapr: InMemoryDapr, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chassis.claims, "CLAIM_SECONDS", 0.2)
    agent.seconds = 0.8  # a cold worker pool on a loaded machine
    first = asyncio.create_task(inbox.handle(work("w1", "2+3")))
    await asyncio.sleep(0.5)  # the first claim would have lapsed by now
    assert await inbox.handle(work("w1", "2+3")) == "RETRY"
    assert await first == "SUCCESS"
    assert agent.calls == 1
