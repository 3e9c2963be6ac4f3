"""The app serves a path only as its sidecar authorised it (chassis.raw_path)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

from chassis.app import create_app
from chassis.paths import path_ambiguity
from chassis.settings import ServiceSettings

router = APIRouter()
reached: list[str] = []


@router.get("/v1/activity")
async def activity() -> dict[str, str]:
    reached.append("/v1/activity")
    return {"secret": "activity"}


@router.get("/v1/tasks/{task_id}")
async def task(task_id: str) -> dict[str, str]:
    reached.append(task_id)
    return {"id": task_id}


def service() -> FastAPI:
    return create_app(
        settings=ServiceSettings(app_id="svc"), title="t", version="1", routers=[router]
    )


def get_raw(app: FastAPI, raw_path: bytes) -> tuple[int, dict[str, Any]]:
    """GET `raw_path` exactly as written (an HTTP client would normalise `..` and `\\`)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "path": unquote(raw_path.decode("latin-1")),  # as uvicorn decodes it
        "raw_path": raw_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
    }
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


# Each reaches /v1/activity (or a sibling route) once Starlette decodes it.
AMBIGUOUS = [
    "/v1%2Factivity",
    "/v1%2factivity",
    "/v1%5Cactivity",
    "/v1%5cactivity",
    "/v1/%61ctivity",
    "/v1/x/%2E%2E/activity",
    "/v1/x/%2e%2e%2factivity",
    "/v1/x/../activity",
    "/v1/./activity",
    "/v1//activity",
    "/v1/activity/",
    "/v1%252Factivity",
    "/v1/tasks/a%23b",
    "/v1/tasks/a%3Fb",
    "/v1/tasks/a%00b",
    "/v1/tasks/a%1Fb",
    "/v1/tasks/a%0Ab",
    "/v1/tasks/a%7Fb",
    "/v1/tasks/a%zz",
    "/v1/tasks/a%4",
    "/v1/tasks/a\\b",
]


@pytest.mark.parametrize("path", AMBIGUOUS)
def test_an_ambiguous_raw_path_is_refused_before_routing(path: str) -> None:
    reached.clear()
    status, body = get_raw(service(), path.encode())
    assert status == 400, (path, status, body)
    assert body["status"] == 400
    assert "sidecar authorised" in body["detail"]
    assert reached == []


@pytest.mark.parametrize(
    "raw",
    [b"/v1%2Factivity", b"/a\\b", b"/a/../b", b"/a//b", b"/a/%2e", b"/a\x00", b"/a%2", b"a2a"],
)
def test_path_ambiguity_names_the_reason(raw: bytes) -> None:
    assert path_ambiguity(raw) is not None


@pytest.mark.parametrize(
    "raw",
    [b"/", b"/a2a", b"/.well-known/agent-card.json", b"/v1/tasks/caf%C3%A9", b"/v1/tasks/a%20b"],
)
def test_plain_paths_and_harmless_escapes_pass(raw: bytes) -> None:
    assert path_ambiguity(raw) is None


def test_plain_paths_still_reach_their_routes() -> None:
    reached.clear()
    assert get_raw(service(), b"/v1/activity") == (200, {"secret": "activity"})
    assert get_raw(service(), b"/v1/tasks/caf%C3%A9") == (200, {"id": "café"})
    assert reached == ["/v1/activity", "café"]


def test_the_refusal_is_problem_json_over_http() -> None:
    response = TestClient(service()).get("/v1%2Factivity")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "an encoded '/' (%2F)" in response.json()["detail"]
