"""A `DaprPort` with no sidecar behind it, for the plain-HTTP floor of the benchmark.

Invocations go straight to the target app's port over HTTP, through one
pooled aiohttp session (`chassis.dapr.pooled_session`, as the sidecar adapter), with the app token
the target checks; state stays in this process's memory and published events
are counted and dropped (`chassis.testing.InMemoryDapr`). Never a stand-in
for daprd outside the benchmark: it has no mTLS, access control, retries or
name resolution.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx

from chassis.dapr import InvocationFailed, SidecarUnavailable, pooled_session
from chassis.testing import InMemoryDapr

__all__ = ["DirectA2ATransport", "DirectHttpPort"]


class DirectHttpPort(InMemoryDapr):
    """`apps` maps an app-id to its base URL; `app_token` is sent as `dapr-api-token`."""

    def __init__(self, apps: Mapping[str, str], app_token: str | None = None) -> None:
        super().__init__()
        self._apps = dict(apps)
        self._headers = {} if app_token is None else {"dapr-api-token": app_token}
        self._session: aiohttp.ClientSession | None = None  # made in the serving loop
        self.dropped_events = 0

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = pooled_session(self._headers)
        return self._session

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
        body = None if http_method == "GET" else json.dumps(payload).encode()
        sent = {**({"content-type": "application/json"} if body else {}), **(headers or {})}
        timeout = aiohttp.ClientTimeout(total=timeout_s or 30.0)
        try:
            async with self._client().request(
                http_method, f"{base}/{method.lstrip('/')}", data=body, headers=sent,
                timeout=timeout,
            ) as response:  # fmt: skip
                status, content = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SidecarUnavailable(f"{app_id} unreachable: {exc!r}") from exc
        answer = _decode(content)
        if 200 <= status < 300:
            return answer
        raise InvocationFailed(app_id, status, answer)

    async def publish(self, pubsub: str, topic: str, data: bytes, **_: Any) -> None:
        self.dropped_events += 1


def _decode(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode(errors="replace")


class DirectA2ATransport(httpx.AsyncBaseTransport):
    """The orchestrator's A2A calls (`/v1.0/invoke/<app-id>/method/<path>` on its sidecar)
    sent straight to `<app's base URL>/<path>` with the app token: no sidecar between."""

    def __init__(self, apps: Mapping[str, str], app_token: str | None = None) -> None:
        self._apps = dict(apps)
        self._token = app_token
        self._http = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")  # "", v1.0, invoke, <app-id>, method, <path...>
        base = self._apps.get(parts[3]) if len(parts) > 5 else None
        if base is None:
            return httpx.Response(500, json={"errorCode": "ERR_DIRECT_INVOKE"})
        request.url = httpx.URL(f"{base}/{'/'.join(parts[5:])}")
        request.headers["host"] = request.url.netloc.decode()
        if self._token is not None:
            request.headers["dapr-api-token"] = self._token
        return await self._http.handle_async_request(request)

    async def aclose(self) -> None:
        await self._http.aclose()
