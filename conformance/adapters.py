"""The ports on a running stack: the orchestrator's daprd, its public API, its Redis user.

- `SidecarChannel`: the agent through `<orchestrator daprd>/v1.0/invoke/<app-id>/method/...`
  with the orchestrator's Dapr API token, so the agent's sidecar sees the
  orchestrator's mTLS identity (only it may call agents); SendMessage goes
  through a2a-sdk's JSON-RPC client transport (`a2a.client.transports.jsonrpc`).
- `StackWorkBus`: publishes through the same sidecar (Dapr's publish API) and
  reads topics' streams (`agent.results.<app-id>`, `agents.registry.<app-id>`) with the
  orchestrator's Redis user (XRANGE: read only; the stream is what Dapr's pubsub.redis writes).
- `OrchestratorRegistry`: GET /v1/agents/... with the API key.
Every response body goes to the `Transcript` for the secrets check.
"""

from __future__ import annotations

import json
import time
from types import TracebackType
from typing import Any

import httpx
import redis.asyncio as redis
from a2a.client import ClientConfig, ClientFactory
from a2a.client.client_factory import minimal_agent_card
from a2a.client.errors import A2AClientError, A2AClientTimeoutError
from a2a.types import SendMessageRequest
from a2a.utils.errors import JSON_RPC_ERROR_CODE_MAP, A2AError

from conformance import wire
from conformance.ports import (
    Answered,
    HttpAnswer,
    RpcFailed,
    SendOutcome,
    Transcript,
    TransportFailed,
)
from conformance.signing import signed_event
from conformance.stackfile import StackDescription

__all__ = ["OrchestratorRegistry", "SidecarChannel", "StackWorkBus"]


class SidecarChannel:
    """`AgentChannel` through the orchestrator's own daprd."""

    def __init__(self, stack: StackDescription, transcript: Transcript, timeout_s: float) -> None:
        self._transcript = transcript
        self._label = ""
        self._http = httpx.AsyncClient(
            base_url=stack.dapr_http_url,
            headers={"dapr-api-token": stack.dapr_api_token.get_secret_value()},
            timeout=timeout_s,
            event_hooks={"response": [self._record]},
        )
        # The SDK's own client, as the orchestrator uses it: it sends A2A-Version: 1.0.
        self._factory = ClientFactory(
            ClientConfig(
                streaming=False, httpx_client=self._http, supported_protocol_bindings=["JSONRPC"]
            )
        )

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        self._transcript.record(self._label, response.text)

    async def __aenter__(self) -> SidecarChannel:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()

    @staticmethod
    def _method(app_id: str, path: str) -> str:
        return f"/v1.0/invoke/{app_id}/method/{path}"

    async def get_card(self, app_id: str) -> HttpAnswer:
        self._label = "GET agent card"
        response = await self._http.get(self._method(app_id, wire.CARD_PATH))
        return HttpAnswer(response.status_code, response.text)

    async def post_rpc(self, app_id: str, body: bytes, what: str) -> HttpAnswer:
        self._label = what
        response = await self._http.post(
            self._method(app_id, wire.A2A_METHOD),
            content=body,
            headers={"content-type": "application/json"},
        )
        return HttpAnswer(response.status_code, response.text)

    async def get_method(self, app_id: str, method: str, what: str) -> HttpAnswer:
        self._label = what
        response = await self._http.get(self._method(app_id, method))
        return HttpAnswer(response.status_code, response.text)

    async def send(self, app_id: str, request: SendMessageRequest, what: str) -> SendOutcome:
        self._label = what
        url = f"{str(self._http.base_url).rstrip('/')}{self._method(app_id, wire.A2A_METHOD)}"
        client = self._factory.create(minimal_agent_card(url, ["JSONRPC"]))
        start = time.monotonic()
        try:
            response = await anext(aiter(client.send_message(request)))
        except A2AClientTimeoutError as exc:
            return TransportFailed(None, f"timed out: {exc}", time.monotonic() - start)
        except A2AClientError as exc:
            return _client_failure(exc, time.monotonic() - start)
        except ValueError as exc:  # the SDK: "Response has neither task nor message"
            return TransportFailed(200, f"no task and no message: {exc}", time.monotonic() - start)
        except A2AError as exc:  # a JSON-RPC error object, mapped by the SDK
            code = JSON_RPC_ERROR_CODE_MAP.get(type(exc))
            return RpcFailed(code, exc.message, time.monotonic() - start)
        seconds = time.monotonic() - start
        if response.HasField("task"):
            return Answered(task=response.task, seconds=seconds)
        return Answered(task=None, message=response.message, seconds=seconds)


