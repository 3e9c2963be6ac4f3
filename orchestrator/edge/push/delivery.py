"""Posting a task update to a webhook, through the orchestrator's own sidecar.

A webhook URL must lie under an entry of ORCHESTRATOR_PUSH_WEBHOOKS, the
same kind of allowlist as ORCHESTRATOR_EXTERNAL_AGENTS
(orchestrator/registry/allowlist.py): each entry is a Dapr HTTPEndpoint of
the orchestrator's sidecar, and the POST goes to
`/v1.0/invoke/<entry name>/method/<path>` on that sidecar, never to the URL
itself. Before every POST the host's addresses are checked again
(orchestrator/edge/push/addresses.py).

Each POST carries the spec's StreamResponse JSON, the config's token as
`X-A2A-Notification-Token` (as a2a-sdk's receivers read it), its
`authentication` as `Authorization: <scheme> <credentials>`, and
`X-Hubspoke-Signature: sha256=<hex HMAC-SHA256 of the body keyed by the token>`.
A transport error or a non-2xx answer is retried with exponential backoff
(tenacity); a refused address is not.

    WebhookRefused (addresses.py)   not allowlisted, or not a public address
    WebhookFailed                   every attempt failed
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from a2a.utils.proto_utils import to_stream_response
from google.protobuf.json_format import MessageToJson
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from chassis.errors import UnprocessableError
from orchestrator.edge.push.addresses import (
    IPNetwork,
    Resolver,
    WebhookRefused,
    check_destination,
    system_resolver,
)
from orchestrator.edge.push.models import PushConfig
from orchestrator.edge.updates import TaskUpdate

__all__ = [
    "SIGNATURE_HEADER",
    "TOKEN_HEADER",
    "WebhookAllowlist",
    "WebhookFailed",
    "WebhookSender",
    "sign",
]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hubspoke-Signature"
TOKEN_HEADER = "X-A2A-Notification-Token"  # noqa: S105 (a header name)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class WebhookAllowlist(Protocol):
    """Allowlisted base URLs by HTTPEndpoint name (registry/allowlist.py: ExternalAllowlist)."""

    def locate(self, url: str) -> tuple[_Named, str]:
        """The entry covering `url` and the path below it; UnprocessableError if none."""
        ...


class WebhookFailed(Exception):
    """A webhook did not answer 2xx (or could not be reached)."""


def sign(token: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of `body`."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """Checks webhook URLs and posts updates to them through the sidecar (`http`'s base URL)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        webhooks: WebhookAllowlist,
        *,
        private_networks: Sequence[IPNetwork] = (),
        attempts: int = 4,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
        resolve: Resolver = system_resolver,
    ) -> None:
        self._http = http
        self._webhooks = webhooks
        self._private = tuple(private_networks)
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._resolve = resolve

    async def check(self, url: str) -> tuple[str, str]:
        """The HTTPEndpoint name and path `url` is called through; WebhookRefused if none
        covers it or its host resolves to an address that is not public."""
        try:
            entry, path = self._webhooks.locate(url)
        except UnprocessableError as exc:
            raise WebhookRefused(exc.detail) from exc
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        await check_destination(
            parts.hostname or "", port, allowed=self._private, resolve=self._resolve
        )
        return entry.name, path

    async def deliver(self, config: PushConfig, update: TaskUpdate) -> None:
        """POST `update` to the config's webhook, retried; WebhookRefused or WebhookFailed."""
        endpoint, path = await self.check(config.url)
        body = MessageToJson(to_stream_response(update), indent=None).encode()
        headers = {
            "Content-Type": "application/json",
            TOKEN_HEADER: config.token,
            SIGNATURE_HEADER: sign(config.token, body),
        }
        if config.scheme and config.credentials:
            headers["Authorization"] = f"{config.scheme} {config.credentials}"
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._backoff_s, max=30),
            retry=retry_if_exception_type(WebhookFailed),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._post(f"/v1.0/invoke/{endpoint}/method/{path}", body, headers)

    async def _post(self, target: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            reply = await self._http.post(
                target, content=body, headers=headers, timeout=self._timeout_s
            )
        except httpx.HTTPError as exc:
            raise WebhookFailed(f"webhook call failed: {exc!r}") from exc
        if not reply.is_success:  # a redirect too: it is not followed
            raise WebhookFailed(f"webhook answered {reply.status_code}")
