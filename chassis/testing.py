"""An in-memory `DaprPort` for unit tests and benchmarks (never a stand-in for daprd).

Like httpx's MockTransport: the seam where tests replace the adapter, while
integration tests run the real `DaprSidecar` against real sidecars.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any, TypeVar

from chassis.dapr import EtagMismatch, InvocationFailed, SidecarUnavailable, StateItem
from chassis.errors import UnprocessableError

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
        self.state: dict[tuple[str, str], StateItem] = {}
        self.published: list[tuple[str, str, Any]] = []
        self.invocations: list[tuple[str, str, Any]] = []
        self.invocation_headers: list[dict[str, str]] = []
        self.publish_metadata: list[dict[str, str]] = []
        self.publish_fails = False
        # Called (as a background task) with (topic, event, metadata) after each publish:
        # a test plays the subscribers, e.g. agents answering asynchronous work.
        self.on_publish: PublishReaction | None = None
        self._reactions: set[asyncio.Task[None]] = set()
        self.conflicts_to_inject = 0
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
        self.invocations.append((app_id, method, payload))
        self.invocation_headers.append(dict(headers or {}))
        route = f"{app_id}/{method.lstrip('/')}"
        handler = self.agents.get(route) or self.agents.get(app_id)
        if handler is None:
            raise SidecarUnavailable(f"no route to {app_id}")
        return await handler(payload)

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

    async def get_many(self, store: str, keys: list[str]) -> dict[str, StateItem]:
        return {k: item for k in keys if (item := self.state.get((store, k))) is not None}

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        current = self.state.get((store, key))
        if etag is not None and (current is None or current.etag != etag):
            raise EtagMismatch(f"{key}: etag {etag} is stale")
        self.state.pop((store, key), None)

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        if self.publish_fails:
            raise SidecarUnavailable("the broker is down (injected)")
        event = json.loads(data)
        self.published.append((pubsub, topic, event))
        self.publish_metadata.append(dict(metadata or {}))
        if self.on_publish is not None:
            reaction = asyncio.create_task(self.on_publish(topic, event, dict(metadata or {})))
            self._reactions.add(reaction)
            reaction.add_done_callback(self._reactions.discard)


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
