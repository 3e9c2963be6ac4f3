"""The hub as one A2A agent, over real sidecars, with the official a2a-sdk client.

The client knows only the hub's public base URL and an API key: it resolves
the card, picks the JSON-RPC interface the card names, and sends messages
that the hub plans over real agents (orchestrator -> daprd -> daprd -> agent).
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.client.errors import A2AClientError
from a2a.types import (
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    TaskState,
)
from a2a.utils.proto_utils import validate_proto_required_fields

from launcher import LocalStack
from tests.integration.conftest import wait_registered

# The local planner splits this over the calculator and the summarizer.
QUESTION = (
    "What is 17% of 240? Summarize: Dapr sidecars carry every call between the "
    "services. Each agent runs beside its own sidecar. The orchestrator plans the work."
)


def hub_url(stack: LocalStack) -> str:
    return stack.endpoints["orchestrator"].app_url


def message(text: str) -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(message_id=uuid.uuid4().hex, role=Role.ROLE_USER, parts=[Part(text=text)])
    )


async def exchange(
    stack: LocalStack,
    request: SendMessageRequest,
    *,
    streaming: bool,
    api_key: str | None,
    binding: str = "JSONRPC",
) -> list[StreamResponse]:
    """Resolve the hub's card, then send one message; what the SDK client yields."""
    headers = {"X-API-Key": api_key} if api_key else {}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        config = ClientConfig(
            httpx_client=http, streaming=streaming, supported_protocol_bindings=[binding]
        )
        factory = ClientFactory(config)
        client = await factory.create_from_url(hub_url(stack))
        return [event async for event in client.send_message(request)]


def test_the_hub_card_passes_the_sdk_validation(stack: LocalStack) -> None:
    async def resolve() -> None:
        async with httpx.AsyncClient() as http:  # no credentials: the card is public
            card = await A2ACardResolver(http, hub_url(stack)).get_agent_card()
        validate_proto_required_fields(card)
        assert {"plan", "arithmetic", "summarize"} <= {s.id for s in card.skills}
        assert card.supported_interfaces[0].url == f"{hub_url(stack)}/a2a"
        assert card.security_schemes["apiKey"].api_key_security_scheme.name == "X-API-Key"

    asyncio.run(resolve())


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
def test_a_message_gets_the_answer_of_a_task_planned_over_two_agents(
    stack: LocalStack, binding: str
) -> None:
    wait_registered(stack)  # on a starved machine an agent may have missed heartbeats
    started = time.perf_counter()
    request = message(QUESTION)
    events = asyncio.run(
        exchange(stack, request, streaming=False, api_key=stack.api_key, binding=binding)
    )
    took = time.perf_counter() - started
    (event,) = events
    task = event.task
    reason = task.status.message.parts[0].text if task.status.message.parts else ""
    assert task.status.state == TaskState.TASK_STATE_COMPLETED, reason
    answer = task.artifacts[0].parts[0].text
    assert answer.startswith("- calculator: 17% of 240 = 40.8\n- summarizer: "), answer
    with stack.client("orchestrator") as client:
        stored = client.get(f"/v1/tasks/{task.id}").json()
    assert (stored["status"], stored["agents"], stored["output"]) == (
        "completed",
        ["calculator", "summarizer"],
        answer,
    )
    print(f"{binding} SendMessage planned over two agents, real sidecars: {took * 1000:.0f} ms")


def test_a_streamed_message_yields_progress_before_the_final_task(stack: LocalStack) -> None:
    wait_registered(stack)
    events = asyncio.run(exchange(stack, message(QUESTION), streaming=True, api_key=stack.api_key))
    kinds = [e.WhichOneof("payload") for e in events]
    assert kinds[0] == "task"
    assert kinds[-1] == "task"
    progress = [e.status_update.metadata["hubspoke"]["event"] for e in events[1:-1]]
    assert progress[0] == "plan"
    assert sorted(progress[1:]) == ["step.finished"] * 2 + ["step.started"] * 2
    final = events[-1].task
    assert final.id == events[0].task.id
    assert final.status.state == TaskState.TASK_STATE_COMPLETED

    async def read_back() -> int:
        async with httpx.AsyncClient(headers={"X-API-Key": stack.api_key or ""}) as http:
            client = await ClientFactory(ClientConfig(httpx_client=http)).create_from_url(
                hub_url(stack)
            )
            task = await client.get_task(GetTaskRequest(id=final.id))
        assert task == final
        return len(events)

    print(f"streamed events: {asyncio.run(read_back())}")


def test_without_an_api_key_a2a_is_401(stack: LocalStack) -> None:
    with pytest.raises(A2AClientError, match="HTTP Error 401"):
        asyncio.run(exchange(stack, message("2+3"), streaming=False, api_key=None))
    body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "0" * 32}}
    response = httpx.post(f"{hub_url(stack)}/a2a", json=body, headers={"A2A-Version": "1.0"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
