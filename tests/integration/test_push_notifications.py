"""A2A push notifications on real sidecars: the hub posts a task's updates to a webhook.

The webhook is an aiohttp server in this test (tests/integration/
webhook_receiver.py) on 127.0.0.1, allowlisted as an HTTPEndpoint of the
orchestrator's sidecar (ORCHESTRATOR_PUSH_WEBHOOKS) and let through the
address check by ORCHESTRATOR_PUSH_PRIVATE_NETWORKS=127.0.0.1/32; the same
server under 127.0.0.2 is allowlisted too but stays refused (loopback, not
allowed). Tasks go to the ledger agent, whose step waits for approval, so
each test decides when the task moves on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
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
from tests.integration.webhook_receiver import Received, WebhookReceiver

TOKEN = "alice-webhook-token-0123456789"
INVALID_PARAMS = -32602
TASK_NOT_FOUND = -32001


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(
    receiver: WebhookReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    webhooks = [
        {"name": "hooks", "base_url": f"{receiver.url}/hooks"},
        {"name": "private-hooks", "base_url": f"http://127.0.0.2:{receiver.port}/hooks"},
    ]
    env = {
        "ORCHESTRATOR_PUSH_WEBHOOKS": json.dumps(webhooks),
        "ORCHESTRATOR_PUSH_PRIVATE_NETWORKS": '["127.0.0.1/32"]',
        "ORCHESTRATOR_PUSH_BACKOFF_SECONDS": "0.2",
    }
    with ledger_stack(tmp_path_factory.mktemp("push"), env) as stack:
        yield stack


def payloads(received: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in received]


def states(received: list[Received]) -> list[str]:
    """The task state each POST carries (a Task's or a status update's; none for artifacts)."""
    found = []
    for payload in payloads(received):
        carrier = payload.get("task") or payload.get("statusUpdate")
        if carrier is not None:
            found.append(carrier["status"]["state"])
    return found


def waiting_task(stack: LocalStack) -> str:
    """A new ledger task of alice's, waiting for approval; its id."""
    task = rpc(stack, ALICE_KEY, "SendMessage", ledger_message())["result"]["task"]
    wait_state(stack, ALICE_KEY, task["id"], "TASK_STATE_INPUT_REQUIRED")
    return str(task["id"])


def test_every_state_change_up_to_completed_arrives_signed(
    stack: LocalStack, receiver: WebhookReceiver
) -> None:
    path = "/hooks/alice"
    config = {"url": f"{receiver.url}{path}", "token": TOKEN}
    sent = rpc(stack, ALICE_KEY, "SendMessage", ledger_message(taskPushNotificationConfig=config))
    task_id = sent["result"]["task"]["id"]
    receiver.wait_for(path, lambda got: "TASK_STATE_INPUT_REQUIRED" in states(got))
    approve(stack, task_id)
    got = receiver.wait_for(path, lambda got: "TASK_STATE_COMPLETED" in states(got))

    for post in got:
        expected = hmac.new(TOKEN.encode(), post.body, hashlib.sha256).hexdigest()
        assert post.headers["x-hubspoke-signature"] == f"sha256={expected}"
        assert post.headers["x-a2a-notification-token"] == TOKEN
    # In order: the task as registered (queued, or already run up to the approval), the
    # wait, then the approved step's run to the end; the answer comes before the end.
    seen = states(got)
    assert seen[0] in {"TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_INPUT_REQUIRED"}
    assert seen[-1] == "TASK_STATE_COMPLETED", seen
    assert seen.index("TASK_STATE_INPUT_REQUIRED") < len(seen) - 1, seen
    kinds = [next(iter(p)) for p in payloads(got)]
    assert kinds[0] == "task", kinds
    assert kinds[-2:] == ["artifactUpdate", "statusUpdate"], kinds
    answer = payloads(got)[-2]["artifactUpdate"]["artifact"]["parts"][0]["text"]
    assert answer == "posted: post 120 EUR for printer paper"
    assert {
        p.get("statusUpdate", p.get("task", {})).get("taskId", task_id) for p in payloads(got)
    } == {task_id}
    # ... and the config is the caller's, listed on its task
    listed = rpc(stack, ALICE_KEY, "ListTaskPushNotificationConfigs", {"taskId": task_id})
    assert [c["url"] for c in listed["result"]["configs"]] == [config["url"]]


@pytest.mark.parametrize(
    "url",
    [
        "{base}/elsewhere/hook",  # not under an allowlisted base URL
        "http://127.0.0.2:{port}/hooks/x",  # allowlisted, but loopback and not allowed
        "http://2130706433:{port}/hooks/x",  # 127.0.0.1 spelled as a number: not allowlisted
    ],
)
def test_a_webhook_off_the_allowlist_or_on_a_private_address_is_refused(
    stack: LocalStack, receiver: WebhookReceiver, url: str
) -> None:
    task_id = waiting_task(stack)
    target = url.format(base=receiver.url, port=receiver.port)
    created = rpc(
        stack,
        ALICE_KEY,
        "CreateTaskPushNotificationConfig",
        {"taskId": task_id, "url": target, "token": TOKEN},
    )
    assert created["error"]["code"] == INVALID_PARAMS, created
    listed = rpc(stack, ALICE_KEY, "ListTaskPushNotificationConfigs", {"taskId": task_id})
    assert listed["result"].get("configs", []) == []
    refused = rpc(
        stack,
        ALICE_KEY,
        "SendMessage",
        ledger_message(taskPushNotificationConfig={"url": target}),
    )
    assert refused["error"]["code"] == INVALID_PARAMS, refused


