"""How the A2A client's JSON-RPC requests travel: one POST to our sidecar, a reply back.

The real adapter sends on a pooled `aiohttp` session (`chassis.dapr.pooled_session`,
traced by `chassis.telemetry` like every sidecar call); tests and the
sidecar-less benchmark hand in an `httpx.AsyncClient` whose transport plays
the sidecar. Both translate what goes wrong on the way into the Dapr
adapter's errors:

    no answer within the timeout      -> SidecarUnavailable(timed_out=True)
    refused or broken connection      -> SidecarUnavailable (not a timeout)
    any HTTP reply, whatever its status -> returned as (status, body)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import aiohttp
import httpx

from chassis.dapr import SidecarUnavailable

__all__ = ["AiohttpPost", "HttpxPost", "JsonRpcPost"]

_JSON = {"content-type": "application/json"}


class JsonRpcPost(Protocol):
    """POSTs one JSON body to a path on our sidecar; the reply's status and body."""

    async def post(
        self, path: str, body: bytes, *, headers: Mapping[str, str], timeout_s: float
    ) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


class AiohttpPost:
    """The real adapter: a pooled aiohttp session whose base URL is our sidecar's."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def post(
        self, path: str, body: bytes, *, headers: Mapping[str, str], timeout_s: float
    ) -> tuple[int, bytes]:
        """The reply's HTTP status and body; SidecarUnavailable if none came."""
        try:
            async with self._session.post(
                path,
                data=body,
                headers={**_JSON, **headers},
                timeout=aiohttp.ClientTimeout(total=timeout_s),
            ) as reply:
                return reply.status, await reply.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise SidecarUnavailable(f"POST {path}: no answer in time", timed_out=True) from exc
        except aiohttp.ClientError as exc:
            raise SidecarUnavailable(f"POST {path}: {exc!r}") from exc

    async def aclose(self) -> None:
        await self._session.close()


class HttpxPost:
    """The test seam: an httpx client whose transport plays our sidecar."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def post(
        self, path: str, body: bytes, *, headers: Mapping[str, str], timeout_s: float
    ) -> tuple[int, bytes]:
        """The reply's HTTP status and body; SidecarUnavailable if none came."""
        try:
            reply = await self._client.post(
                path, content=body, headers={**_JSON, **headers}, timeout=timeout_s
            )
        except httpx.TimeoutException as exc:
            raise SidecarUnavailable(f"POST {path}: no answer in time", timed_out=True) from exc
        except httpx.RequestError as exc:
            raise SidecarUnavailable(f"POST {path}: {exc!r}") from exc
        return reply.status_code, reply.content

    async def aclose(self) -> None:
        await self._client.aclose()
