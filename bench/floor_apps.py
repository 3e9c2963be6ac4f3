"""The same-work floor: two trivial apps doing exactly the Dapr operations of a Hubspoke task.

A one-agent Hubspoke task (`POST /v1/tasks`, counted from its traces: see
docs/benchmarks.md) makes these sidecar calls and nothing else through Dapr:

- the orchestrator invokes the agent once (`/v1.0/invoke/<agent>/method/a2a`);
- it saves the task record once (`POST /v1.0/state/statestore`);
- it publishes `task.completed` once, in the background after answering;
- the summarizer's sidecar delivers the event, and the summarizer records it in
  one document: a read and an ETag-checked write, concurrent events batched.

`hub` does the first three for every `POST /run`; `spoke` answers `POST /a2a`
and records `task.completed`. The bench runs `spoke` twice, as the agent and
as the subscriber, under the app ids and Dapr Configurations of Hubspoke's
(bench/floor/dapr.yaml), so the sidecars, mTLS, ACL, resiliency and tracing
are the same and only the apps differ. Payloads are about the sizes Hubspoke
sends. No validation, logging or telemetry in the apps (bench/bare_app.py).

    python -m bench.floor_apps hub|spoke
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiohttp
from fastapi import FastAPI, Request, Response
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bench.bare_app import JSON, BareAppSettings, bare_app, pooled_client, run_role

__all__ = ["FloorSettings", "build_hub", "build_spoke"]

# About the sizes of one-agent Hubspoke task's bodies: its A2A request, the
# agent's answer and the stored task record.
REQUEST_BYTES = 700
ANSWER_BYTES = 900
RECORD_BYTES = 1500


class FloorSettings(BareAppSettings):
    model_config = SettingsConfigDict(env_prefix="FLOOR_", extra="ignore", populate_by_name=True)

    dapr_http_port: int = Field(
        validation_alias="DAPR_HTTP_PORT", description="The sidecar's HTTP port."
    )
    agent_app_id: str = Field(default="calculator", description="App-id the front invokes.")
    store: str = Field(default="statestore", description="State store the front writes.")
    pubsub: str = Field(default="pubsub", description="Pub/sub the front publishes on.")
    topic: str = Field(default="task.completed", description="Topic the front publishes.")

    @property
    def sidecar(self) -> str:
        return f"http://127.0.0.1:{self.dapr_http_port}"


def _lifespan(settings: FloorSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The pooled session to the sidecar; background publishes are awaited at the end."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pooled_client(app, settings.headers()):
            app.state.background = set()
            yield
            if app.state.background:
                await asyncio.wait(app.state.background, timeout=10)

    return lifespan


def build_hub(settings: FloorSettings) -> FastAPI:
    """`POST /run`: invoke the agent, save the record, answer, then publish `task.completed`."""
    invoke = f"{settings.sidecar}/v1.0/invoke/{settings.agent_app_id}/method/a2a"
    state = f"{settings.sidecar}/v1.0/state/{settings.store}"
    publish = f"{settings.sidecar}/v1.0/publish/{settings.pubsub}/{settings.topic}"
    request_body = json.dumps({"input": "x" * REQUEST_BYTES}).encode()

    app = bare_app("floor hub", _lifespan(settings))

    async def _publish(client: aiohttp.ClientSession, event: bytes) -> None:
        async with client.post(publish, data=event) as answer:
            await answer.read()

    @app.post("/run", status_code=201)
    async def run(request: Request) -> Response:
        client: aiohttp.ClientSession = request.app.state.client
        await request.body()
        async with client.post(invoke, data=request_body) as answer:
            if answer.status >= 300:
                return Response(await answer.read(), status_code=502, media_type=JSON)
            result = await answer.read()
        task_id = uuid.uuid4().hex
        record = json.dumps({"id": task_id, "record": "x" * RECORD_BYTES, "result": len(result)})
        items = json.dumps([{"key": f"task-{task_id}", "value": json.loads(record)}])
        async with client.post(state, data=items) as saved:
            if saved.status >= 300:
                return Response(await saved.read(), status_code=502, media_type=JSON)
        publishing = asyncio.create_task(_publish(client, record.encode()))
        request.app.state.background.add(publishing)
        publishing.add_done_callback(request.app.state.background.discard)
        return Response(record, status_code=201, media_type=JSON)

    return app


def build_spoke(settings: FloorSettings) -> FastAPI:
    """`POST /a2a` answers; `task.completed` events are counted in one ETag-checked document."""
    answer_body = json.dumps({"output": "x" * ANSWER_BYTES}).encode()
    key_url = f"{settings.sidecar}/v1.0/state/{settings.store}/activity"
    state = f"{settings.sidecar}/v1.0/state/{settings.store}"
    pending = {"events": 0}
    writing = asyncio.Lock()

    app = bare_app("floor spoke", _lifespan(settings))

    @app.post("/a2a")
    async def a2a(request: Request) -> Response:
        await request.body()
        return Response(answer_body, media_type=JSON)

    async def _record(client: aiohttp.ClientSession) -> None:
        # Events arriving while a write runs are written together by the next
        # holder of the lock, as Hubspoke's BatchedDocument does.
        async with writing:
            if not pending["events"]:
                return
            count, pending["events"] = pending["events"], 0
            async with client.get(key_url) as read:
                body = await read.read()
                etag = read.headers.get("etag")
            total = (json.loads(body)["events"] if body else 0) + count
            item: dict[str, object] = {"key": "activity", "value": {"events": total}}
            item |= {"etag": etag} if etag else {"options": {"concurrency": "first-write"}}
            async with client.post(state, data=json.dumps([item])) as saved:
                await saved.read()

    @app.get("/dapr/subscribe")
    async def subscribe() -> list[dict[str, str]]:
        route = f"/events/{settings.pubsub}/{settings.topic}"
        return [{"pubsubname": settings.pubsub, "topic": settings.topic, "route": route}]

    @app.post(f"/events/{settings.pubsub}/{settings.topic}")
    async def on_event(request: Request) -> dict[str, str]:
        await request.body()
        pending["events"] += 1
        await _record(request.app.state.client)
        return {"status": "SUCCESS"}

    return app


def _role(build: Callable[[FloorSettings], FastAPI]) -> Callable[[], tuple[FastAPI, int]]:
    def role() -> tuple[FastAPI, int]:
        settings = FloorSettings()
        return build(settings), settings.app_port

    return role


if __name__ == "__main__":
    run_role("bench.floor_apps", {"hub": _role(build_hub), "spoke": _role(build_spoke)})
