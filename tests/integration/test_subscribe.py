"""A2A SubscribeToTask on real sidecars: a caller rejoins its running task's stream.

A ledger task waits for approval (tests/integration/hub_rpc.py); its owner
subscribes while it waits, on the other of two orchestrator replicas, the
operator approves, and the stream carries the rest of the task up to
`completed`. Another caller's subscription finds no
such task; a finished task's is refused as the spec says
(UnsupportedOperationError).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from tests.integration.hub_rpc import (
    ALICE_KEY,
    BOB_KEY,
    approve,
    hub_a2a_url,
    ledger_message,
    ledger_stack,
    rpc,
    wait_state,
)

TASK_NOT_FOUND = -32001
UNSUPPORTED_OPERATION = -32004


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with ledger_stack(tmp_path_factory.mktemp("subscribe"), hubs=2) as stack:
        yield stack


def subscribe(
    stack: LocalStack, key: str, task_id: str, instance: int = 0
) -> Iterator[dict[str, Any]]:
    """The JSON-RPC replies of SubscribeToTask as `key`'s caller, one per server-sent event
    (or the one JSON reply of an error answered before the stream)."""
    body = {
        "jsonrpc": "2.0",
        "id": uuid.uuid4().hex,
        "method": "SubscribeToTask",
        "params": {"id": task_id},
    }
    headers = {"X-API-Key": key, "A2A-Version": "1.0"}
    url = hub_a2a_url(stack, instance)
    with httpx.stream("POST", url, json=body, headers=headers, timeout=180) as reply:
        if not reply.headers.get("content-type", "").startswith("text/event-stream"):
            yield json.loads(reply.read())
            return
        for line in reply.iter_lines():
            if line.startswith("data:"):
                yield json.loads(line[5:])


def test_a_subscriber_gets_the_rest_of_its_running_task(stack: LocalStack) -> None:
    task_id = rpc(stack, ALICE_KEY, "SendMessage", ledger_message())["result"]["task"]["id"]
    wait_state(stack, ALICE_KEY, task_id, "TASK_STATE_INPUT_REQUIRED")
    events: list[dict[str, Any]] = []
    first = threading.Event()

    def read() -> None:
        for reply in subscribe(stack, ALICE_KEY, task_id, instance=1):  # SendMessage went to 0
            events.append(reply)
            first.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert first.wait(120), "no first event"
    approve(stack, task_id)
    reader.join(180)
    assert not reader.is_alive(), "the stream did not end with the task"

    results = [e["result"] for e in events]
    assert results[0]["task"]["id"] == task_id
    assert results[0]["task"]["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
    artifact = next(r["artifactUpdate"] for r in results if "artifactUpdate" in r)
    assert artifact["artifact"]["parts"][0]["text"] == "posted: post 120 EUR for printer paper"
    final = results[-1]["statusUpdate"]
    assert (final["taskId"], final["status"]["state"]) == (task_id, "TASK_STATE_COMPLETED")


def test_another_callers_task_cannot_be_subscribed(stack: LocalStack) -> None:
    task_id = rpc(stack, ALICE_KEY, "SendMessage", ledger_message())["result"]["task"]["id"]
    (reply,) = subscribe(stack, BOB_KEY, task_id)
    assert reply["error"]["code"] == TASK_NOT_FOUND, reply


def test_a_finished_task_cannot_be_subscribed(stack: LocalStack) -> None:
    task_id = rpc(stack, ALICE_KEY, "SendMessage", ledger_message())["result"]["task"]["id"]
    wait_state(stack, ALICE_KEY, task_id, "TASK_STATE_INPUT_REQUIRED")
    approve(stack, task_id)
    wait_state(stack, ALICE_KEY, task_id, "TASK_STATE_COMPLETED")
    (reply,) = subscribe(stack, ALICE_KEY, task_id)
    assert reply["error"]["code"] == UNSUPPORTED_OPERATION, reply
