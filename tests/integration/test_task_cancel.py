"""Canceling tasks over real sidecars: mid-way, from another connection, refused when it can't.

The stack adds the abacus (tests/integration/slow_agent.py): it takes 3 s to
answer and counts the calls that reach it, so a cancel lands while its call
is in flight and the test can tell from the agent's side what was started.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from tests.integration.conftest import PULLED, agent_spec, module_stack
from tests.integration.slow_agent import DELAY_S

SLOW_AGENT = agent_spec("abacus", "tests.integration.slow_agent", PULLED)
ALICE_KEY = secrets.token_urlsafe(24)
BOB_KEY = secrets.token_urlsafe(24)
# Planned over three agents at once: the abacus ("compute"), the summarizer, the units agent.
THREE_PARTS = (
    "compute 2+3; summarize this: Dapr sidecars carry every call. Each agent runs beside "
    "its sidecar; convert 5 km to miles"
)
TASK_NOT_CANCELABLE = -32002


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("cancel"),
        env={},
        extra_apps=(SLOW_AGENT,),
        extra_api_keys=(f"alice={ALICE_KEY}", f"bob={BOB_KEY}"),
    ) as stack:
        with _client(stack, stack.api_key) as operator:
            registered = operator.post("/v1/agents", json={"app_id": "abacus"})
        assert registered.status_code == 201, registered.text
        yield stack


def _client(stack: LocalStack, key: str) -> httpx.Client:
    base_url = stack.endpoints["orchestrator"].app_url
    return httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=60)


def _abacus_calls(stack: LocalStack) -> int:
    with stack.client("abacus") as agent:
        return int(agent.get("/v1/calls").json())


def _wait_for_calls(stack: LocalStack, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while _abacus_calls(stack) < count:
        assert time.monotonic() < deadline, "the abacus was never called"
        time.sleep(0.1)


def test_an_async_three_agent_task_canceled_mid_way_starts_no_further_step(
    stack: LocalStack,
) -> None:
    before = _abacus_calls(stack)
    with _client(stack, ALICE_KEY) as alice:
        created = alice.post("/v1/tasks", json={"input": THREE_PARTS, "mode": "async"})
        assert created.status_code == 202, created.text
        task_id = created.json()["id"]
        _wait_for_calls(stack, before + 1)  # the abacus works on its part
        canceled = alice.post(f"/v1/tasks/{task_id}/cancel")
        assert canceled.status_code == 200, canceled.text
        assert canceled.json()["status"] == "canceled"
        time.sleep(DELAY_S + 2)  # past the abacus's answer: nothing may change the task
        task = alice.get(f"/v1/tasks/{task_id}").json()
    assert task["status"] == "canceled", task
    assert task["output"] is None
    # The abacus's call was cut off, and no step started after the cancel: its fallback
    # (the calculator) was not called, nor the abacus again.
    assert _abacus_calls(stack) == before + 1
    assert {s["agent"] for s in task["steps"]} <= {"summarizer", "units"}, task["steps"]
    # What answered before the cancel stays in the record.
    assert all(s["status"] == "completed" for s in task["steps"]), task["steps"]


def test_a_streamed_task_canceled_from_another_connection_ends_canceled(
    stack: LocalStack,
) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    started = threading.Event()

    def run() -> None:
        body = {"input": "compute 2+3", "agent": "abacus"}
        with (
            _client(stack, ALICE_KEY) as alice,
            alice.stream("POST", "/v1/tasks/stream", json=body) as response,
        ):
            name = ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    name = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    events.append((name, json.loads(line.removeprefix("data:"))))
                    started.set()

    streaming = threading.Thread(target=run)
    streaming.start()
    assert started.wait(60), "the stream never started"
    task_id = events[0][1]["id"]
    time.sleep(0.5)  # the abacus works on it
    body = {"jsonrpc": "2.0", "id": 1, "method": "CancelTask", "params": {"id": task_id}}
    with _client(stack, ALICE_KEY) as other:
        answer = other.post("/a2a", json=body, headers={"A2A-Version": "1.0"}).json()
    assert answer["result"]["status"]["state"] == "TASK_STATE_CANCELED", answer
    streaming.join(60)
    assert not streaming.is_alive()
    assert events[-1][0] == "answer", events
    assert events[-1][1]["status"] == "canceled"


def test_a_finished_task_is_not_cancelable_and_another_caller_cannot_cancel(
    stack: LocalStack,
) -> None:
    with _client(stack, ALICE_KEY) as alice, _client(stack, BOB_KEY) as bob:
        queued = alice.post("/v1/tasks", json={"input": "compute 2+3", "mode": "async"}).json()
        refused = bob.post(f"/v1/tasks/{queued['id']}/cancel")
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
        done = alice.post("/v1/tasks", json={"input": "2+3", "agent": "calculator"}).json()
        assert done["status"] == "completed", done
        again = alice.post(f"/v1/tasks/{done['id']}/cancel")
        assert again.status_code == 409, again.text
        body = {"jsonrpc": "2.0", "id": 1, "method": "CancelTask", "params": {"id": done["id"]}}
        answer = alice.post("/a2a", json=body, headers={"A2A-Version": "1.0"}).json()
        assert answer["error"]["code"] == TASK_NOT_CANCELABLE, answer
