"""A2A ListTasks on the hub (JSON-RPC and HTTP+JSON), in-process on an in-memory Dapr port.

The same tasks as `GET /v1/tasks`, scoped to the caller; the spec's filters,
paging and errors. Over real sidecars: tests/integration/test_list_tasks.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.orchestrator.conftest import API_KEY

# The hub with the calculator; API_KEY is the operator's, alice and bob have no role.
from tests.unit.orchestrator.test_roles import ALICE, BOB, client

__all__ = ["client"]  # the fixture, used by the tests below

V1 = {"A2A-Version": "1.0"}


def _run(client: TestClient, key: str, count: int) -> list[str]:
    """`count` tasks of the caller with `key`, oldest first, once the index lists them."""
    ids = [
        client.post("/v1/tasks", json={"input": "2+3"}, headers={"X-API-Key": key}).json()["id"]
        for _ in range(count)
    ]
    deadline = time.monotonic() + 10  # the index is written in the background
    while not set(ids) <= {t["id"] for t in client.get("/v1/tasks?limit=200").json()["tasks"]}:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return ids


def list_tasks(client: TestClient, key: str, **params: Any) -> dict[str, Any]:
    """The JSON-RPC answer of ListTasks with `params` (result or error)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "ListTasks", "params": params}
    response = client.post("/a2a", json=body, headers={**V1, "X-API-Key": key})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_caller_lists_its_own_tasks_and_an_operator_every_task(client: TestClient) -> None:
    alices = _run(client, ALICE, 2)
    bobs = _run(client, BOB, 1)
    mine = list_tasks(client, ALICE)["result"]
    assert [t["id"] for t in mine["tasks"]] == alices[::-1]  # newest status first
    assert (mine["totalSize"], mine["pageSize"], mine.get("nextPageToken", "")) == (2, 50, "")
    everyone = list_tasks(client, API_KEY)["result"]
    assert {t["id"] for t in everyone["tasks"]} == {*alices, *bobs}
    # The same tasks as GET /v1/tasks shows the caller.
    listed = client.get("/v1/tasks", headers={"X-API-Key": ALICE}).json()["tasks"]
    assert {t["id"] for t in listed} == set(alices)


def test_pages_follow_the_next_page_token_to_the_end(client: TestClient) -> None:
    ids = _run(client, ALICE, 5)
    seen: list[str] = []
    token = ""
    while True:
        page = list_tasks(client, ALICE, pageSize=2, pageToken=token)["result"]
        assert page["totalSize"] == 5
        assert len(page["tasks"]) <= 2
        seen += [t["id"] for t in page["tasks"]]
        token = page.get("nextPageToken", "")
        if not token:
            break
    assert seen == ids[::-1]


def test_filters_by_context_status_and_status_timestamp(client: TestClient) -> None:
    first, second = _run(client, ALICE, 2)
    by_context = list_tasks(client, ALICE, contextId=first)["result"]
    assert [t["id"] for t in by_context["tasks"]] == [first]
    done = list_tasks(client, ALICE, status="TASK_STATE_COMPLETED")["result"]
    assert done["totalSize"] == 2
    assert list_tasks(client, ALICE, status="TASK_STATE_WORKING")["result"]["totalSize"] == 0
    newest = list_tasks(client, ALICE, pageSize=1)["result"]["tasks"][0]
    after = list_tasks(client, ALICE, statusTimestampAfter=newest["status"]["timestamp"])
    assert [t["id"] for t in after["result"]["tasks"]] == [second]


def test_artifacts_only_when_asked_and_history_length_is_checked(client: TestClient) -> None:
    _run(client, ALICE, 1)
    (plain,) = list_tasks(client, ALICE)["result"]["tasks"]
    assert "artifacts" not in plain
    (full,) = list_tasks(client, ALICE, includeArtifacts=True)["result"]["tasks"]
    assert full["artifacts"][0]["parts"][0]["text"] == "5"
    refused = list_tasks(client, ALICE, historyLength=-1)
    assert refused["error"]["code"] == -32602


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"pageSize": 0}, "minimum page size is 1"),
        ({"pageSize": 101}, "maximum page size is 100"),
        ({"pageToken": "not-a-token"}, "not a valid base64-encoded cursor"),
        ({"pageToken": "bm9zdWNodGFzaw"}, "Invalid page token"),  # names no listed task
    ],
)
def test_a_bad_page_size_or_token_is_invalid_params(
    client: TestClient, params: dict[str, Any], words: str
) -> None:
    _run(client, ALICE, 1)
    error = list_tasks(client, ALICE, **params)["error"]
    assert error["code"] == -32602, error
    assert words in error["message"]


def test_the_rest_binding_lists_the_same_tasks(client: TestClient) -> None:
    alices = _run(client, ALICE, 2)
    response = client.get(
        "/a2a/rest/tasks", params={"pageSize": 1}, headers={**V1, "X-API-Key": ALICE}
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert [t["id"] for t in page["tasks"]] == [alices[1]]
    assert page["totalSize"] == 2
    assert page["nextPageToken"]
