"""A2A calls to agents through the orchestrator's own Dapr sidecar, in the a2a-sdk's types.

Every call goes to `/v1.0/invoke/<target>/method/<path>` on our sidecar (an
`AgentRoute`) with its `dapr-api-token`, so the agent's sidecar sees the
orchestrator's mTLS identity and its access policy, resiliency and tracing
apply (the W3C trace context rides on the aiohttp call, instrumented by
`chassis.telemetry`). The request and the reply are the SDK's protobuf
types, converted as the SDK's own JSON-RPC transport converts them
(`json_format.MessageToDict` in, `parse_lenient` out), and encoded once
(pydantic-core's JSON); only the HTTP hop is ours (`jsonrpc_post`), on the
same aiohttp stack as every sidecar call, where the SDK's client costs an
httpx stack per call. What goes wrong is translated into the Dapr adapter's
errors (`chassis.dapr`), so callers classify it as they do any invocation:

    a non-2xx HTTP status  -> InvocationFailed(target, status, body)
    no answer in time      -> SidecarUnavailable(timed_out=True)
    no connection          -> SidecarUnavailable
    a JSON-RPC error, or a result that is no A2A task
                           -> A2AProtocolError (the agent broke the protocol)
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import pydantic_core
from a2a.types import GetTaskRequest, SendMessageRequest, SendMessageResponse, Task
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, VERSION_HEADER
from a2a.utils.proto_utils import parse_lenient
from google.protobuf import json_format
from google.protobuf.message import Message

from chassis.dapr import DaprError, InvocationFailed
from orchestrator.ports import AgentRoute
from orchestrator.tasks.jsonrpc_post import JsonRpcPost

__all__ = ["A2AInvoker", "A2AProtocolError"]

_HEADERS = {VERSION_HEADER: PROTOCOL_VERSION_CURRENT}
Reply = TypeVar("Reply", bound=Message)


class A2AProtocolError(DaprError):
    """The agent answered, but not with what A2A promises (a JSON-RPC error, no task)."""


class A2AInvoker:
    """Sends A2A JSON-RPC requests to agents through our sidecar (`post` carries them)."""

    def __init__(self, post: JsonRpcPost) -> None:
        self._post = post

    @staticmethod
    def path(route: AgentRoute) -> str:
        """Where the route's JSON-RPC endpoint is, on our sidecar."""
        return f"/v1.0/invoke/{route.target}/method/{route.path.lstrip('/')}"

    async def send(self, route: AgentRoute, request: SendMessageRequest, timeout_s: float) -> Task:
        """A blocking SendMessage: the Task the agent ended the message in."""
        reply = await self._call(route, "SendMessage", request, SendMessageResponse(), timeout_s)
        if not reply.HasField("task"):
            raise A2AProtocolError(f"{route.target} answered SendMessage without a task")
        return reply.task

    async def get_task(self, route: AgentRoute, task_id: str, timeout_s: float) -> Task:
        """GetTask: the agent's record of one of its tasks."""
        return await self._call(route, "GetTask", GetTaskRequest(id=task_id), Task(), timeout_s)

    async def _call(
        self, route: AgentRoute, method: str, params: Message, into: Reply, timeout_s: float
    ) -> Reply:
        envelope = {
            "jsonrpc": "2.0",
            "id": uuid.uuid4().hex,
            "method": method,
            "params": json_format.MessageToDict(params),
        }
        status, body = await self._post.post(
            self.path(route),
            pydantic_core.to_json(envelope),
            headers=_HEADERS,
            timeout_s=timeout_s,
        )
        if not 200 <= status < 300:
            raise InvocationFailed(route.target, status, _decoded_or_text(body))
        return _result(route, body, into)

    async def aclose(self) -> None:
        await self._post.aclose()


def _result(route: AgentRoute, body: bytes, into: Reply) -> Reply:
    """The JSON-RPC result parsed into `into`; A2AProtocolError for anything else."""
    try:
        reply = pydantic_core.from_json(body)
    except ValueError as exc:
        raise A2AProtocolError(f"{route.target}: the reply is not JSON: {exc}") from exc
    if not isinstance(reply, dict):
        raise A2AProtocolError(f"{route.target}: the reply is no JSON-RPC response object")
    error = reply.get("error")
    if error:
        said = f"{error.get('code')} {error.get('message')}" if isinstance(error, dict) else error
        raise A2AProtocolError(f"{route.target}: JSON-RPC error {said}")
    if "result" not in reply:
        raise A2AProtocolError(f"{route.target}: the reply has neither 'result' nor 'error'")
    try:
        return parse_lenient(reply["result"], into)
    except (ValueError, TypeError, json_format.Error) as exc:
        raise A2AProtocolError(f"{route.target}: {exc}") from exc


def _decoded_or_text(body: bytes) -> Any:
    try:
        return pydantic_core.from_json(body)
    except ValueError:
        return body.decode(errors="replace")[:500]
