"""A2A calls to agents through the orchestrator's own Dapr sidecar, with the a2a-sdk client.

Every call goes to `http://127.0.0.1:<dapr http port>/v1.0/invoke/<target>/method/<path>`
(an `AgentRoute`) with our sidecar's `dapr-api-token`, so the agent's sidecar
sees the orchestrator's mTLS identity and its access policy, resiliency and
tracing apply (the W3C trace context rides on the httpx call, instrumented by
`chassis.telemetry`). The SDK's JSON-RPC client transport does the protocol;
what goes wrong on the way is translated into the Dapr adapter's errors
(`chassis.dapr`), so callers classify it as they do any invocation:

    httpx.HTTPStatusError  -> InvocationFailed(target, status, body)
    httpx timeout          -> SidecarUnavailable(timed_out=True)
    other transport errors -> SidecarUnavailable
    a JSON-RPC error, or a result that is no A2A task
                           -> A2AProtocolError (the agent broke the protocol)
"""

from __future__ import annotations

from typing import Any

import httpx
from a2a.client import Client, ClientCallContext, ClientConfig, ClientFactory
from a2a.client.client_factory import minimal_agent_card
from a2a.types import GetTaskRequest, SendMessageRequest, Task
from a2a.utils.errors import A2AError
from google.protobuf import json_format

from chassis.dapr import DaprError, InvocationFailed, SidecarUnavailable
from orchestrator.ports import AgentRoute

__all__ = ["A2AInvoker", "A2AProtocolError"]


class A2AProtocolError(DaprError):
    """The agent answered, but not with what A2A promises (a JSON-RPC error, no task)."""


class A2AInvoker:
    """Sends A2A requests to agents through our sidecar; one SDK client per route."""

    def __init__(self, http: httpx.AsyncClient, *, sidecar_url: str) -> None:
        self._http = http
        self._sidecar_url = sidecar_url.rstrip("/")
        self._factory = ClientFactory(
            ClientConfig(
                streaming=False, httpx_client=http, supported_protocol_bindings=["JSONRPC"]
            )
        )
        self._clients: dict[AgentRoute, Client] = {}

    def url(self, route: AgentRoute) -> str:
        """Where the route's JSON-RPC endpoint is, on our sidecar."""
        return f"{self._sidecar_url}/v1.0/invoke/{route.target}/method/{route.path.lstrip('/')}"

    def _client(self, route: AgentRoute) -> Client:
        client = self._clients.get(route)
        if client is None:
            client = self._factory.create(minimal_agent_card(self.url(route), ["JSONRPC"]))
            self._clients[route] = client
        return client

    async def send(self, route: AgentRoute, request: SendMessageRequest, timeout_s: float) -> Task:
        """A blocking SendMessage: the Task the agent ended the message in."""
        context = ClientCallContext(timeout=timeout_s)
        try:
            async for response in self._client(route).send_message(request, context=context):
                if response.HasField("task"):
                    return response.task
        except A2AError as exc:
            raise _translated(route, exc) from exc
        except (ValueError, json_format.Error) as exc:  # the SDK found no A2A result in it
            raise A2AProtocolError(f"{route.target}: {exc}") from exc
        raise A2AProtocolError(f"{route.target} answered SendMessage without a task")

    async def get_task(self, route: AgentRoute, task_id: str, timeout_s: float) -> Task:
        """GetTask: the agent's record of one of its tasks."""
        context = ClientCallContext(timeout=timeout_s)
        try:
            return await self._client(route).get_task(GetTaskRequest(id=task_id), context=context)
        except A2AError as exc:
            raise _translated(route, exc) from exc
        except (ValueError, json_format.Error) as exc:
            raise A2AProtocolError(f"{route.target}: {exc}") from exc

    async def aclose(self) -> None:
        await self._http.aclose()


def _translated(route: AgentRoute, exc: A2AError) -> DaprError:
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPStatusError):
        body: Any
        try:
            body = cause.response.json()
        except ValueError:
            body = cause.response.text[:500]
        return InvocationFailed(route.target, cause.response.status_code, body)
    if isinstance(cause, httpx.TimeoutException):
        return SidecarUnavailable(f"{route.target}: no answer in time", timed_out=True)
    if isinstance(cause, httpx.RequestError):
        return SidecarUnavailable(f"{route.target}: {cause}")
    return A2AProtocolError(f"{route.target}: {exc}")
