"""Typed access to the app's own Dapr sidecar: invocation, state, publish.

`DaprPort` is the narrow interface services depend on; unit tests swap in an
in-memory fake of it. `DaprSidecar` is the real adapter. It speaks the
sidecar's HTTP API through ONE pooled `aiohttp.ClientSession` instead of the
dapr SDK's clients, because the SDK's HTTP invocation opens a new session per
call and its constructors block on a health poll; the ports and the API
token still come from the SDK's own settings (`DAPR_HTTP_PORT`,
`DAPR_API_TOKEN`), so the app follows whatever its sidecar was started with.
aiohttp rather than httpx: every task makes several sidecar calls, and one
costs about 0.1 ms of CPU with aiohttp against 0.4-0.5 ms with httpx
(measured here against a real daprd; see docs/benchmarks.md).

Exception tree (all `DaprError`):

    DaprError
    ├── SidecarUnavailable     the sidecar did not answer (down, timed out)
    ├── InvocationFailed       the target app, or Dapr on the way (`FailedHop`), answered non-2xx
    ├── EtagMismatch           a state write lost an optimistic-concurrency race
    └── MessageTooLarge        an event too large for its subscriber, refused before publishing
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import aiohttp
from dapr.conf import settings as dapr_settings

from chassis.paths import method_ambiguity
from chassis.signatures import EventSigner

__all__ = [
    "MAX_MESSAGE_BYTES",
    "DaprError",
    "DaprPort",
    "DaprSidecar",
    "EtagMismatch",
    "FailedHop",
    "InvocationFailed",
    "MessageTooLarge",
    "SidecarUnavailable",
    "StateItem",
    "StateWrite",
    "check_message_size",
    "open_sidecar",
    "pooled_session",
    "sidecar_address",
]


_JSON_HEADERS = {"content-type": "application/json"}
_CLOUDEVENT_HEADERS = {"content-type": "application/cloudevents+json"}

# The largest event data any app publishes. Every subscriber refuses request
# bodies over 1 MiB (HUBSPOKE_MAX_REQUEST_BYTES), and Dapr delivers the data
# wrapped in a CloudEvent (ids, topic, trace context: well under 64 KiB); a
# larger message would be retried until Dapr gave it up, so it is refused here.
MAX_MESSAGE_BYTES = 1_048_576 - 65_536


class DaprError(Exception):
    """Base of every error raised by the Dapr adapter."""


class SidecarUnavailable(DaprError):
    """The sidecar could not be reached, or (`timed_out`) did not answer in time."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class FailedHop(StrEnum):
    """Where an invocation failed: the target app's own answer, or Dapr on the way to it."""

    APP = "app"  # the app answered non-2xx itself; its body is the app's
    BREAKER_OPEN = "breaker-open"  # Dapr's circuit breaker for the target let no call through
    TIMED_OUT = "timed-out"  # the Resiliency timeout passed before the app answered
    DENIED = "denied"  # the target's access-control policy refused the caller
    UNREACHABLE = "unreachable"  # no address, no connection, the target's sidecar failed


# gobreaker's words, as Dapr's ERR_DIRECT_INVOKE message quotes them (dapr/dapr
# pkg/resiliency/breaker: ErrOpenState, and ErrTooManyRequests while half-open).
_BREAKER_TEXTS = ("circuit breaker is open", "too many requests")
_TIMEOUT_TEXTS = ("context deadline exceeded", "deadlineexceeded")


class InvocationFailed(DaprError):
    """A service invocation returned a non-2xx status.

    `hop` says whether the app answered that (its body is the app's) or Dapr
    failed the call itself: then the body is Dapr's JSON error
    (`{"errorCode": "ERR_DIRECT_INVOKE", "message": ...}`), internal text
    that callers log and do not show.
    """

    def __init__(self, app_id: str, status: int, body: Any) -> None:
        super().__init__(f"invoking {app_id!r} returned HTTP {status}: {str(body)[:300]}")
        self.app_id = app_id
        self.status = status
        self.body = body

    @property
    def hop(self) -> FailedHop:
        error_code = self.body.get("errorCode") if isinstance(self.body, dict) else None
        if not isinstance(error_code, str) or not error_code.startswith("ERR_"):
            return FailedHop.APP
        message = str(self.body.get("message", "")).lower()
        if any(text in message for text in _BREAKER_TEXTS):
            return FailedHop.BREAKER_OPEN
        if any(text in message for text in _TIMEOUT_TEXTS):
            return FailedHop.TIMED_OUT
        if self.status == 403 or "permissiondenied" in message.replace(" ", ""):
            return FailedHop.DENIED
        return FailedHop.UNREACHABLE


class MessageTooLarge(DaprError):
    """An event's data exceeds `MAX_MESSAGE_BYTES`; nothing was published."""

    def __init__(self, topic: str, size: int, limit: int = MAX_MESSAGE_BYTES) -> None:
        super().__init__(
            f"a message of {size} bytes for {topic} exceeds the limit of {limit} bytes"
        )
        self.topic, self.size, self.limit = topic, size, limit


