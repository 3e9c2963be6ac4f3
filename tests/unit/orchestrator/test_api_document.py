"""The public API's OpenAPI document is the API: strict input, every status documented."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from chassis.testing import InMemoryDapr
from tests.unit.orchestrator.conftest import orchestrator_settings, public_client

PROBLEM = "application/problem+json"


def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.parametrize(
    ("deadline", "fragment"),
    [
        (True, "valid number"),
        (False, "valid number"),
        ("5", "valid number"),
        (1e-300, "greater than or equal to 1"),
        (0.5, "greater than or equal to 1"),
        (0, "greater than or equal to 1"),
        (-1, "greater than or equal to 1"),
        (600.5, "at most 600"),
        (1e300, "at most 600"),
    ],
)
def test_a_deadline_that_is_not_a_number_in_bounds_is_refused(
    client: TestClient, dapr: InMemoryDapr, deadline: Any, fragment: str
) -> None:
    response = client.post("/v1/tasks", json={"input": "2+3", "deadline_seconds": deadline})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert fragment in response.json()["detail"]
    assert dapr.invocations == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_deadline_that_is_not_finite_is_refused(client: TestClient, literal: str) -> None:
    body = f'{{"input": "2+3", "deadline_seconds": {literal}}}'
    response = client.post("/v1/tasks", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("deadline", [1, 5.5, 600])
def test_a_deadline_in_bounds_is_taken(client: TestClient, deadline: float) -> None:
    response = client.post("/v1/tasks", json={"input": "2+3", "deadline_seconds": deadline})
    assert response.status_code == 201, response.text


def test_the_documented_deadline_bounds_are_the_enforced_ones(dapr: InMemoryDapr) -> None:
    settings = orchestrator_settings(
        verify_cards=False, max_task_deadline_seconds=120, max_input_chars=500
    )
    with public_client(dapr, settings) as client:
        schema = document(client)["components"]["schemas"]["TaskRequest"]
        [number, _] = schema["properties"]["deadline_seconds"]["anyOf"]
        assert number == {"type": "number", "minimum": 1, "maximum": 120}
        assert schema["properties"]["input"]["maxLength"] == 500
        above = client.post("/v1/tasks", json={"input": "2+3", "deadline_seconds": 120.01})
    assert above.status_code == 422
    assert "at most 120" in above.json()["detail"]


def test_every_error_response_is_documented_as_problem_json(client: TestClient) -> None:
    doc = document(client)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    assert response["content"] == {
                        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, code)
    assert doc["components"]["schemas"]["Problem"]["required"] == ["status", "title", "detail"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_each_route_documents_every_status_it_can_answer(client: TestClient) -> None:
    paths = document(client)["paths"]

    def statuses(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    chassis = {"400", "413", "500", "504"}
    tasks = {"201", "202", "401", "403", "422", "502", "503", "504"}
    assert statuses("/v1/tasks", "post") == chassis | tasks
    assert statuses("/v1/tasks/stream", "post") == chassis | {"200", "401", "422", "503"}
    assert statuses("/v1/tasks/{task_id}", "get") == chassis | {"200", "401", "404", "422"}
    assert statuses("/v1/agents", "post") == chassis | {"201", "401", "403", "409", "422", "502"}
    assert statuses("/v1/agents/{app_id}", "delete") == chassis | {
        "204",
        "401",
        "403",
        "404",
        "409",
        "422",
    }
    assert statuses("/v1/agents/refusals", "get") == chassis | {"200", "401", "403"}
    assert statuses("/v1/approvals", "get") == chassis | {"200", "401", "403"}
    assert statuses("/v1/dead-letters", "get") == chassis | {"200", "401", "403"}
    assert statuses("/healthz", "get") == chassis | {"200"}


def test_dapr_callbacks_are_not_part_of_the_public_document(client: TestClient) -> None:
    paths = document(client)["paths"]
    assert paths
    assert [p for p in paths if p.startswith(("/dapr/", "/events/"))] == []


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/agents", "GET, POST"),
        ("PUT", "/v1/tasks", "GET, POST"),
        ("POST", "/v1/tasks/" + "a" * 32, "GET"),
    ],
)
def test_a_wrong_method_is_405_problem_json_naming_the_allowed_ones(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 405
