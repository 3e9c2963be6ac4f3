"""Agents speak A2A through Dapr: the official a2a-sdk client, with the orchestrator's
identity (its own daprd and Dapr API token), on real sidecars under the real policy."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid

import pytest
from a2a.types import GetTaskRequest, Message, Part, Role, SendMessageRequest, Task, TaskState

from chassis.card import validate_a2a_card
from launcher import LocalStack
from launcher.traces import load_spans
from tests.integration.a2a_calls import orchestrator_a2a


def message(text: str, task_id: str = "a2a-integration") -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(
            message_id=uuid.uuid4().hex,
            context_id=task_id,
            role=Role.ROLE_USER,
            parts=[Part(text=text)],
        )
    )


async def send(stack: LocalStack, agent: str, text: str, trace_id: str | None = None) -> Task:
    headers = {} if trace_id is None else {"traceparent": f"00-{trace_id}-{'1' * 16}-01"}
    async with orchestrator_a2a(stack, agent, headers=headers) as client:
        async for response in client.send_message(message(text)):
            return response.task
    raise AssertionError("no task")


@pytest.mark.parametrize("agent", ["calculator", "summarizer", "knowledge", "units", "calendar"])
def test_every_agent_card_through_dapr_passes_the_sdk_validation(
    stack: LocalStack, agent: str
) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.get(f"/v1.0/invoke/{agent}/method/.well-known/agent-card.json")
    assert response.status_code == 200, response.text
    card = validate_a2a_card(response.json())  # CardError names what is missing
    [jsonrpc, *_] = card.supported_interfaces
    assert jsonrpc.url == f"http://localhost:3500/v1.0/invoke/{agent}/method/a2a"
    assert set(card.security_schemes) == {"daprMtls", "daprApiToken"}


async def test_a_message_through_dapr_comes_back_as_a_completed_task_and_get_task_finds_it(
    stack: LocalStack,
) -> None:
    started = time.perf_counter()
    task = await send(stack, "calculator", "6*7")
    elapsed = time.perf_counter() - started
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    [artifact] = task.artifacts
    assert (artifact.name, artifact.parts[0].text) == ("answer", "6 * 7 = 42")
    assert task.context_id == "a2a-integration"
    async with orchestrator_a2a(stack, "calculator") as client:
        again = await client.get_task(GetTaskRequest(id=task.id))
    assert (again.id, again.status.state) == (task.id, TaskState.TASK_STATE_COMPLETED)
    assert again.artifacts[0].parts[0].text == "6 * 7 = 42"
    print(f"SendMessage through two sidecars answered in {elapsed * 1000:.0f} ms")


def app_calls(stack: LocalStack, trace_id: str) -> int:
    """Server spans of the calculator app's POST /a2a in one trace: calls that reached it."""
    return sum(
        1
        for s in load_spans(stack.traces_file)
        if s["trace_id"] == trace_id
        and (s["service"], s["process"], s["kind"]) == ("calculator", "app", "server")
        and s["name"].endswith("/a2a")
    )


async def test_a_refusal_is_rejected_reaches_the_agent_once_and_opens_no_breaker(
    stack: LocalStack,
) -> None:
    traces = [secrets.token_hex(16) for _ in range(8)]
    for trace_id, text in zip(traces, ["1/0", "hello"] * 4, strict=True):
        task = await send(stack, "calculator", text, trace_id)
        assert task.status.state == TaskState.TASK_STATE_REJECTED, task
        reason = task.status.message.parts[0].text
        assert reason in ("division by zero",) or reason.startswith("cannot read 'hello'")
    started = time.perf_counter()
    valid = await send(stack, "calculator", "2+2")
    valid_s = time.perf_counter() - started
    assert valid.status.state == TaskState.TASK_STATE_COMPLETED  # no breaker opened
    assert valid_s < 2, valid_s  # at once: not after a breaker's timeout
    deadline = time.monotonic() + 60  # spans are batched for seconds; longer on a loaded machine
    while (calls := [app_calls(stack, t) for t in traces]) != [1] * len(traces):
        assert time.monotonic() < deadline, calls  # exactly once each: never retried
        await asyncio.sleep(0.5)
    print(
        f"8 refusals each reached the calculator once; the next call took {valid_s * 1000:.0f} ms"
    )
