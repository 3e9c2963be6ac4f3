"""Owners and roles at the public edge, over real sidecars.

Two callers without a role (keys `alice` and `bob`) and the stack's operator key:
alice's tasks (sync and async) are hers alone: bob gets 404 for them, does not
see them listed, in the live feed or their trace, and the hub's A2A GetTask
does not find them for him. Bob is refused (403) what only an operator may do:
approvals, pause, resume, registering and removing agents, the dead letters;
the operator may do each. The agents' own registration (pub/sub, through Dapr)
needs no key and keeps working.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from tests.integration.conftest import module_stack, wait_registered

ALICE_KEY = secrets.token_urlsafe(24)
BOB_KEY = secrets.token_urlsafe(24)
SUM = {"input": "2+3", "agent": "calculator"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("roles"),
        env={},
        registered=("calculator",),  # the only agent used
        extra_api_keys=(f"alice={ALICE_KEY}", f"bob={BOB_KEY}"),
    ) as stack:
        yield stack


def client(stack: LocalStack, key: str) -> httpx.Client:
    """A client of the public edge with one caller's key (close it: use `with`)."""
    base_url = stack.endpoints["orchestrator"].app_url
    return httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=60)


@pytest.fixture(scope="module")
def bob(stack: LocalStack) -> Iterator[httpx.Client]:
    with client(stack, BOB_KEY) as http:
        yield http


@pytest.fixture(scope="module")
def operator(stack: LocalStack) -> Iterator[httpx.Client]:
    with client(stack, stack.api_key) as http:
        yield http


@pytest.fixture(scope="module")
def alices_tasks(stack: LocalStack) -> list[dict[str, Any]]:
    """Alice's sync task (answered) and async task (completed), as she reads them."""
    with client(stack, ALICE_KEY) as alice:
        sync = alice.post("/v1/tasks", json=SUM)
        assert (sync.status_code, sync.json()["status"]) == (201, "completed"), sync.text
        queued = alice.post("/v1/tasks", json={**SUM, "mode": "async"})
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + 180  # generous: the machine is shared
        while (done := alice.get(queued.headers["location"]).json())["status"] != "completed":
            assert time.monotonic() < deadline, done
            time.sleep(0.2)
    tasks = [sync.json(), done]
    assert [t["owner"] for t in tasks] == ["alice", "alice"]
    return tasks


def listed_ids(http: httpx.Client) -> set[str]:
    return {t["id"] for t in http.get("/v1/tasks", params={"limit": 200}).json()["tasks"]}


def test_another_callers_task_is_not_found_for_bob(
    alices_tasks: list[dict[str, Any]], bob: httpx.Client, operator: httpx.Client
) -> None:
    for task in alices_tasks:
        read = bob.get(f"/v1/tasks/{task['id']}")
        assert read.status_code == 404, read.text
        assert read.headers["content-type"] == "application/problem+json"
        assert read.json()["detail"] == f"no task with id {task['id']!r}"
        assert bob.get(f"/v1/tasks/{task['id']}/trace").status_code == 404
        assert operator.get(f"/v1/tasks/{task['id']}").json()["status"] == "completed"


def test_bob_lists_only_his_own_tasks_and_the_operator_every_task(
    stack: LocalStack, alices_tasks: list[dict[str, Any]], bob: httpx.Client, operator: httpx.Client
) -> None:
    alices = {t["id"] for t in alices_tasks}
    own = bob.post("/v1/tasks", json=SUM).json()["id"]
    deadline = time.monotonic() + 60  # the index is written in the background
    while not ({own} | alices) <= listed_ids(operator):
        assert time.monotonic() < deadline, "the operator's list misses tasks"
        time.sleep(0.2)
    assert own in listed_ids(bob)
    assert not listed_ids(bob) & alices
    with client(stack, ALICE_KEY) as alice:
        assert listed_ids(alice) == alices


def feed_task_ids(http: httpx.Client, until: str, timeout_s: float = 60) -> set[str]:
    """The task ids of GET /v1/tasks/events until `until` shows (or the time is up)."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    with http.stream("GET", "/v1/tasks/events", timeout=httpx.Timeout(timeout_s)) as events:
        assert events.status_code == 200
        for line in events.iter_lines():
            if line.startswith("data:"):
                data = json.loads(line[5:])
                seen.add(data.get("task_id") or data["id"])
            if until in seen or time.monotonic() > deadline:
                break
    return seen


def test_the_live_feed_shows_bob_only_his_own_tasks(
    alices_tasks: list[dict[str, Any]], bob: httpx.Client, operator: httpx.Client
) -> None:
    alices = {t["id"] for t in alices_tasks}
    own = bob.post("/v1/tasks", json=SUM).json()["id"]
    # The feed's first tick holds every recent task it shows: alice's came before.
    seen = feed_task_ids(bob, until=own)
    assert own in seen
    assert not seen & alices, "bob's feed shows alice's tasks"
    # Oldest first in a tick: once bob's task shows, alice's older ones have.
    assert alices | {own} <= feed_task_ids(operator, until=own)


def test_a2a_get_task_on_the_hub_does_not_find_another_callers_task(
    stack: LocalStack, alices_tasks: list[dict[str, Any]], bob: httpx.Client
) -> None:
    task_id = alices_tasks[1]["id"]
    body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": task_id}}
    headers = {"A2A-Version": "1.0"}
    refused = bob.post("/a2a", json=body, headers=headers).json()
    assert refused["error"]["message"] == f"no task with id {task_id!r}", refused
    assert "result" not in refused
    rest = bob.get(f"/a2a/rest/tasks/{task_id}", headers=headers)
    assert rest.status_code == 404, rest.text
    with client(stack, ALICE_KEY) as alice:
        read = alice.post("/a2a", json=body, headers=headers).json()
    assert read["result"]["id"] == task_id, read


OPERATOR_CALLS = [
    ("GET", "/v1/approvals", None, 200),
    ("POST", "/v1/tasks/{task}/approvals/abc", {"decision": "approve"}, 404),  # none waits
    ("GET", "/v1/dead-letters", None, 200),
    ("POST", "/v1/agents", {"app_id": "calculator"}, 201),  # its card fetched again
    ("DELETE", "/v1/agents/nobody", None, 404),
    ("POST", "/v1/agents/calculator/pause", {"reason": "roles test"}, 200),
    ("POST", "/v1/agents/calculator/resume", {"reason": "roles test done"}, 200),
]


def test_bob_is_refused_what_only_an_operator_may_do_and_the_operator_may(
    stack: LocalStack, alices_tasks: list[dict[str, Any]], bob: httpx.Client, operator: httpx.Client
) -> None:
    task = alices_tasks[0]["id"]
    for method, path, body, _ in [*OPERATOR_CALLS, ("DELETE", "/v1/agents/calculator", None, 0)]:
        refused = bob.request(method, path.format(task=task), json=body)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["detail"].startswith("bob lacks the 'operator' role")
    calculator = operator.get("/v1/agents/calculator").json()
    assert (calculator["paused"], calculator["resumed"]) == (None, None)  # untouched
    for method, path, body, wanted in OPERATOR_CALLS:
        done = operator.request(method, path.format(task=task), json=body)
        assert done.status_code == wanted, (method, path, done.text)
    resumed = operator.get("/v1/agents/calculator").json()
    assert (resumed["paused"], resumed["resumed"]["by"]) == (None, "operator")
    # The agents' own registration (pub/sub through Dapr, no key) still works.
    wait_registered(stack, ("calculator",), timeout_s=120)