def _client_failure(exc: A2AClientError, seconds: float) -> SendOutcome:
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPStatusError):
        return TransportFailed(cause.response.status_code, cause.response.text[:300], seconds)
    text = str(exc)
    if text.startswith("JSON-RPC Error "):  # a code the SDK does not map
        code, _, message = text.removeprefix("JSON-RPC Error ").partition(": ")
        return RpcFailed(int(code) if code.lstrip("-").isdigit() else None, message, seconds)
    return TransportFailed(None, text, seconds)


class StackWorkBus:
    """`WorkBus`: publish through the orchestrator's daprd, count in Redis as its user."""

    def __init__(self, stack: StackDescription, timeout_s: float) -> None:
        self._pubsub = stack.pubsub
        # The kit acts as the orchestrator: its work carries the hub's signature.
        self._producer = stack.orchestrator_app_id
        self._signing_key = stack.signing_key
        self._http = httpx.AsyncClient(
            base_url=stack.dapr_http_url,
            headers={"dapr-api-token": stack.dapr_api_token.get_secret_value()},
            timeout=timeout_s,
        )
        self._redis = redis.Redis(
            host=stack.redis_host,
            port=stack.redis_port,
            username=stack.redis_user,
            password=stack.redis_password.get_secret_value(),
            socket_timeout=timeout_s,
        )

    async def __aenter__(self) -> StackWorkBus:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()
        await self._redis.aclose()

    async def stream_mark(self, topic: str) -> str:
        newest = await self._redis.xrevrange(topic, count=1)
        return _text(newest[0][0]) if newest and newest[0][0] is not None else "0-0"

    async def publish_work(self, app_id: str, work: dict[str, Any], event_id: str) -> HttpAnswer:
        topic = wire.requests_topic(app_id)
        path = f"/v1.0/publish/{self._pubsub}/{topic}"
        if self._signing_key is None:
            response = await self._http.post(
                path, json=work, params={"metadata.cloudevent.id": event_id}
            )
        else:
            key = self._signing_key.get_secret_value()
            response = await self._http.post(
                path,
                content=signed_event(self._producer, key, topic, work, event_id),
                headers={"content-type": "application/cloudevents+json"},
            )
        return HttpAnswer(response.status_code, response.text)

    async def stream_since(self, topic: str, mark: str) -> list[dict[str, Any]]:
        # Dapr's pubsub.redis keeps one stream per topic, named after it.
        entries = await self._redis.xrange(topic, min=f"({mark}") or []
        return [data for _, fields in entries if (data := _event_data(fields or {})) is not None]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event_data(fields: dict[Any, Any]) -> dict[str, Any] | None:
    """The CloudEvent's `data` from a stream entry Dapr wrote (field `data`: the event JSON)."""
    raw = fields.get(b"data", fields.get("data"))
    if raw is None:
        return None
    try:
        event = json.loads(_text(raw))
        data = event.get("data") if isinstance(event, dict) else None
        if isinstance(data, str):  # published with a non-JSON content type
            data = json.loads(data)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class OrchestratorRegistry:
    """`RegistryView` on the orchestrator's public API."""

    def __init__(self, stack: StackDescription, timeout_s: float) -> None:
        self._http = httpx.AsyncClient(
            base_url=stack.orchestrator_url,
            headers={"X-API-Key": stack.api_key.get_secret_value()},
            timeout=timeout_s,
        )

    async def __aenter__(self) -> OrchestratorRegistry:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()

    async def agent(self, app_id: str) -> HttpAnswer:
        response = await self._http.get(f"/v1/agents/{app_id}")
        return HttpAnswer(response.status_code, response.text)

    async def refusals(self) -> HttpAnswer:
        response = await self._http.get("/v1/agents/refusals")
        return HttpAnswer(response.status_code, response.text)
