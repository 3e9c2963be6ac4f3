"""A2A ListTasks on the hub over real sidecars: the caller's own tasks, filters, pages, errors.

Two callers without a role (alice, bob) and the stack's operator key. Tasks
run through the real calculator behind its daprd; the listing reads the
recent-task index and the tasks from the Redis state store, as GET /v1/tasks does.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from tests.integration.conftest import module_stack

ALICE_KEY = secrets.token_urlsafe(24)
BOB_KEY = secrets.token_urlsafe(24)
SUM = {"input": "2+3", "agent": "calculator"}
INVALID_PARAMS = -32602


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("list-tasks"),
        env={},
        registered=("calculator",),
        extra_api_keys=(f"alice={ALICE_KEY}", f"bob={BOB_KEY}"),
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def tasks(stack: LocalStack) -> dict[str, list[str]]:
    """Three tasks of alice and one of bob, oldest first, once the index lists them all."""
    made: dict[str, list[str]] = {"alice": [], "bob": []}
    for who, key in (("alice", ALICE_KEY), ("alice", ALICE_KEY), ("bob", BOB_KEY)):
        made[who].append(_create(stack, key))
    made["alice"].append(_create(stack, ALICE_KEY))
    everyone = {*made["alice"], *made["bob"]}
    deadline = time.monotonic() + 60  # the index is written in the background
    while not everyone <= _v1_ids(stack, stack.api_key):
        assert time.monotonic() < deadline, "the tasks never reached the recent-task index"
        time.sleep(0.2)
    return made


def _create(stack: LocalStack, key: str) -> str:
    with _client(stack, key) as http:
        response = http.post("/v1/tasks", json=SUM)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _client(stack: LocalStack, key: str) -> httpx.Client:
    base_url = stack.endpoints["orchestrator"].app_url
    return httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=60)


def _v1_ids(stack: LocalStack, key: str) -> set[str]:
    with _client(stack, key) as http:
        return {t["id"] for t in http.get("/v1/tasks", params={"limit": 200}).json()["tasks"]}


def list_tasks(stack: LocalStack, key: str, **params: Any) -> dict[str, Any]:
    """ListTasks over JSON-RPC, A2A 1.0: the whole JSON-RPC answer."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "ListTasks", "params": params}
    with _client(stack, key) as http:
        response = http.post("/a2a", json=body, headers={"A2A-Version": "1.0"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_caller_lists_only_its_own_tasks(stack: LocalStack, tasks: dict[str, list[str]]) -> None:
    alices = list_tasks(stack, ALICE_KEY)["result"]
    assert [t["id"] for t in alices["tasks"]] == tasks["alice"][::-1]
    assert alices["totalSize"] == 3
    bobs = list_tasks(stack, BOB_KEY)["result"]
    assert [t["id"] for t in bobs["tasks"]] == tasks["bob"]
    # The same tasks as GET /v1/tasks lists for each of them.
    assert {t["id"] for t in alices["tasks"]} == _v1_ids(stack, ALICE_KEY)
    assert {t["id"] for t in bobs["tasks"]} == _v1_ids(stack, BOB_KEY)


def test_an_operator_lists_every_callers_tasks(
    stack: LocalStack, tasks: dict[str, list[str]]
) -> None:
    listed = list_tasks(stack, stack.api_key, pageSize=100)["result"]
    assert {*tasks["alice"], *tasks["bob"]} <= {t["id"] for t in listed["tasks"]}


def test_pages_filters_and_artifacts(stack: LocalStack, tasks: dict[str, list[str]]) -> None:
    first = list_tasks(stack, ALICE_KEY, pageSize=2)["result"]
    assert len(first["tasks"]) == 2
    assert first["nextPageToken"]
    second = list_tasks(stack, ALICE_KEY, pageSize=2, pageToken=first["nextPageToken"])["result"]
    assert [t["id"] for t in first["tasks"] + second["tasks"]] == tasks["alice"][::-1]
    assert not second.get("nextPageToken")
    one = list_tasks(stack, ALICE_KEY, contextId=tasks["alice"][0], includeArtifacts=True)
    (task,) = one["result"]["tasks"]
    assert task["artifacts"][0]["parts"][0]["text"].endswith("5")
    assert "artifacts" not in first["tasks"][0]  # left out unless asked for
    done = list_tasks(stack, ALICE_KEY, status="TASK_STATE_COMPLETED")["result"]
    assert done["totalSize"] == 3
    assert list_tasks(stack, ALICE_KEY, status="TASK_STATE_FAILED")["result"]["totalSize"] == 0


@pytest.mark.parametrize("params", [{"pageSize": 0}, {"pageSize": 101}, {"pageToken": "x!"}])
def test_a_bad_page_size_or_token_is_invalid_params(
    stack: LocalStack, tasks: dict[str, list[str]], params: dict[str, Any]
) -> None:
    answer = list_tasks(stack, ALICE_KEY, **params)
    assert answer["error"]["code"] == INVALID_PARAMS, answer
