"""A `DaprPort` with no sidecar behind it, for the plain-HTTP floor of the benchmark.

Invocations go straight to the target app's port over HTTP, through one
pooled client (sized like `chassis.dapr.DaprSidecar`'s), with the app token
the target checks; state stays in this process's memory and published events
are counted and dropped (`chassis.testing.InMemoryDapr`). Never a stand-in
for daprd outside the benchmark: it has no mTLS, access control, retries or
name resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from chassis.dapr import InvocationFailed, SidecarUnavailable
from chassis.testing import InMemoryDapr

__all__ = ["DirectHttpPort"]


class DirectHttpPort(InMemoryDapr):
    """`apps` maps an app-id to its base URL; `app_token` is sent as `dapr-api-token`."""

    def __init__(self, apps: Mapping[str, str], app_token: str | None = None) -> None:
        super().__init__()
        self._apps = dict(apps)
        headers = {} if app_token is None else {"dapr-api-token": app_token}
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=30.0,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
        )
        self.dropped_events = 0

    async def aclose(self) -> None:
        await self._client.aclose()

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
        base = self._apps.get(app_id)
        if base is None:
            raise SidecarUnavailable(f"no address for {app_id!r}")
        extra: dict[str, Any] = {} if http_method == "GET" else {"json": payload}
        if timeout_s is not None:
            extra["timeout"] = timeout_s
        if headers:
            extra["headers"] = dict(headers)
        try:
            response = await self._client.request(
                http_method, f"{base}/{method.lstrip('/')}", **extra
            )
        except httpx.TransportError as exc:
            raise SidecarUnavailable(f"{app_id} unreachable: {exc!r}") from exc
        body = _decode(response)
        if response.is_success:
            return body
        raise InvocationFailed(app_id, response.status_code, body)

    async def publish(self, pubsub: str, topic: str, data: bytes, **_: Any) -> None:
        self.dropped_events += 1


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text
