"""Canceling tasks (POST /v1/tasks/{id}/cancel, A2A CancelTask), in-process on an in-memory Dapr.

The calculator here waits until the test lets it go, so a cancel lands while
its call is in flight. Over real sidecars: tests/integration/test_task_cancel.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from agents.calculator.main import AGENT as CALCULATOR
from chassis.testing import InMemoryDapr
from orchestrator.main import build_app
from tests.integration.slow_agent import AGENT as ABACUS
from tests.unit.orchestrator.conftest import (
    API_KEY,
    card_for,
    orchestrator_settings,
    registration,
    registry_post,
)

BASE = "http://hub.test"
ALICE, BOB = "alice-key-0123456789", "bob-key-0123456789"
TASK_NOT_CANCELABLE = -32002


class SlowCalculator:
    """A calculator whose every call waits for `release`; counts its calls."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0
        self.task_ids: list[str] = []

    async def __call__(self, payload: Any) -> Any:
        self.calls += 1
        self.task_ids.append(payload["task_id"])
        self.started.set()
        await self.release.wait()
        return {"agent": "calculator", "output": "5", "data": {}}


@pytest.fixture
def calculator() -> SlowCalculator:
    return SlowCalculator()


@pytest.fixture
async def hub(calculator: SlowCalculator) -> AsyncIterator[httpx.ASGITransport]:
    """The transport of a running hub (lifespan run) with the slow calculator registered."""
    dapr = InMemoryDapr({"calculator": calculator})
    settings = orchestrator_settings(
        verify_cards=False, public_url=BASE, api_keys=f"{API_KEY},alice={ALICE},bob={BOB}"
    )
    app = build_app(settings, dapr=dapr, monitor=False, agents_http=dapr.agents_http())
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), _as(transport, API_KEY) as operator:
        event = registration("register", "calculator", card=card_for(CALCULATOR, "calculator"))
        assert (await operator.post(**registry_post(event))).status_code == 200
        yield transport


def _as(transport: httpx.ASGITransport, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, base_url=BASE, headers={"X-API-Key": key})


async def _streamed_task(
    client: httpx.AsyncClient, events: list[dict[str, Any]], body: dict[str, Any] | None = None
) -> None:
    """Run a streamed task (default: 2+3 by the calculator) to its end, keeping its events."""
    body = body or {"input": "2+3", "agent": "calculator"}
    async with client.stream("POST", "/v1/tasks/stream", json=body) as response:
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                events.append({"event": name, "data": json.loads(line.removeprefix("data:"))})


async def test_a_running_task_canceled_from_another_connection_ends_canceled(
    hub: httpx.ASGITransport, calculator: SlowCalculator
) -> None:
    events: list[dict[str, Any]] = []
    async with _as(hub, ALICE) as alice, _as(hub, ALICE) as other:
        running = asyncio.create_task(_streamed_task(alice, events))
        await asyncio.wait_for(calculator.started.wait(), 30)
        # httpx's ASGI transport hands the stream over only once it ends.
        (task_id,) = calculator.task_ids
        canceled = await other.post(f"/v1/tasks/{task_id}/cancel")
        assert canceled.status_code == 200, canceled.text
        assert canceled.json()["status"] == "canceled"
        await asyncio.wait_for(running, 30)
        assert events[-1]["event"] == "answer", events
        assert events[-1]["data"]["status"] == "canceled"
        calculator.release.set()  # the agent answers late: the task stays canceled
        await asyncio.sleep(0.2)
        stored = (await other.get(f"/v1/tasks/{task_id}")).json()
        assert stored["status"] == "canceled"
        assert stored["completed_at"] is not None
        assert stored["output"] is None
        assert all(s["status"] != "completed" for s in stored["steps"])
        again = await other.post(f"/v1/tasks/{task_id}/cancel")
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"


async def test_a_queued_task_canceled_never_calls_an_agent(
    hub: httpx.ASGITransport, calculator: SlowCalculator
) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "CancelTask"}
    async with _as(hub, ALICE) as alice:
        created = await alice.post("/v1/tasks", json={"input": "2+3", "mode": "async"})
        assert created.status_code == 202
        task_id = created.json()["id"]
        answer = await alice.post(
            "/a2a", json={**body, "params": {"id": task_id}}, headers={"A2A-Version": "1.0"}
        )
        assert answer.json()["result"]["status"]["state"] == "TASK_STATE_CANCELED"
        # The queue hands the task out anyway (its message was sent before the cancel).
        service = hub.app.state.task_service  # type: ignore[attr-defined]
        assert (await service.run_queued(task_id)).status == "canceled"
        assert calculator.calls == 0
        refused = await alice.post(
            "/a2a", json={**body, "params": {"id": task_id}}, headers={"A2A-Version": "1.0"}
        )
        assert refused.json()["error"]["code"] == TASK_NOT_CANCELABLE


async def test_another_caller_cannot_cancel_a_task(
    hub: httpx.ASGITransport, calculator: SlowCalculator
) -> None:
    async with _as(hub, ALICE) as alice, _as(hub, BOB) as bob, _as(hub, API_KEY) as operator:
        task_id = (await alice.post("/v1/tasks", json={"input": "2+3", "mode": "async"})).json()[
            "id"
        ]
        refused = await bob.post(f"/v1/tasks/{task_id}/cancel")
        assert refused.status_code == 404
        assert (await alice.get(f"/v1/tasks/{task_id}")).json()["status"] == "queued"
        assert (await operator.post(f"/v1/tasks/{task_id}/cancel")).json()["status"] == "canceled"


async def test_a_step_failing_after_the_cancel_does_not_fail_over(
    calculator: SlowCalculator,
) -> None:
    """Without the cancel, the abacus failing would hand its part to the calculator."""
    abacus = SlowCalculator()

    async def fails_late(payload: Any) -> Any:
        await abacus(payload)
        raise RuntimeError("the abacus broke")

    # Registered as calculator-b: an app-id the hub under test takes registrations from.
    dapr = InMemoryDapr({"calculator-b": fails_late, "calculator": calculator})
    calculator.release.set()  # the fallback would answer at once
    settings = orchestrator_settings(verify_cards=False, public_url=BASE)
    app = build_app(settings, dapr=dapr, monitor=False, agents_http=dapr.agents_http())
    transport = httpx.ASGITransport(app=app)
    events: list[dict[str, Any]] = []
    async with app.router.lifespan_context(app), _as(transport, API_KEY) as operator:
        for card, app_id in ((ABACUS, "calculator-b"), (CALCULATOR, "calculator")):
            event = registration("register", app_id, card=card_for(card, app_id))
            assert (await operator.post(**registry_post(event))).status_code == 200
        body = {"input": "compute 2+3"}
        running = asyncio.create_task(_streamed_task(operator, events, body))
        await asyncio.wait_for(abacus.started.wait(), 30)
        (task_id,) = abacus.task_ids
        canceled = await operator.post(f"/v1/tasks/{task_id}/cancel")
        assert canceled.status_code == 200, (canceled.text, events)
        abacus.release.set()
        await asyncio.wait_for(running, 30)
    assert events[-1]["data"]["status"] == "canceled", events
    assert calculator.calls == 0