def check_message_size(topic: str, data: bytes) -> None:
    """Raise `MessageTooLarge` if `data` is too large to be delivered to any subscriber."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(topic, len(data), MAX_MESSAGE_BYTES)


class EtagMismatch(DaprError):
    """The stored item changed since it was read (first-write concurrency)."""


@dataclass(frozen=True, slots=True)
class StateItem:
    """A stored value and the ETag to pass back when replacing it."""

    data: bytes
    etag: str | None


@dataclass(frozen=True, slots=True)
class StateWrite:
    """One write of a state transaction: `data` (JSON) to store, or None to delete.

    `etag` / `create_only` / `ttl_s` mean what they mean for `save_state`.
    """

    key: str
    data: bytes | None
    etag: str | None = None
    create_only: bool = False
    ttl_s: int | None = None


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
        ValueError, before any call, for a method that would route elsewhere than
        it reads once the app decodes it (`%2F`, `..`: chassis.paths).
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

    async def transact(self, store: str, writes: list[StateWrite]) -> None:
        """Apply every write or none (Dapr's state transaction API).

        Raises DaprError when the store refused it: a lost ETag race anywhere in
        it (stores do not say which write lost; daprd 1.18 answers 500
        ERR_STATE_TRANSACTION "possible etag mismatch"), or any other failure.
        """
        ...

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        """Publish a JSON event; Dapr wraps it in a CloudEvent.

        `metadata` goes to Dapr as is: `cloudevent.id` sets the message id
        (subscribers dedupe by it), `ttlInSeconds` makes Dapr drop the message
        once stale. Raises `MessageTooLarge` (before sending anything) for
        data over `MAX_MESSAGE_BYTES`.
        """
        ...


def sidecar_address() -> tuple[str, dict[str, str]]:
    """Our sidecar's HTTP base URL and the headers that authenticate us to it
    (DAPR_HTTP_PORT / DAPR_API_TOKEN, as the dapr SDK reads them)."""
    headers = {}
    if dapr_settings.DAPR_API_TOKEN:
        headers["dapr-api-token"] = dapr_settings.DAPR_API_TOKEN
    return f"http://127.0.0.1:{dapr_settings.DAPR_HTTP_PORT}", headers


def pooled_session(
    headers: Mapping[str, str], base_url: str | None = None
) -> aiohttp.ClientSession:
    """One pooled HTTP session for a process's calls on loopback (create it in its loop)."""
    return aiohttp.ClientSession(
        base_url=base_url,
        headers=headers,
        connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
        # Loopback to our own sidecar or apps: no proxy, no cookies to keep.
        cookie_jar=aiohttp.DummyCookieJar(),
    )


@dataclass(frozen=True, slots=True)
class _Reply:
    """What the adapter keeps of a sidecar response (read whole: bodies are small)."""

    status: int
    body: bytes
    etag: str | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def decoded(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return self.text


class DaprSidecar:
    """The real `DaprPort`: the local sidecar's HTTP API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        timeout_s: float = 30.0,
        signer: EventSigner | None = None,
    ) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._signer = signer

    @classmethod
    def from_environment(
        cls, *, timeout_s: float = 30.0, signer: EventSigner | None = None
    ) -> DaprSidecar:
        """Build the adapter for the sidecar named by DAPR_HTTP_PORT / DAPR_API_TOKEN.

        Call it inside the event loop that will use it (an app's lifespan).
        With `signer`, every message it publishes is signed (`chassis.signatures`).
        """
        base_url, headers = sidecar_address()
        session = pooled_session(headers, base_url)
        return cls(session, timeout_s=timeout_s, signer=signer)

    async def aclose(self) -> None:
        await self._session.close()

    async def wait_until_ready(self, timeout_s: float = 60.0) -> None:
        """Wait until the sidecar can reach its components (outbound health)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if (await self._send("GET", "/v1.0/healthz/outbound")).status == 204:
                    return
            except SidecarUnavailable:
                pass
            if time.monotonic() > deadline:
                raise SidecarUnavailable(f"sidecar not ready after {timeout_s:.0f}s")
            await asyncio.sleep(0.1)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> _Reply:
        timeout = self._timeout if timeout_s is None else aiohttp.ClientTimeout(total=timeout_s)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, params=params, timeout=timeout
            ) as response:
                return _Reply(response.status, await response.read(), response.headers.get("etag"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SidecarUnavailable(
                f"sidecar request {method} {url} failed: {exc!r}",
                timed_out=isinstance(exc, TimeoutError),
            ) from exc

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
        if unsafe is not None:  # the target's sidecar would authorise another path than it routes
            raise ValueError(f"method {method!r} for {app_id!r} holds {unsafe}; not sent")
        body = None if http_method == "GET" else json.dumps(payload).encode()
        sent = {**(_JSON_HEADERS if body is not None else {}), **(headers or {})}
        reply = await self._send(
            http_method,
            f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}",
            body=body,
            headers=sent,
            timeout_s=timeout_s,
        )
        if reply.ok:
            return reply.decoded()
        raise InvocationFailed(app_id, reply.status, reply.decoded())

    async def get_state(self, store: str, key: str) -> StateItem | None:
        reply = await self._send("GET", f"/v1.0/state/{store}/{key}")
        if reply.status == 204:
            return None
        if not reply.ok:
            raise DaprError(f"reading {store}/{key}: HTTP {reply.status} {reply.text}")
        return StateItem(reply.body, reply.etag)

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
        reply = await self._send("POST", f"/v1.0/state/{store}", body=body, headers=_JSON_HEADERS)
        if reply.status == 409:
            raise EtagMismatch(f"{store}/{key} changed since it was read")
        if not reply.ok:
            # state.redis answers a lost create-only race with a plain 500 ("failed to
            # set key", its Lua script's error): an ETag error only when an ETag was sent.
            # The key existing now is what tells the conflict from a failure.
            lost_race = create_only and etag is None and reply.status == 500
            if lost_race and await self.get_state(store, key) is not None:
                raise EtagMismatch(f"{store}/{key} was created meanwhile")
            raise DaprError(f"saving {store}/{key}: HTTP {reply.status} {reply.text}")

    async def get_many(self, store: str, keys: list[str]) -> dict[str, StateItem]:
        if not keys:
            return {}
        query = json.dumps({"keys": keys, "parallelism": 16}).encode()
        reply = await self._send(
            "POST", f"/v1.0/state/{store}/bulk", body=query, headers=_JSON_HEADERS
        )
        if not reply.ok:
            raise DaprError(f"bulk read of {store}: HTTP {reply.status} {reply.text}")
        found = {}
        for item in json.loads(reply.body):
            if "data" in item and not item.get("error"):
                data = json.dumps(item["data"]).encode()
                found[item["key"]] = StateItem(data, item.get("etag"))
        return found

    async def delete_state(self, store: str, key: str, *, etag: str | None = None) -> None:
        headers = {} if etag is None else {"If-Match": etag}
        params = {} if etag is None else {"concurrency": "first-write"}
        reply = await self._send(
            "DELETE", f"/v1.0/state/{store}/{key}", headers=headers, params=params
        )
        if reply.status == 409:
            raise EtagMismatch(f"{store}/{key} changed since it was read")
        if not reply.ok:
            raise DaprError(f"deleting {store}/{key}: HTTP {reply.status} {reply.text}")

    async def transact(self, store: str, writes: list[StateWrite]) -> None:
        operations = [_operation(write) for write in writes]
        body = json.dumps({"operations": operations}).encode()
        reply = await self._send(
            "POST", f"/v1.0/state/{store}/transaction", body=body, headers=_JSON_HEADERS
        )
        if not reply.ok:
            raise DaprError(f"state transaction on {store}: HTTP {reply.status} {reply.text}")

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        check_message_size(topic, data)
        metadata = dict(metadata or {})
        body, headers = data, _JSON_HEADERS
        if self._signer is not None:
            # Our own envelope: Dapr keeps a CloudEvent's extension attributes (the signature).
            body = self._signer.envelope(topic, data, metadata.pop("cloudevent.id", None))
            headers = _CLOUDEVENT_HEADERS
        params = {f"metadata.{key}": value for key, value in metadata.items()}
        reply = await self._send(
            "POST", f"/v1.0/publish/{pubsub}/{topic}", body=body, headers=headers, params=params
        )
        if not reply.ok:
            raise DaprError(f"publishing to {pubsub}/{topic}: HTTP {reply.status}")


def _operation(write: StateWrite) -> dict[str, Any]:
    """One operation of `/v1.0/state/<store>/transaction`."""
    request: dict[str, Any] = {"key": write.key}
    if write.data is not None:
        request["value"] = json.loads(write.data)
    if write.etag is not None:
        request["etag"] = write.etag
    if write.etag is not None or write.create_only:
        request["options"] = {"concurrency": "first-write"}
    if write.ttl_s is not None:
        request["metadata"] = {"ttlInSeconds": str(write.ttl_s)}
    return {"operation": "upsert" if write.data is not None else "delete", "request": request}


@asynccontextmanager
async def open_sidecar(
    given: DaprPort | None = None, *, signer: EventSigner | None = None
) -> AsyncIterator[DaprPort]:
    """Yield `given` (a test's fake) or the real sidecar once it is ready (publishing
    signed by `signer`, if given); close it after."""
    if given is not None:
        yield given
        return
    sidecar = DaprSidecar.from_environment(signer=signer)
    try:
        await sidecar.wait_until_ready()
        yield sidecar
    finally:
        await sidecar.aclose()
