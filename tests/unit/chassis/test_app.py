from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel

from chassis.app import create_app
from chassis.errors import ConflictError
from chassis.settings import ServiceSettings


class Echo(BaseModel):
    text: str
    count: int


router = APIRouter()


@router.post("/echo")
async def echo(body: Echo) -> Echo:
    return body


@router.get("/conflict")
async def conflict() -> None:
    raise ConflictError("somebody else wrote first", key="k")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


def client() -> TestClient:
    settings = ServiceSettings(app_id="svc", max_request_bytes=2048)
    app = create_app(settings=settings, title="t", version="1.2.3", routers=[router])
    return TestClient(app, raise_server_exceptions=False)


def test_healthz_names_the_app_and_version() -> None:
    response = client().get("/healthz")
    assert response.json() == {"status": "ok", "app_id": "svc", "version": "1.2.3"}


def test_validation_error_is_problem_json_naming_each_field() -> None:
    response = client().post("/echo", json={"count": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert "text: Field required" in body["detail"]
    assert "count:" in body["detail"]


def test_body_that_is_not_json_is_rejected_with_json() -> None:
    response = client().post(
        "/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_oversized_body_gets_413_before_parsing() -> None:
    response = client().post("/echo", json={"text": "x" * 5000, "count": 1})
    assert response.status_code == 413
    assert "detail" in response.json()


def test_service_error_keeps_its_status_and_extra_fields() -> None:
    response = client().get("/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "title": "Conflict",
        "detail": "somebody else wrote first",
        "key": "k",
    }


def test_unexpected_error_is_500_problem_without_internals() -> None:
    response = client().get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert response.json()["status"] == 500


def test_unknown_route_is_404_json() -> None:
    response = client().get("/nope")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_streamed_body_over_the_limit_gets_413_json() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'", "count": 1}'

    response = client().post(
        "/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "request body exceeds the limit of 2048 bytes"


def guarded_client(guarded: tuple[str, ...] = ()) -> TestClient:
    settings = ServiceSettings(app_id="svc", app_api_token="sidecar-secret")
    app = create_app(
        settings=settings, title="t", version="1", routers=[router], sidecar_only_paths=guarded
    )
    return TestClient(app)


def test_with_an_app_token_only_the_sidecar_gets_in() -> None:
    client = guarded_client()
    body = {"text": "a", "count": 1}
    assert client.post("/echo", json=body).status_code == 401
    assert client.post("/echo", json=body, headers={"dapr-api-token": "nope"}).status_code == 401
    allowed = client.post("/echo", json=body, headers={"dapr-api-token": "sidecar-secret"})
    assert allowed.status_code == 200
    assert client.get("/healthz").status_code == 200


def test_app_token_can_guard_only_the_sidecar_paths() -> None:
    client = guarded_client(guarded=("/conflict",))
    assert client.post("/echo", json={"text": "a", "count": 1}).status_code == 200
    assert client.get("/conflict").status_code == 401


def test_the_document_says_what_the_chassis_answers_as_problem_json() -> None:
    settings = ServiceSettings.model_validate({"app_id": "svc", "APP_API_TOKEN": "t" * 32})
    app = create_app(settings=settings, title="t", version="1", routers=[router])
    paths = app.openapi()["paths"]  # served only to the sidecar, like every path here
    echo = paths["/echo"]["post"]["responses"]
    # The token guard (401), the validation (422) and the chassis' own statuses.
    assert set(echo) == {"200", "400", "401", "413", "422", "500", "504"}
    assert list(echo["401"]["content"]) == ["application/problem+json"]
    assert "401" not in paths["/healthz"]["get"]["responses"]  # open to probes


def test_a_wrong_method_is_405_naming_the_allowed_methods() -> None:
    response = client().put("/echo")
    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert response.headers["content-type"] == "application/problem+json"
