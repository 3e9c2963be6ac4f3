"""In-memory stand-ins for OUR ports (never for the Dapr sidecar itself)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from chassis.dapr import EtagMismatch, InvocationFailed, SidecarUnavailable, StateItem

Handler = Callable[[Any], Awaitable[Any]]


class InMemoryDapr:
    """A `DaprPort` keeping state and published events in memory.

    `agents` maps an app-id to an async handler of the invoked payload; an
    app-id missing from it behaves like an app that is down.
    """

    def __init__(self, agents: dict[str, Handler] | None = None) -> None:
        self.agents = agents or {}
        self.state: dict[tuple[str, str], StateItem] = {}
        self.published: list[tuple[str, str, Any]] = []
        self.invocations: list[tuple[str, str, Any]] = []
        self.conflicts_to_inject = 0
        self._version = 0

    async def invoke(
        self, app_id: str, method: str, payload: Any, *, http_method: str = "POST"
    ) -> Any:
        self.invocations.append((app_id, method, payload))
        if app_id not in self.agents:
            raise SidecarUnavailable(f"no route to {app_id}")
        return await self.agents[app_id](payload)

    async def get_state(self, store: str, key: str) -> StateItem | None:
        return self.state.get((store, key))

    async def save_state(
        self, store: str, key: str, data: bytes, *, etag: str | None = None
    ) -> None:
        current = self.state.get((store, key))
        if self.conflicts_to_inject:
            self.conflicts_to_inject -= 1
            raise EtagMismatch("injected")
        if etag is not None and (current is None or current.etag != etag):
            raise EtagMismatch(f"{key}: etag {etag} is stale")
        json.loads(data)  # the port promises JSON; fail loudly if a caller breaks that
        self._version += 1
        self.state[(store, key)] = StateItem(data, str(self._version))

    async def publish(self, pubsub: str, topic: str, data: bytes) -> None:
        self.published.append((pubsub, topic, json.loads(data)))


def failing_agent(status: int, detail: str) -> Handler:
    """An agent whose sidecar returns `status` with a problem body."""

    async def handler(_: Any) -> Any:
        raise InvocationFailed("agent", status, {"status": status, "detail": detail})

    return handler
