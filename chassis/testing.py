"""An in-memory `DaprPort` for unit tests and benchmarks (never a stand-in for daprd).

Like httpx's MockTransport: the seam where tests replace the adapter, while
integration tests run the real `DaprSidecar` against real sidecars. Its
`agents_http()` is the same seam for A2A calls the orchestrator makes through
its sidecar's invocation URL: each fake agent is served by the real a2a-sdk
server and the chassis's `SkillExecutor`, only the routing is in memory.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

import httpx
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_jsonrpc_routes
from a2a.types import AgentCard
from starlette.applications import Starlette

from chassis.a2a_server import BoundedTaskStore, SkillExecutor
from chassis.card import validate_a2a_card
from chassis.dapr import (
    DaprError,
    EtagMismatch,
    InvocationFailed,
    SidecarUnavailable,
    StateItem,
    StateWrite,
    check_message_size,
)
from chassis.errors import UnprocessableError
from chassis.paths import method_ambiguity
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["InMemoryDapr", "InlineWork", "failing_agent", "refusing_agent"]

Handler = Callable[[Any], Awaitable[Any]]
PublishReaction = Callable[[str, Any, dict[str, str]], Coroutine[Any, Any, None]]


class InMemoryDapr:
    """A `DaprPort` keeping state and published events in memory.

    `agents` maps an app-id (or "app-id/method") to an async handler of the
    invoked payload; an app-id missing from it behaves like an app that is down.
    """

    def __init__(self, agents: dict[str, Handler] | None = None) -> None:
        self.agents = agents or {}
        # Agents off the chassis, answering A2A calls with whatever HTTP response they make.
        self.raw_agents: dict[str, Callable[[httpx.Request], Awaitable[httpx.Response]]] = {}
        self.state: dict[tuple[str, str], StateItem] = {}
        self.published: list[tuple[str, str, Any]] = []
        self.invocations: list[tuple[str, str, Any]] = []
        self.invocation_headers: list[dict[str, str]] = []
        # The JSON-RPC requests A2A calls through `agents_http()` carried, as sent.
        self.a2a_requests: list[dict[str, Any]] = []
        self.publish_metadata: list[dict[str, str]] = []
        self.publish_fails = False
        # Called (as a background task) with (topic, event, metadata) after each publish:
        # a test plays the subscribers, e.g. agents answering asynchronous work.
        self.on_publish: PublishReaction | None = None
        self._reactions: set[asyncio.Task[None]] = set()
        self.conflicts_to_inject = 0
        # The `ttl_s` of each key's last write (None: kept until deleted); not enforced.
        self.ttls: dict[tuple[str, str], int | None] = {}
        self.transactions = 0
        self._version = 0

    async def invoke(
        self,
        app_id: str,
        method: str,
        payload: Any,
        *,
        http_method: str = "POST",
        timeout_s: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        unsafe = method_ambiguity(method)
        if unsafe is not None:  # as DaprSidecar refuses it: never sent
            raise ValueError(f"method {method!r} for {app_id!r} holds {unsafe}; not sent")
        self.invocations.append((app_id, method, payload))
        self.invocation_headers.append(dict(headers or {}))
        route = f"{app_id}/{method.lstrip('/')}"
        handler = self.agents.get(route) or self.agents.get(app_id)
        if handler is None:
            raise SidecarUnavailable(f"no route to {app_id}")
        return await handler(payload)

    def agents_http(self) -> httpx.AsyncClient:
        """An HTTP client whose "sidecar" serves `agents` as A2A servers at
        `/v1.0/invoke/<app-id>/method/a2a` (what `orchestrator.main.build_app` takes)."""
        return httpx.AsyncClient(base_url="http://sidecar", transport=_A2ASidecar(self))

    async def get_state(self, store: str, key: str) -> StateItem | None:
        await asyncio.sleep(0)  # a real read yields to other tasks: let races happen
        return self.state.get((store, key))

    async def save_state(
        self,
        store: str,
        key: str,
        data: bytes,
        *,
        etag: str | None = None,
        create_only: bool = False,
        ttl_s: int | None = None,
    ) -> None:
        await asyncio.sleep(0)
        current = self.state.get((store, key))
        if self.conflicts_to_inject:
            self.conflicts_to_inject -= 1
            raise EtagMismatch("injected")
        if etag is not None and (current is None or current.etag != etag):
            raise EtagMismatch(f"{key}: etag {etag} is stale")
        if create_only and etag is None and current is not None:
            raise EtagMismatch(f"{key} exists already")
        json.loads(data)  # the port promises JSON; fail loudly if a caller breaks that
        self._version += 1
        self.state[(store, key)] = StateItem(data, str(self._version))
        self.ttls[(store, key)] = ttl_s

    async def get_many(self, store: str, keys: list[str]) -> dict[str, StateItem]:
        return {k: item for k in keys if (item := self.state.get((store, k))) is not None}

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        current = self.state.get((store, key))
        if etag is not None and (current is None or current.etag != etag):
            raise EtagMismatch(f"{key}: etag {etag} is stale")
        self.state.pop((store, key), None)

    async def transact(self, store: str, writes: list[StateWrite]) -> None:
        await asyncio.sleep(0)
        self.transactions += 1
        if self.conflicts_to_inject:
            self.conflicts_to_inject -= 1
            raise DaprError("state transaction: possible etag mismatch (injected)")
        for write in writes:  # all or nothing: check every precondition first
            current = self.state.get((store, write.key))
            stale = write.etag is not None and (current is None or current.etag != write.etag)
            if stale or (write.create_only and write.etag is None and current is not None):
                raise DaprError(f"state transaction: possible etag mismatch on {write.key}")
        for write in writes:
            if write.data is None:
                self.state.pop((store, write.key), None)
                continue
            json.loads(write.data)
            self._version += 1
            self.state[(store, write.key)] = StateItem(write.data, str(self._version))

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        if self.publish_fails:
            raise SidecarUnavailable("the broker is down (injected)")
        check_message_size(topic, data)
        event = json.loads(data)
        self.published.append((pubsub, topic, event))
        self.publish_metadata.append(dict(metadata or {}))
        if self.on_publish is not None:
            reaction = asyncio.create_task(self.on_publish(topic, event, dict(metadata or {})))
            self._reactions.add(reaction)
            reaction.add_done_callback(self._reactions.discard)


# An InvocationFailed a handler raised, to be answered as that HTTP status by the "sidecar".
_failed: ContextVar[list[InvocationFailed] | None] = ContextVar("failed", default=None)


class _A2ASidecar(httpx.AsyncBaseTransport):
    """Routes `/v1.0/invoke/<app-id>/method/<path>` to a real a2a-sdk server per agent."""

    def __init__(self, dapr: InMemoryDapr) -> None:
        self._dapr = dapr
        self._servers: dict[str, httpx.ASGITransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")  # "", v1.0, invoke, <app-id>, method, <path...>
        app_id, method = parts[3], "/".join(parts[5:])
        self._dapr.invocation_headers.append(dict(request.headers))
        self._dapr.a2a_requests.append(json.loads(await request.aread()))
        if (raw := self._dapr.raw_agents.get(app_id)) is not None:
            return await raw(request)
        handler = self._dapr.agents.get(f"{app_id}/{method}") or self._dapr.agents.get(app_id)
        if handler is None:  # what daprd answers for an app it cannot reach
            message = f"fail to invoke, id: {app_id}, err: no route (injected)"
            self._dapr.invocations.append((app_id, method, None))
            return httpx.Response(500, json={"errorCode": "ERR_DIRECT_INVOKE", "message": message})
        failed: list[InvocationFailed] = []
        token = _failed.set(failed)
        try:
            server = self._servers.get(app_id) or self._serve(app_id)
            response = await server.handle_async_request(request)
        finally:
            _failed.reset(token)
        if failed:
            await response.aclose()
            return httpx.Response(failed[0].status, json=failed[0].body)
        return response

    def _serve(self, app_id: str) -> httpx.ASGITransport:
        async def skill(request: SkillRequest) -> SkillAnswer:
            payload = {"task_id": request.task_id, "input": request.input}
            self._dapr.invocations.append((app_id, "a2a", payload))
            handler = self._dapr.agents.get(f"{app_id}/a2a") or self._dapr.agents[app_id]
            try:
                answer = await handler(payload)
            except InvocationFailed as exc:
                if (failed := _failed.get()) is not None:
                    failed.append(exc)
                raise
            if answer.get("outcome") == "refused":
                raise UnprocessableError(answer.get("reason") or "refused")
            return SkillAnswer(output=answer["output"], data=answer.get("data") or {})

        handler = DefaultRequestHandler(
            agent_executor=SkillExecutor(skill),
            task_store=BoundedTaskStore(),
            agent_card=_fake_card(app_id),
        )
        app = Starlette(
            routes=create_jsonrpc_routes(handler, rpc_url="/v1.0/invoke/" + app_id + "/method/a2a")
        )
        self._servers[app_id] = httpx.ASGITransport(app=app)
        return self._servers[app_id]


def _fake_card(app_id: str) -> AgentCard:
    """A complete card for a fake agent (the SDK warns about incomplete ones)."""
    from chassis.agent import AgentDescription, Skill, build_card  # the chassis's own card

    skill = Skill(id="fake", name="Fake", description="A test double.", tags=("test",))
    description = AgentDescription(
        name=app_id, description="fake", version="0.0.1", skills=(skill,)
    )
    return validate_a2a_card(build_card(description, AgentSettings(app_id=app_id)))


def failing_agent(status: int, detail: str) -> Handler:
    """An agent whose sidecar returns `status` with a problem body."""

    async def handler(_: Any) -> Any:
        raise InvocationFailed("agent", status, {"status": status, "detail": detail})

    return handler


def refusing_agent(app_id: str, reason: str) -> Handler:
    """An agent that understands every task and refuses it (A2A state rejected)."""

    async def handler(_: Any) -> Any:
        raise UnprocessableError(reason)

    return handler


T = TypeVar("T")


class InlineWork:
    """A `chassis.work.WorkPort` running each job at once in the caller (no process, no
    budget): unit tests of a service's logic; `ProcessWork` has tests of its own."""

    def __init__(self) -> None:
        self.jobs = 0

    async def run(self, job: Callable[[], T], *, deadline: datetime | None = None) -> T:
        self.jobs += 1
        return job()
