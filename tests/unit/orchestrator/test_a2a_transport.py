"""The orchestrator's A2A calls: the step as a message, task states as task errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from chassis.a2a_server import failed_task
from chassis.errors import ServiceError
from chassis.testing import InMemoryDapr
from orchestrator.errors import AgentRejectedTask, AgentUnavailable, DeadlineExceeded
from orchestrator.ports import AgentRoute
from orchestrator.tasks.a2a_client import A2AInvoker
from orchestrator.tasks.jsonrpc_post import HttpxPost
from orchestrator.tasks.transports import AgentCall, InvocationTransport


def transport(dapr: InMemoryDapr) -> InvocationTransport:
    a2a = A2AInvoker(HttpxPost(dapr.agents_http()))
    return InvocationTransport(a2a, routes=lambda app_id: AgentRoute(app_id, "a2a"), timeout_s=5)


def call(seconds: float = 5, skill: str | None = "arithmetic") -> AgentCall:
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    return AgentCall("task-1", "ab" * 16, "agent", "2+3", deadline, skill=skill)


def answering(task: dict[str, Any]) -> Callable[[httpx.Request], Awaitable[httpx.Response]]:
    async def agent(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": "1", "result": {"task": task}})

    return agent


def state(name: str, text: str) -> dict[str, Any]:
    message = {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": text}]}
    return {"id": "t", "contextId": "task-1", "status": {"state": name, "message": message}}


async def test_a_step_is_one_a2a_message_with_its_deadline_and_skill() -> None:
    dapr = InMemoryDapr({"agent": lambda p: _echo(p)})
    answer = await transport(dapr).call(call())
    assert (answer.output, answer.data) == ("2+3!", {"n": 1})
    [request] = dapr.a2a_requests
    message = request["params"]["message"]
    assert (message["messageId"], message["contextId"], message["role"]) == (
        "ab" * 16,
        "task-1",
        "ROLE_USER",
    )
    assert message["metadata"]["hubspoke"]["skill"] == "arithmetic"
    assert request["params"]["configuration"].get("returnImmediately", False) is False
    assert dapr.invocation_headers[0]["a2a-version"] == "1.0"


async def _echo(payload: dict[str, Any]) -> dict[str, Any]:
    return {"output": payload["input"] + "!", "data": {"n": 1}}


@pytest.mark.parametrize(
    ("task", "error", "said"),
    [
        (state("TASK_STATE_REJECTED", "no"), AgentRejectedTask, "refused the task: no"),
        (state("TASK_STATE_INPUT_REQUIRED", "which?"), AgentRejectedTask, "more input: which?"),
        (state("TASK_STATE_FAILED", "boom"), AgentUnavailable, "failed: boom"),
        (state("TASK_STATE_CANCELED", "x"), AgentUnavailable, "ended the step canceled"),
        (state("TASK_STATE_WORKING", "x"), AgentUnavailable, "ended the step working"),
    ],
)
async def test_each_task_state_but_completed_is_its_task_error(
    task: dict[str, Any], error: type[ServiceError], said: str
) -> None:
    dapr = InMemoryDapr()
    dapr.raw_agents["agent"] = answering(task)
    with pytest.raises(error) as raised:
        await transport(dapr).call(call())
    assert said in raised.value.detail


async def test_a_call_that_outlives_the_deadline_is_deadline_exceeded() -> None:
    dapr = InMemoryDapr()
    late = failed_task(task_id="t", context_id="task-1", reason="deadline passed")

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.3)
        return await answering(late)(request)

    dapr.raw_agents["agent"] = slow
    with pytest.raises(DeadlineExceeded):
        await transport(dapr).call(call(seconds=0.2))


@pytest.mark.parametrize(
    ("status", "body", "error", "said"),
    [
        (
            503,
            {"errorCode": "ERR_DIRECT_INVOKE", "message": "circuit breaker is open"},
            AgentUnavailable,
            "not accepting calls",
        ),
        (
            403,
            {"errorCode": "ERR_DIRECT_INVOKE", "message": "PermissionDenied"},
            AgentUnavailable,
            "access control",
        ),
        (400, {"detail": "bad input"}, AgentRejectedTask, "bad input"),
        (500, {"detail": "oops"}, AgentUnavailable, "failed (HTTP 500): oops"),
    ],
)
async def test_http_failures_on_the_way_are_classified_as_before(
    status: int, body: dict[str, Any], error: type[ServiceError], said: str
) -> None:
    dapr = InMemoryDapr()

    async def agent(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    dapr.raw_agents["agent"] = agent
    with pytest.raises(error) as raised:
        await transport(dapr).call(call())
    assert said in raised.value.detail


async def test_a_json_rpc_error_is_an_agent_outside_the_protocol() -> None:
    dapr = InMemoryDapr()

    async def agent(request: httpx.Request) -> httpx.Response:
        error = {"code": -32603, "message": "internal"}
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": "1", "error": error})

    dapr.raw_agents["agent"] = agent
    with pytest.raises(AgentUnavailable, match="outside the A2A protocol"):
        await transport(dapr).call(call())


@pytest.mark.parametrize(
    "path", ["v1%2Factivity", "a2a/../v1/activity", "a2a%00", "a2a/", "%61%32%61"]
)
def test_an_a2a_route_never_holds_a_method_that_routes_elsewhere(path: str) -> None:
    with pytest.raises(ValueError, match="holds"):
        AgentRoute(target="summarizer", path=path)
    assert AgentRoute(target="summarizer", path="a2a").path == "a2a"
