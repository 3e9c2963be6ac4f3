"""The deadline guard: no work for a caller who stopped waiting."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chassis.app import create_app
from chassis.contract import DEADLINE_HEADER
from chassis.settings import ServiceSettings


@pytest.fixture
def app() -> FastAPI:
    app = create_app(settings=ServiceSettings(app_id="t"), title="t", version="1", routers=[])
    app.state.calls = 0

    @app.post("/work")
    async def work(seconds: float = 0) -> dict[str, str]:
        app.state.calls += 1
        await asyncio.sleep(seconds)
        return {"done": "yes"}

    return app


def test_work_within_the_deadline_is_answered(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.post("/work", headers={DEADLINE_HEADER: str(time.time() + 5)})
    assert response.json() == {"done": "yes"}


def test_work_whose_deadline_passed_is_refused_without_running(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.post("/work", headers={DEADLINE_HEADER: str(time.time() - 1)})
    assert response.status_code == 504
    assert "deadline passed" in response.json()["detail"]
    assert app.state.calls == 0


def test_work_running_past_the_deadline_is_stopped_with_504(app: FastAPI) -> None:
    started = time.monotonic()
    with TestClient(app) as client:
        response = client.post(
            "/work", params={"seconds": 5}, headers={DEADLINE_HEADER: str(time.time() + 0.2)}
        )
    assert response.status_code == 504
    assert time.monotonic() - started < 3


def test_a_deadline_that_is_not_a_number_is_400(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.post("/work", headers={DEADLINE_HEADER: "tomorrow"})
    assert response.status_code == 400
    assert "Unix seconds" in response.json()["detail"]
