"""Asynchronous tasks on real sidecars: queued, worked on over pub/sub, dead letters."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from launcher import LocalStack
from tests.integration.a2a_calls import A2A_HEADERS, status_text, step_body, task_of
from tests.integration.conftest import publish_as


def wait_final(stack: LocalStack, task_id: str, timeout_s: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with stack.client("orchestrator") as client:
        while True:
            task: dict[str, Any] = client.get(f"/v1/tasks/{task_id}").json()
            if task["status"] in ("completed", "failed"):
                return task
            assert time.monotonic() < deadline, f"task {task_id} still {task['status']}"
            time.sleep(0.1)


def wait_dead_letter(stack: LocalStack, message_id: str, timeout_s: float = 20) -> dict[str, Any]:
    """The dead letter once it reached the dead-letter topic."""
    deadline = time.monotonic() + timeout_s
    with stack.client("orchestrator") as client:
        while True:
            letters = client.get("/v1/dead-letters").json()["dead_letters"]
            for letter in letters:
                if letter["message_id"] == message_id and letter["arrived"]:
                    return dict(letter)
            assert time.monotonic() < deadline, f"{message_id} not dead-lettered: {letters}"
            time.sleep(0.1)


def publish(stack: LocalStack, component: str, topic: str, data: Any, message_id: str) -> None:
    """Publish through the orchestrator's own sidecar (its publishing scopes apply), signed."""
    response = publish_as(stack, "orchestrator", topic, data, message_id, component=component)
    assert response.status_code == 204, response.text


def test_async_task_fans_out_over_pubsub_and_completes(stack: LocalStack) -> None:
    request = "what is 17% of 240, and what does the README say about access control?"
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": request, "mode": "async"})
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    task = wait_final(stack, response.json()["id"])
    assert task["status"] == "completed", task
    assert set(task["agents"]) == {"calculator", "knowledge"}
    assert "40.8" in task["output"]
    # Each agent answered the work from its pub/sub inbox: it remembers the message id.
    for step in task["steps"]:
        with stack.client(step["agent"], sidecar=True) as sidecar:
            marker = sidecar.get(f"/v1.0/state/statestore/answered-{step['id']}")
        assert marker.status_code == 200, (step["agent"], marker.status_code)


@pytest.mark.parametrize(
    ("question", "other", "answer"),
    [
        pytest.param("Convert 5 km to miles.", "units", "3.1", id="typescript"),  # 3.10686 miles
        pytest.param("What day of the week is 25 December 2026?", "calendar", "Friday", id="go"),
    ],
)
def test_async_task_over_an_agent_in_another_language_and_a_python_agent_completes(
    stack: LocalStack, question: str, other: str, answer: str
) -> None:
    request = f"What is 17% of 240? {question}"
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": request, "mode": "async"})
    assert response.status_code == 202, response.text
    task = wait_final(stack, response.json()["id"])
    assert task["status"] == "completed", task
    assert set(task["agents"]) == {"calculator", other}
    assert answer in task["output"], task["output"]
    # Both took the work from their pub/sub inboxes (the other languages keep the same marker).
    for step in task["steps"]:
        with stack.client(step["agent"], sidecar=True) as sidecar:
            marker = sidecar.get(f"/v1.0/state/statestore/answered-{step['id']}")
        assert marker.status_code == 200, (step["agent"], marker.status_code)


def test_malformed_task_message_lands_in_the_dead_letters_with_its_reason(
    stack: LocalStack,
) -> None:
    message_id = f"poison-{uuid.uuid4().hex}"
    publish(stack, "taskqueue", "tasks.requested", {"nonsense": True}, message_id)
    letter = wait_dead_letter(stack, message_id)
    assert letter["topic"] == "tasks.requested"
    assert "task_id: Field required" in letter["reason"]


def test_malformed_work_dropped_by_an_agent_lands_in_the_dead_letters(stack: LocalStack) -> None:
    message_id = f"poison-{uuid.uuid4().hex}"
    publish(stack, "pubsub", "agent.requests.calculator", {"input": "2+3"}, message_id)
    letter = wait_dead_letter(stack, message_id)
    # Recorded as the calculator's: its sidecar gave the work up, on its own dead letters.
    assert letter["source"] == "calculator"
    assert "calculator's sidecar gave the message up" in letter["reason"]


def test_an_agent_may_not_queue_tasks(stack: LocalStack) -> None:
    with stack.client("calculator", sidecar=True) as sidecar:
        queue = sidecar.post("/v1.0/publish/taskqueue/tasks.requested", json={"task_id": "x"})
        topic = sidecar.post("/v1.0/publish/pubsub/tasks.requested", json={"task_id": "x"})
    assert queue.status_code >= 400, queue.text  # the component is not loaded for agents
    assert topic.status_code == 403, topic.text  # and pubsub has no such topic


def test_dapr_carries_the_deadline_and_the_agent_refuses_work_past_it(stack: LocalStack) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        url = "/v1.0/invoke/calculator/method/a2a"
        late = task_of(sidecar.post(url, json=step_body("2+2", deadline_s=-1), headers=A2A_HEADERS))
        in_time = task_of(sidecar.post(url, json=step_body("2+2"), headers=A2A_HEADERS))
    assert (late["status"]["state"], status_text(late)) == ("TASK_STATE_FAILED", "deadline passed")
    assert "artifacts" not in late  # nothing was worked on
    assert in_time["status"]["state"] == "TASK_STATE_COMPLETED"
    assert in_time["artifacts"][0]["parts"][0]["text"] == "2 + 2 = 4"
