"""Callers' roles (API keys, Entra ID app roles) and what a caller without a role may do."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from agents.calculator.main import AGENT as CALCULATOR
from chassis.testing import InMemoryDapr
from orchestrator.auth import ApiKeys, EntraTokens, build_authenticator
from orchestrator.callers import Caller
from orchestrator.settings import OrchestratorSettings
from orchestrator.tasks.recent import RecentTasks
from tests.unit.orchestrator.conftest import (
    API_KEY,
    card_for,
    orchestrator_settings,
    public_client,
    registration,
    registry_post,
)
from tests.unit.orchestrator.test_auth import AUDIENCE, TENANT, Issuer

ALICE, BOB = "alice-key-0123456789", "bob-key-0123456789"


def test_a_named_key_has_the_roles_configured_for_its_name() -> None:
    keys = ApiKeys(["ops=k1", "alice=k2", "k3"], {"ops": ["operator"]})
    assert keys.authenticate("k1", None) == Caller(id="ops", name="ops", roles={"operator"})
    assert keys.authenticate("k2", None).roles == frozenset()
    assert not keys.authenticate(None, "k3").is_operator


def test_roles_come_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRATOR_API_KEYS", "ops=k1,k2")
    monkeypatch.setenv("ORCHESTRATOR_API_KEY_ROLES", '{"ops": ["operator"]}')
    authenticator = build_authenticator(OrchestratorSettings(app_id="orchestrator"))
    assert authenticator.authenticate("k1", None).is_operator
    assert not authenticator.authenticate("k2", None).is_operator


@pytest.mark.parametrize(
    ("roles", "reason"),
    [
        ({"nobody": ["operator"]}, "ORCHESTRATOR_API_KEY_ROLES names nobody"),
        ({"ops": ["admin"]}, "Input should be 'operator'"),
    ],
)
def test_roles_for_an_unknown_key_or_an_unknown_role_refuse_to_start(
    roles: dict[str, list[str]], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        OrchestratorSettings(app_id="orchestrator", api_keys="ops=k1", api_key_roles=roles)


@pytest.mark.parametrize(
    ("claimed", "operator"),
    [
        (["operator"], True),
        (["reader", "operator"], True),
        (["Operator"], False),  # app role values are matched exactly
        (["reader"], False),
        ("operator", False),  # the claim is a list; a string grants nothing
        ([{"operator": True}, 5], False),
        (None, False),
    ],
)
def test_entra_roles_come_from_the_roles_claim(claimed: Any, operator: bool) -> None:
    issuer = Issuer()
    tokens = EntraTokens(
        tenant_id=TENANT, audience=AUDIENCE, signing_key=lambda _: issuer.key.public_key()
    )
    claims = {"name": "Ada"} if claimed is None else {"name": "Ada", "roles": claimed}
    caller = tokens.authenticate(None, issuer.token(**claims))
    assert (caller.id, caller.name, caller.is_operator) == (
        "user-object-id",
        "Ada (user-object-id)",
        operator,
    )


async def test_the_recent_task_index_lists_an_owners_tasks_only() -> None:
    recent = RecentTasks(InMemoryDapr(), "statestore")
    for task_id, owner in (("a", "alice"), ("b", "bob"), ("c", "alice"), ("d", None)):
        recent.note(task_id, owner)
    await recent.drain()
    assert await recent.ids(10) == ["d", "c", "b", "a"]
    assert await recent.ids(10, "alice") == ["c", "a"]
    assert await recent.ids(1, "alice") == ["c"]
    assert await recent.ids(10, "carol") == []


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A hub with the calculator; API_KEY is the operator's, alice and bob have no role."""
    dapr = InMemoryDapr({"calculator": _five})
    settings = orchestrator_settings(
        verify_cards=False, api_keys=f"{API_KEY},alice={ALICE},bob={BOB}"
    )
    with public_client(dapr, settings) as test_client:
        event = registration("register", "calculator", card=card_for(CALCULATOR, "calculator"))
        assert test_client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
        yield test_client


async def _five(payload: Any) -> Any:
    return {"agent": "calculator", "output": "5", "data": {}}


def _as(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_a_caller_reads_its_own_task_and_another_callers_task_is_not_found(
    client: TestClient,
) -> None:
    created = client.post("/v1/tasks", json={"input": "2+3"}, headers=_as(ALICE))
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["owner"] == "alice"
    mine = client.get(f"/v1/tasks/{task['id']}", headers=_as(ALICE))
    assert mine.status_code == 200
    theirs = client.get(f"/v1/tasks/{task['id']}", headers=_as(BOB))
    missing = client.get(f"/v1/tasks/{'0' * 32}", headers=_as(BOB))
    assert (theirs.status_code, theirs.headers["content-type"]) == (404, "application/problem+json")
    # The same answer as for a task that does not exist: nothing tells them apart.
    assert theirs.json()["detail"] == missing.json()["detail"].replace("0" * 32, task["id"])
    assert client.get(f"/v1/tasks/{task['id']}/trace", headers=_as(BOB)).status_code == 404
    assert client.get(f"/v1/tasks/{task['id']}").status_code == 200  # the operator


def test_a2a_get_task_refuses_another_callers_task(client: TestClient) -> None:
    task = client.post("/v1/tasks", json={"input": "2+3"}, headers=_as(ALICE)).json()
    body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": task["id"]}}
    headers = {"A2A-Version": "1.0"}
    refused = client.post("/a2a", json=body, headers={**headers, **_as(BOB)}).json()
    assert refused["error"]["message"] == f"no task with id {task['id']!r}"
    read = client.post("/a2a", json=body, headers={**headers, **_as(ALICE)}).json()
    assert read["result"]["id"] == task["id"]


def test_a_listing_shows_the_callers_own_tasks_and_the_operator_every_task(
    client: TestClient,
) -> None:
    alices = client.post("/v1/tasks", json={"input": "2+3"}, headers=_as(ALICE)).json()
    bobs = client.post("/v1/tasks", json={"input": "2+3"}, headers=_as(BOB)).json()
    deadline = time.monotonic() + 10  # the index is written in the background
    while client.get("/v1/tasks").json()["count"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert [t["id"] for t in client.get("/v1/tasks", headers=_as(BOB)).json()["tasks"]] == [
        bobs["id"]
    ]
    assert [t["id"] for t in client.get("/v1/tasks").json()["tasks"]] == [bobs["id"], alices["id"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/approvals", None),
        ("POST", f"/v1/tasks/{'0' * 32}/approvals/abc", {"decision": "approve"}),
        ("GET", "/v1/dead-letters", None),
        ("GET", "/v1/agents/refusals", None),
        ("POST", "/v1/agents/calculator/pause", {"reason": "fuzzing"}),
        ("POST", "/v1/agents/calculator/resume", {}),
        ("POST", "/v1/agents", {"app_id": "calculator"}),
        ("DELETE", "/v1/agents/calculator", None),
    ],
)
def test_operator_routes_are_forbidden_to_a_caller_without_the_role(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    response = client.request(method, path, json=body, headers=_as(BOB))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("bob lacks the 'operator' role")
    assert client.get("/v1/agents/calculator").json()["paused"] is None  # nothing changed


def test_a_caller_without_a_role_still_reads_the_registry(client: TestClient) -> None:
    assert client.get("/v1/agents", headers=_as(BOB)).json()["count"] == 1
    assert client.get("/v1/agents/calculator/card", headers=_as(BOB)).status_code == 200
