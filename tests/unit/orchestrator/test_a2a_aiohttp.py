"""The A2A client on aiohttp: SDK types on the wire, and a refused connection is no timeout."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from a2a.types import SendMessageRequest
from aiohttp import web
from aiohttp.test_utils import TestServer

from chassis.dapr import InvocationFailed, SidecarUnavailable, pooled_session
from orchestrator.ports import AgentRoute
from orchestrator.tasks.a2a_client import A2AInvoker, A2AProtocolError
from orchestrator.tasks.jsonrpc_post import AiohttpPost
from orchestrator.tasks.transports import AgentCall, step_request

ROUTE = AgentRoute("calculator", "a2a")
TASK = {"id": "t1", "contextId": "c1", "status": {"state": "TASK_STATE_COMPLETED"}}


class Sidecar:
    """A real HTTP server in the sidecar's place, answering what the test says."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.status = 200
        self.reply: Any = {"jsonrpc": "2.0", "id": "1", "result": {"task": TASK}}
        self.delay_s = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers), await request.json()))
        await asyncio.sleep(self.delay_s)
        return web.json_response(self.reply, status=self.status)


@pytest.fixture
async def sidecar() -> AsyncIterator[tuple[Sidecar, A2AInvoker]]:
    fake = Sidecar()
    app = web.Application()
    app.router.add_post("/{tail:.*}", fake.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        invoker = A2AInvoker(AiohttpPost(pooled_session({}, str(server.make_url("/")))))
        yield fake, invoker
        await invoker.aclose()


async def test_send_message_is_one_json_rpc_post_and_its_task_comes_back(
    sidecar: tuple[Sidecar, A2AInvoker],
) -> None:
    fake, invoker = sidecar
    task = await invoker.send(ROUTE, _request(), timeout_s=10)
    assert (task.id, task.context_id) == ("t1", "c1")
    [(path, headers, body)] = fake.requests
    assert path == "/v1.0/invoke/calculator/method/a2a"
    assert headers["A2A-Version"] == "1.0"
    assert (body["jsonrpc"], body["method"]) == ("2.0", "SendMessage")
    assert body["params"]["message"]["parts"][0]["text"] == "2+3"


async def test_get_task_parses_the_sdk_task(sidecar: tuple[Sidecar, A2AInvoker]) -> None:
    fake, invoker = sidecar
    fake.reply = {"jsonrpc": "2.0", "id": "1", "result": TASK}
    task = await invoker.get_task(ROUTE, "t1", timeout_s=10)
    assert task.id == "t1"
    assert fake.requests[0][2]["params"] == {"id": "t1"}


async def test_a_non_2xx_status_is_invocation_failed_with_its_body(
    sidecar: tuple[Sidecar, A2AInvoker],
) -> None:
    fake, invoker = sidecar
    fake.status, fake.reply = 503, {"errorCode": "ERR_DIRECT_INVOKE", "message": "breaker open"}
    with pytest.raises(InvocationFailed) as failed:
        await invoker.get_task(ROUTE, "t1", timeout_s=10)
    assert (failed.value.status, failed.value.body["errorCode"]) == (503, "ERR_DIRECT_INVOKE")


@pytest.mark.parametrize(
    "reply",
    [
        {"jsonrpc": "2.0", "id": "1", "error": {"code": -32603, "message": "internal"}},
        {"jsonrpc": "2.0", "id": "1"},
        ["not", "an", "object"],
        {"jsonrpc": "2.0", "id": "1", "result": {"message": {"messageId": "m", "parts": []}}},
    ],
)
async def test_a_reply_outside_the_protocol_is_a_protocol_error(
    sidecar: tuple[Sidecar, A2AInvoker], reply: Any
) -> None:
    fake, invoker = sidecar
    fake.reply = reply
    with pytest.raises(A2AProtocolError):
        await invoker.send(ROUTE, _request(), timeout_s=10)


async def test_no_answer_in_time_is_a_timeout(sidecar: tuple[Sidecar, A2AInvoker]) -> None:
    fake, invoker = sidecar
    fake.delay_s = 5
    with pytest.raises(SidecarUnavailable) as raised:
        await invoker.get_task(ROUTE, "t1", timeout_s=0.2)
    assert raised.value.timed_out


async def test_a_refused_connection_is_unavailable_not_a_timeout() -> None:
    with socket.socket() as spare:  # a port nobody listens on once closed
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    invoker = A2AInvoker(AiohttpPost(aiohttp.ClientSession(f"http://127.0.0.1:{port}")))
    try:
        with pytest.raises(SidecarUnavailable) as raised:
            await invoker.get_task(ROUTE, "t1", timeout_s=10)
    finally:
        await invoker.aclose()
    assert not raised.value.timed_out


def _request() -> SendMessageRequest:
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    return step_request(AgentCall("task-1", "ab" * 16, "calculator", "2+3", deadline))
