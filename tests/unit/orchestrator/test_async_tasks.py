"""Asynchronous tasks: accepted at once, run from the queue, answered over pub/sub.

The fake sidecar plays Dapr's part: what the orchestrator publishes is
delivered back to its own subscription routes, and agents' work is answered
by the agent handlers of the fake (each served by the real A2A server), as
A2A tasks on `agent.results`.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from chassis.a2a_server import failed_task
from chassis.contract import (
    DEAD_LETTER_TOPIC,
    TASK_COMPLETED_TOPIC,
    TASKS_REQUESTED_TOPIC,
)
from chassis.dapr import StateItem
from chassis.testing import InMemoryDapr


def cloud_event(message_id: str, source: str, data: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "source": source,
        "type": "com.dapr.event.sent",
        "specversion": "1.0",
        "data": data,
    }


def play_dapr(client: TestClient, dapr: InMemoryDapr, *, dead_letter_work: bool = False) -> None:
    """Deliver what the orchestrator publishes as Dapr would (work to the fake's agents)."""

    # The agents' side: their own sidecars (not the orchestrator's, whose calls `dapr` records).
    agents = InMemoryDapr(dapr.agents)

    async def answer(agent: str, work: dict[str, Any]) -> dict[str, Any]:
        rpc = {"jsonrpc": "2.0", "id": "1", "method": "SendMessage", "params": work["request"]}
        async with agents.agents_http() as http:
            reply = await http.post(
                f"/v1.0/invoke/{agent}/method/a2a", json=rpc, headers={"A2A-Version": "1.0"}
            )
        body = reply.json()
        if not reply.is_success:  # the inbox answers what has no task as a failed one
            reason = body.get("detail", "failed")
            return failed_task(task_id=work["stepId"], context_id=work["taskId"], reason=reason)
        task: dict[str, Any] = body["result"]["task"]
        return task

    async def deliver(topic: str, event: Any, metadata: dict[str, str]) -> None:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orchestrator") as http:
            if topic == TASKS_REQUESTED_TOPIC:
                message = cloud_event(metadata["cloudevent.id"], "orchestrator", event)
                await http.post(f"/events/taskqueue/{topic}", json=message)
            elif topic.startswith("agent.requests."):
                agent = topic.removeprefix("agent.requests.")
                message_id = metadata["cloudevent.id"]
                if dead_letter_work:  # the agent's sidecar could not deliver it
                    message = cloud_event(message_id, "orchestrator", event)
                    await http.post(f"/events/pubsub/tasks.deadletter.{agent}", json=message)
                    return
                result = {"taskId": event["taskId"], "stepId": event["stepId"], "agent": agent}
                result["task"] = await answer(agent, event)
                message = cloud_event(message_id, agent, result)
                await http.post(f"/events/pubsub/agent.results.{agent}", json=message)

    dapr.on_publish = deliver


def wait_final(client: TestClient, task_id: str, timeout_s: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        task: dict[str, Any] = client.get(f"/v1/tasks/{task_id}").json()
        if task["status"] in ("completed", "failed"):
            return task
        assert time.monotonic() < deadline, f"task still {task['status']}"
        time.sleep(0.02)


def topics(dapr: InMemoryDapr) -> list[str]:
    return [topic for _, topic, _ in dapr.published]


def test_async_task_is_accepted_at_once_and_answered_over_pubsub(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    play_dapr(client, dapr)
    response = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"})
    assert response.status_code == 202
    accepted = response.json()
    assert (accepted["status"], accepted["mode"]) == ("queued", "async")
    assert response.headers["location"] == f"/v1/tasks/{accepted['id']}"
    task = wait_final(client, accepted["id"])
    assert (task["status"], task["agent"], task["output"]) == ("completed", "calculator", "5")
    assert (dapr.invocations, dapr.a2a_requests) == ([], [])  # no service invocation
    assert topics(dapr) == [
        TASKS_REQUESTED_TOPIC,
        "agent.requests.calculator",
        TASK_COMPLETED_TOPIC,
    ]
    assert dapr.published[0][0] == "taskqueue"  # a component of its own
    queued, work = dapr.publish_metadata[:2]
    assert queued["cloudevent.id"] == accepted["id"]  # subscribers dedupe by message id
    sent = dapr.published[1][2]
    assert work["cloudevent.id"] == sent["stepId"] == sent["request"]["message"]["messageId"]
    assert sent["request"]["message"]["contextId"] == sent["taskId"] == accepted["id"]
    assert 290 < int(work["ttlInSeconds"]) <= 300  # stale work expires in the broker


def test_async_task_not_queued_is_refused_and_stored_failed(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    dapr.publish_fails = True
    response = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"})
    assert response.status_code == 503
    problem = response.json()
    assert "could not be queued" in problem["detail"]
    stored = client.get(f"/v1/tasks/{problem['task_id']}").json()
    assert stored["status"] == "failed"
    assert "could not be queued" in stored["error"]


def test_a_redelivered_task_message_finishes_the_task_once(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    play_dapr(client, dapr)
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    wait_final(client, task_id)
    again = cloud_event(task_id, "orchestrator", {"task_id": task_id})
    route = f"/events/taskqueue/{TASKS_REQUESTED_TOPIC}"
    assert client.post(route, json=again).json() == {"status": "SUCCESS"}
    assert topics(dapr).count(TASK_COMPLETED_TOPIC) == 1
    assert topics(dapr).count("agent.requests.calculator") == 1


def test_a_task_run_again_before_it_finished_reuses_the_answers_it_has(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    """What a replica does with a task whose first run died after the agent answered."""
    play_dapr(client, dapr)
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    wait_final(client, task_id)
    key = ("statestore", f"task-{task_id}")
    record = json.loads(dapr.state[key].data) | {"status": "running", "completed_at": None}
    dapr.state[key] = StateItem(json.dumps(record).encode(), "rewound")
    dapr.published.clear()
    message = cloud_event(task_id, "orchestrator", {"task_id": task_id})
    route = f"/events/taskqueue/{TASKS_REQUESTED_TOPIC}"
    assert client.post(route, json=message).json() == {"status": "SUCCESS"}
    task = client.get(f"/v1/tasks/{task_id}").json()
    assert (task["status"], task["output"]) == ("completed", "5")
    assert topics(dapr) == [TASK_COMPLETED_TOPIC]  # the work was not sent again


def test_malformed_task_message_is_dropped_with_its_reason_then_logged_as_arrived(
    client: TestClient,
) -> None:
    route = f"/events/taskqueue/{TASKS_REQUESTED_TOPIC}"
    poison = cloud_event("poison-1", "orchestrator", {"nonsense": True})
    assert client.post(route, json=poison).json() == {"status": "DROP"}
    [letter] = client.get("/v1/dead-letters").json()["dead_letters"]
    assert (letter["message_id"], letter["topic"], letter["arrived"]) == (
        "poison-1",
        TASKS_REQUESTED_TOPIC,
        False,
    )
    assert "task_id: Field required" in letter["reason"]
    # Dapr then moves the dropped message to the dead-letter topic (of the same component).
    dead = f"/events/taskqueue/{DEAD_LETTER_TOPIC}"
    assert client.post(dead, json=poison).json() == {"status": "SUCCESS"}
    [letter] = client.get("/v1/dead-letters").json()["dead_letters"]
    assert letter["arrived"] is True
    assert "task_id: Field required" in letter["reason"]  # the reason stays


def test_task_message_for_an_unknown_task_is_dropped(client: TestClient) -> None:
    route = f"/events/taskqueue/{TASKS_REQUESTED_TOPIC}"
    ghost = cloud_event("ghost", "orchestrator", {"task_id": "f" * 32})
    assert client.post(route, json=ghost).json() == {"status": "DROP"}
    [letter] = client.get("/v1/dead-letters").json()["dead_letters"]
    assert "no task with id" in letter["reason"]


def test_a_dead_lettered_task_message_fails_its_task_with_the_reason(client: TestClient) -> None:
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    dead = cloud_event(task_id, "orchestrator", {"task_id": task_id})
    client.post(f"/events/taskqueue/{DEAD_LETTER_TOPIC}", json=dead)
    task = client.get(f"/v1/tasks/{task_id}").json()
    assert task["status"] == "failed"
    assert f"message {task_id} was dead-lettered" in task["error"]


def test_dead_lettered_work_fails_its_step_at_once(client: TestClient, dapr: InMemoryDapr) -> None:
    play_dapr(client, dapr, dead_letter_work=True)
    started = time.monotonic()
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    task = wait_final(client, task_id)
    assert time.monotonic() - started < 5  # not after the 15 s agent timeout
    assert task["status"] == "failed"
    assert "was dead-lettered" in task["error"]


def test_a_result_on_another_agents_topic_is_dropped_whatever_its_source_says(
    client: TestClient,
) -> None:
    forged = cloud_event(
        "r1", "calculator", {"taskId": "t", "stepId": "a" * 32, "agent": "calculator", "task": {}}
    )
    response = client.post("/events/pubsub/agent.results.summarizer", json=forged)
    assert response.json() == {"status": "DROP"}
    [letter] = client.get("/v1/dead-letters").json()["dead_letters"]
    assert letter["topic"] == "agent.results.summarizer"
    assert "published on 'summarizer'" in letter["reason"]


def test_a_result_for_another_agents_step_does_not_answer_that_step(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    """Published under its own name on its own topic, for a step sent to another agent."""
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    step_id = "c" * 32
    task = failed_task(task_id=step_id, context_id=task_id, reason="forged")
    result = {"taskId": task_id, "stepId": step_id, "agent": "units", "task": task}
    message = cloud_event("r1", "units", result)
    assert client.post("/events/pubsub/agent.results.units", json=message).json() == {
        "status": "SUCCESS"
    }
    keys = [key for (_, key) in dapr.state if key.endswith(step_id)]
    assert keys == [f"result-units-{step_id}"]  # where only a step sent to units is awaited


def test_a_dead_letter_fails_only_a_step_of_the_agent_whose_topic_it_came_on(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    step_id = "d" * 32
    work = {"taskId": "t1", "stepId": step_id, "agent": "units", "reason": "too big"}
    letter = cloud_event("dl1", "units", work)
    assert client.post("/events/pubsub/tasks.deadletter.calculator", json=letter).json() == {
        "status": "SUCCESS"
    }
    keys = [key for (_, key) in dapr.state if key.endswith(step_id)]
    assert keys == [f"result-calculator-{step_id}"]  # not units' step
    [noted] = client.get("/v1/dead-letters").json()["dead_letters"]
    assert (noted["source"], noted["reason"]) == ("calculator", "calculator gave up: too big")


def test_a_deadline_above_the_maximum_is_422(client: TestClient) -> None:
    response = client.post("/v1/tasks", json={"input": "2+3", "deadline_seconds": 3600})
    assert response.status_code == 422
    assert "deadline_seconds may be at most 600" in response.json()["detail"]


def test_a_streamed_task_cannot_be_async(client: TestClient) -> None:
    response = client.post("/v1/tasks/stream", json={"input": "2+3", "mode": "async"})
    assert response.status_code == 422


def test_agents_get_the_tasks_deadline_in_the_a2a_message(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    before = datetime.now(UTC).timestamp()
    task = client.post("/v1/tasks", json={"input": "2+3", "deadline_seconds": 7}).json()
    [request] = dapr.a2a_requests
    message = request["params"]["message"]
    deadline = datetime.fromisoformat(message["metadata"]["hubspoke"]["deadline"]).timestamp()
    assert before + 6.5 < deadline < before + 8
    assert (request["method"], message["role"], message["parts"]) == (
        "SendMessage",
        "ROLE_USER",
        # The text, and beside it the skill's arguments the planner filled (a data part).
        [{"text": "2+3"}, {"data": {"expression": "2+3"}}],
    )
    assert task["steps"][0]["arguments"] == {"expression": "2+3"}
    assert message["contextId"] == task["id"]
    assert message["messageId"] == task["steps"][0]["id"]


def test_a_task_past_its_deadline_fails_504_naming_it(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    async def slow(_: Any) -> Any:
        await asyncio.sleep(4)
        return {"agent": "calculator", "output": "5"}

    dapr.agents["calculator"] = slow
    response = client.post("/v1/tasks", json={"input": "2+3", "deadline_seconds": 1})
    assert response.status_code == 504
    problem = response.json()
    assert "deadline" in problem["detail"]
    stored = client.get(f"/v1/tasks/{problem['task_id']}").json()
    assert stored["status"] == "failed"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_mode_is_recorded(client: TestClient, dapr: InMemoryDapr, mode: str) -> None:
    play_dapr(client, dapr)
    task = client.post("/v1/tasks", json={"input": "2+3", "mode": mode}).json()
    assert wait_final(client, task["id"])["mode"] == mode


def test_the_orchestrators_own_pubsub_dead_letters_fail_no_task(client: TestClient) -> None:
    """Only the task queue's dead letters may fail a task (they name it themselves)."""
    task_id = client.post("/v1/tasks", json={"input": "2+3", "mode": "async"}).json()["id"]
    forged = cloud_event("forged", "orchestrator", {"task_id": task_id})
    assert client.post("/events/pubsub/tasks.deadletter.orchestrator", json=forged).json() == {
        "status": "SUCCESS"
    }
    assert client.get(f"/v1/tasks/{task_id}").json()["status"] == "queued"
    [letter] = client.get("/v1/dead-letters").json()["dead_letters"]
    assert (letter["message_id"], letter["task_id"]) == ("forged", task_id)  # logged, though