def test_a_webhook_that_fails_twice_gets_the_update_on_the_third_try(
    stack: LocalStack, receiver: WebhookReceiver
) -> None:
    task_id = waiting_task(stack)
    path = "/hooks/flaky/one"
    params = {"taskId": task_id, "url": f"{receiver.url}{path}", "token": TOKEN}
    assert "result" in rpc(stack, ALICE_KEY, "CreateTaskPushNotificationConfig", params)
    (post,) = receiver.wait_for(path, lambda got: len(got) >= 1)
    assert receiver.attempts[path] == 3
    assert json.loads(post.body)["task"]["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"


def test_a_redirecting_webhook_is_not_followed(
    stack: LocalStack, receiver: WebhookReceiver
) -> None:
    task_id = waiting_task(stack)
    params = {"taskId": task_id, "url": f"{receiver.url}/hooks/redirect", "token": TOKEN}
    assert "result" in rpc(stack, ALICE_KEY, "CreateTaskPushNotificationConfig", params)
    deadline = time.monotonic() + 120
    while receiver.attempts["/hooks/redirect"] < 4:  # ORCHESTRATOR_PUSH_ATTEMPTS' default
        assert time.monotonic() < deadline, dict(receiver.attempts)
        time.sleep(0.2)
    time.sleep(2)  # a followed redirect would land within this
    assert receiver.attempts["/target"] == 0


def test_another_callers_task_and_configs_are_not_found(
    stack: LocalStack, receiver: WebhookReceiver
) -> None:
    task_id = waiting_task(stack)
    config = {"taskId": task_id, "url": f"{receiver.url}/hooks/bob-sees-none", "token": TOKEN}
    created = rpc(stack, ALICE_KEY, "CreateTaskPushNotificationConfig", config)
    config_id = created["result"]["id"]
    for method, params in [
        ("CreateTaskPushNotificationConfig", config),
        ("ListTaskPushNotificationConfigs", {"taskId": task_id}),
        ("GetTaskPushNotificationConfig", {"taskId": task_id, "id": config_id}),
        ("DeleteTaskPushNotificationConfig", {"taskId": task_id, "id": config_id}),
    ]:
        assert rpc(stack, BOB_KEY, method, params)["error"]["code"] == TASK_NOT_FOUND, method
    got = rpc(
        stack, ALICE_KEY, "GetTaskPushNotificationConfig", {"taskId": task_id, "id": config_id}
    )
    assert got["result"]["url"] == params["url"] if "url" in params else True


def test_a_deleted_webhook_gets_no_more_updates(
    stack: LocalStack, receiver: WebhookReceiver
) -> None:
    task_id = waiting_task(stack)
    path = "/hooks/deleted"
    config = {"taskId": task_id, "url": f"{receiver.url}{path}", "token": TOKEN}
    config_id = rpc(stack, ALICE_KEY, "CreateTaskPushNotificationConfig", config)["result"]["id"]
    receiver.wait_for(path, lambda got: len(got) == 1)  # the task as it was then
    deleted = rpc(
        stack, ALICE_KEY, "DeleteTaskPushNotificationConfig", {"taskId": task_id, "id": config_id}
    )
    assert "error" not in deleted, deleted
    approve(stack, task_id)
    wait_state(stack, ALICE_KEY, task_id, "TASK_STATE_COMPLETED")
    time.sleep(3)  # several reads of the task by its follower
    assert len([r for r in receiver.received if r.path == path]) == 1


def test_a_streamed_message_with_a_webhook_notifies_it_up_to_completed(
    stack: LocalStack, receiver: WebhookReceiver
) -> None:
    path = "/hooks/streamed"
    message = {
        "messageId": uuid.uuid4().hex,
        "role": "ROLE_USER",
        "parts": [{"text": "summarize: Dapr sidecars carry every call. Agents sit beside them."}],
        "metadata": {"hubspoke": {"agent": "summarizer"}},
    }
    config = {"url": f"{receiver.url}{path}", "token": TOKEN}
    params = {"message": message, "configuration": {"taskPushNotificationConfig": config}}
    body = {"jsonrpc": "2.0", "id": "1", "method": "SendStreamingMessage", "params": params}
    headers = {"X-API-Key": ALICE_KEY, "A2A-Version": "1.0"}
    with httpx.stream("POST", hub_a2a_url(stack), json=body, headers=headers, timeout=180) as r:
        streamed = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    assert streamed[-1]["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED", streamed
    got = receiver.wait_for(path, lambda got: "TASK_STATE_COMPLETED" in states(got))
    assert states(got)[-1] == "TASK_STATE_COMPLETED"
