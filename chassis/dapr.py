"""Typed access to the app's own Dapr sidecar: invocation, state, publish.

`DaprPort` is the narrow interface services depend on; unit tests swap in an
in-memory fake of it. `DaprSidecar` is the real adapter. It speaks the
sidecar's HTTP API through ONE pooled `httpx.AsyncClient` instead of the dapr
SDK's clients, because the SDK's HTTP invocation opens a new aiohttp session
per call and its constructors block on a health poll; the ports and the API
token still come from the SDK's own settings (`DAPR_HTTP_PORT`,
`DAPR_API_TOKEN`), so the app follows whatever its sidecar was started with.

Exception tree (all `DaprError`):

    DaprError
    ├── SidecarUnavailable     the sidecar did not answer (down, timed out)
    ├── InvocationFailed       the target app or its sidecar answered non-2xx
    └── EtagMismatch           a state write lost an optimistic-concurrency race
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from dapr.conf import settings as dapr_settings

__all__ = [
    "DaprError",
    "DaprPort",
    "DaprSidecar",
    "EtagMismatch",
    "InvocationFailed",
    "SidecarUnavailable",
    "StateItem",
    "open_sidecar",
]


_JSON_HEADERS = {"content-type": "application/json"}


class DaprError(Exception):
    """Base of every error raised by the Dapr adapter."""


class SidecarUnavailable(DaprError):
    """The sidecar could not be reached or did not answer in time."""


class InvocationFailed(DaprError):
    """A service invocation returned a non-2xx status."""

    def __init__(self, app_id: str, status: int, body: Any) -> None:
        super().__init__(f"invoking {app_id!r} returned HTTP {status}: {str(body)[:300]}")
        self.app_id = app_id
        self.status = status
        self.body = body


class EtagMismatch(DaprError):
    """The stored item changed since it was read (first-write concurrency)."""


@dataclass(frozen=True, slots=True)
class StateItem:
    """A stored value and the ETag to pass back when replacing it."""

    data: bytes
    etag: str | None


class DaprPort(Protocol):
    """What a service may ask of its sidecar."""

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
        """Call `method` on `app_id` through Dapr; return the decoded JSON answer.

        Dapr forwards `headers` to the target app (e.g. the task's deadline).
        """
        ...

    async def get_state(self, store: str, key: str) -> StateItem | None:
        """Read one key; None when it does not exist."""
        ...

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
        """Write JSON `data` under `key`.

        With `etag`: only if unchanged since it was read. With `create_only`:
        only if the key does not exist yet. Else EtagMismatch; without
        either, the write replaces whatever is there. With `ttl_s`, the
        store deletes the key after that many seconds.
        """
        ...

    async def get_many(self, store: str, keys: list[str]) -> dict[str, StateItem]:
        """Read several keys in one call; missing keys are left out."""
        ...

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        """Delete one key; with `etag`, only if unchanged since read (else EtagMismatch)."""
        ...

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        """Publish a JSON event; Dapr wraps it in a CloudEvent.

        `metadata` goes to Dapr as is: `cloudevent.id` sets the message id
        (subscribers dedupe by it), `ttlInSeconds` makes Dapr drop the message
        once stale.
        """
        ...


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


class DaprSidecar:
    """The real `DaprPort`: the local sidecar's HTTP API."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    @classmethod
    def from_environment(cls, *, timeout_s: float = 30.0) -> DaprSidecar:
        """Build the adapter for the sidecar named by DAPR_HTTP_PORT / DAPR_API_TOKEN."""
        headers = {}
        if dapr_settings.DAPR_API_TOKEN:
            headers["dapr-api-token"] = dapr_settings.DAPR_API_TOKEN
        client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{dapr_settings.DAPR_HTTP_PORT}",
            headers=headers,
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
        )
        return cls(client)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def wait_until_ready(self, timeout_s: float = 60.0) -> None:
        """Wait until the sidecar can reach its components (outbound health)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                response = await self._client.get("/v1.0/healthz/outbound")
                if response.status_code == 204:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SidecarUnavailable(f"sidecar not ready after {timeout_s:.0f}s")
            await asyncio.sleep(0.1)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, url, **kwargs)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise SidecarUnavailable(f"sidecar request {method} {url} failed: {exc!r}") from exc

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
        extra: dict[str, Any] = {} if http_method == "GET" else {"json": payload}
        if timeout_s is not None:
            extra["timeout"] = timeout_s
        if headers:
            extra["headers"] = headers
        response = await self._send(
            http_method, f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}", **extra
        )
        if response.is_success:
            return _decode(response)
        raise InvocationFailed(app_id, response.status_code, _decode(response))

    async def get_state(self, store: str, key: str) -> StateItem | None:
        response = await self._send("GET", f"/v1.0/state/{store}/{key}")
        if response.status_code == 204:
            return None
        if not response.is_success:
            raise DaprError(f"reading {store}/{key}: HTTP {response.status_code} {response.text}")
        return StateItem(response.content, response.headers.get("etag"))

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
        item: dict[str, Any] = {"key": key}
        if etag is not None:
            item["etag"] = etag
        if ttl_s is not None:
            item["metadata"] = {"ttlInSeconds": str(ttl_s)}
        if etag is not None or create_only:
            # first-write without an ETag means "insert only if absent" in Dapr's stores.
            item["options"] = {"concurrency": "first-write"}
        # `data` is already JSON: splice it in rather than decode and re-encode it.
        body = b"[" + json.dumps(item)[:-1].encode() + b',"value":' + data + b"}]"
        response = await self._send(
            "POST", f"/v1.0/state/{store}", content=body, headers=_JSON_HEADERS
        )
        if response.status_code == 409:
            raise EtagMismatch(f"{store}/{key} changed since it was read")
        if not response.is_success:
            raise DaprError(f"saving {store}/{key}: HTTP {response.status_code} {response.text}")

    async def get_many(self, store: str, keys: list[str]) -> dict[str, StateItem]:
        if not keys:
            return {}
        response = await self._send(
            "POST", f"/v1.0/state/{store}/bulk", json={"keys": keys, "parallelism": 16}
        )
        if not response.is_success:
            raise DaprError(f"bulk read of {store}: HTTP {response.status_code} {response.text}")
        found = {}
        for item in response.json():
            if "data" in item and not item.get("error"):
                data = json.dumps(item["data"]).encode()
                found[item["key"]] = StateItem(data, item.get("etag"))
        return found

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        headers = {} if etag is None else {"If-Match": etag}
        params = {} if etag is None else {"concurrency": "first-write"}
        response = await self._send(
            "DELETE", f"/v1.0/state/{store}/{key}", headers=headers, params=params
        )
        if response.status_code == 409:
            raise EtagMismatch(f"{store}/{key} changed since it was read")
        if not response.is_success:
            raise DaprError(f"deleting {store}/{key}: HTTP {response.status_code} {response.text}")

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        params = {f"metadata.{key}": value for key, value in (metadata or {}).items()}
        response = await self._send(
            "POST",
            f"/v1.0/publish/{pubsub}/{topic}",
            content=data,
            headers=_JSON_HEADERS,
            params=params,
        )
        if not response.is_success:
            raise DaprError(f"publishing to {pubsub}/{topic}: HTTP {response.status_code}")


@asynccontextmanager
async def open_sidecar(given: DaprPort | None = None) -> AsyncIterator[DaprPort]:
    """Yield `given` (a test's fake) or the real sidecar once it is ready; close it after."""
    if given is not None:
        yield given
        return
    sidecar = DaprSidecar.from_environment()
    try:
        await sidecar.wait_until_ready()
        yield sidecar
    finally:
        await sidecar.aclose()
