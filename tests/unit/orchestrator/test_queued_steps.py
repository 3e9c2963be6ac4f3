"""A queued step waits for its answer while its agent restarts, and fails early only when
the work can no longer be answered (the agent removed)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi.testclient import TestClient

from chassis.contract import TASKS_REQUESTED_TOPIC
from chassis.dapr import SidecarUnavailable
from chassis.testing import InMemoryDapr, PublishReaction
from orchestrator.registry.policy import Health
from tests.unit.orchestrator.conftest import registration, registry_post
from tests.unit.orchestrator.test_async_tasks import cloud_event, play_dapr, wait_final


def agents_answering(client: TestClient, dapr: InMemoryDapr) -> PublishReaction:
    """Dapr's part as `play_dapr` plays it: the reaction a test wraps to delay or drop."""
    play_dapr(client, dapr)
    assert dapr.on_publish is not None
    return dapr.on_publish


async def restarting(_: Any) -> Any:
    raise SidecarUnavailable("the app is restarting")


def test_a_step_waits_while_its_agent_fails_probes_and_takes_the_later_answer(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    registry = client.app.state.registry  # type: ignore[attr-defined]
    answer = agents_answering(client, dapr)

    async def restart_then_answer(topic: str, event: Any, metadata: dict[str, str]) -> None:
        if topic.startswith("agent.requests."):
            dapr.agents["calculator/healthz"] = restarting
            await registry.sweep()
            await registry.sweep()
            assert registry.health("calculator") is Health.UNHEALTHY
            await asyncio.sleep(1.5)  # the waiting step asks the registry every second
            del dapr.agents["calculator/healthz"]
        await answer(topic, event, metadata)

    dapr.on_publish = restart_then_answer
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    task = wait_final(client, task_id, timeout_s=15)
    assert (task["status"], task["output"]) == ("completed", "5"), task


def test_a_step_whose_agent_is_removed_fails_at_once_saying_so(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    answer = agents_answering(client, dapr)

    async def deregister_instead_of_answering(
        topic: str, event: Any, metadata: dict[str, str]
    ) -> None:
        if not topic.startswith("agent.requests."):
            await answer(topic, event, metadata)
            return
        gone = registration("deregister", "calculator")
        await asyncio.to_thread(lambda: client.post(**registry_post(gone)))

    dapr.on_publish = deregister_instead_of_answering
    started = time.monotonic()
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    task = wait_final(client, task_id, timeout_s=15)
    assert time.monotonic() - started < 10  # not the 300 s deadline
    assert task["status"] == "failed"
    assert "'calculator' was removed or quarantined before it answered" in task["error"], task


def test_a_task_run_again_while_its_step_waits_sends_no_second_copy_of_the_work(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    answer = agents_answering(client, dapr)

    async def answer_late(topic: str, event: Any, metadata: dict[str, str]) -> None:
        if topic.startswith("agent.requests."):
            await asyncio.sleep(2.0)  # the agent restarting
        await answer(topic, event, metadata)

    dapr.on_publish = answer_late
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    deadline = time.monotonic() + 10
    while "agent.requests.calculator" not in [topic for _, topic, _ in dapr.published]:
        assert time.monotonic() < deadline, "the work was never sent"
        time.sleep(0.02)
    # The task queue hands the task out again (its processingTimeout passed) while it waits.
    again = cloud_event(task_id, "orchestrator", {"task_id": task_id})
    route = f"/events/taskqueue/{TASKS_REQUESTED_TOPIC}"
    assert client.post(route, json=again).json() == {"status": "SUCCESS"}
    task = wait_final(client, task_id, timeout_s=15)
    assert (task["status"], task["output"]) == ("completed", "5"), task
    sent = [topic for _, topic, _ in dapr.published if topic == "agent.requests.calculator"]
    assert len(sent) == 1
