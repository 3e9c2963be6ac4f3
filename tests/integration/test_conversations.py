"""Conversations on real sidecars: a follow-up in the same context continues it.

Through the hub's A2A endpoint (the official a2a-sdk client, the same
contextId) and through POST /v1/tasks (`context_id`), over the real
calculator and units agents; a conversation is its starter's alone, and it
is forgotten once its state TTL passes. A task waiting for approval (the
summarizer's calls need one here) continues with an operator's message in it.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from a2a.client import ClientConfig, ClientFactory
from a2a.types import Message, Part, Role, SendMessageRequest, Task, TaskState
from a2a.utils.errors import UnsupportedOperationError

from launcher import LocalStack
from tests.integration.conftest import module_stack

BOB_KEY = secrets.token_urlsafe(24)
# Short, so expiry is seen in seconds; long enough that a follow-up sent at once
# on a loaded machine still finds its conversation.
TTL_S = 10
DEADLINE_S = 150


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("conversations"),
        # Default registry timings: a loaded machine misses no heartbeat window.
        env={
            "ORCHESTRATOR_CONVERSATION_TTL_SECONDS": str(TTL_S),
            "ORCHESTRATOR_APPROVAL_TAGS": "summary",
        },
        registered=("calculator", "units", "summarizer"),
        extra_api_keys=(f"bob={BOB_KEY}",),
    ) as stack:
        yield stack


async def _send(
    stack: LocalStack, text: str, context_id: str, api_key: str, task_id: str = ""
) -> Task:
    """One A2A message to the hub (resolved from its card) and the task it answers."""
    # Longer than DEADLINE_S: a blocking message in a resumed task waits for its end.
    async with httpx.AsyncClient(headers={"X-API-Key": api_key}, timeout=DEADLINE_S + 30) as http:
        factory = ClientFactory(ClientConfig(httpx_client=http, streaming=False))
        client = await factory.create_from_url(stack.endpoints["orchestrator"].app_url)
        message = Message(
            message_id=uuid.uuid4().hex,
            role=Role.ROLE_USER,
            parts=[Part(text=text)],
            context_id=context_id,
            task_id=task_id,
        )
        if task_id == "":
            # Time for a resumed task's queue message to be delivered again (after the
            # queue's processingTimeout) should a loaded machine lose the first delivery.
            message.metadata.update({"hubspoke": {"deadlineSeconds": DEADLINE_S}})
        (event,) = [e async for e in client.send_message(SendMessageRequest(message=message))]
        return event.task


def send(
    stack: LocalStack, text: str, context_id: str = "", api_key: str = "", task_id: str = ""
) -> Task:
    return asyncio.run(_send(stack, text, context_id, api_key or stack.api_key, task_id))


def answer(task: Task) -> str:
    reason = task.status.message.parts[0].text if task.status.message.parts else ""
    assert task.status.state == TaskState.TASK_STATE_COMPLETED, reason
    return str(task.artifacts[0].parts[0].text)


def post(stack: LocalStack, api_key: str = "", **body: Any) -> httpx.Response:
    with stack.client("orchestrator") as client:
        headers = {"X-API-Key": api_key} if api_key else {}
        return client.post("/v1/tasks", json=body, headers=headers)


def test_an_a2a_follow_up_continues_the_arithmetic_of_the_context_the_hub_made(
    stack: LocalStack,
) -> None:
    first = send(stack, "what is 2+3")
    assert answer(first).endswith("5")
    assert first.context_id  # made by the hub, to continue
    assert first.context_id != first.id
    second = send(stack, "and times 4?", first.context_id)
    assert second.context_id == first.context_id
    assert answer(second).endswith("= 20"), answer(second)
    third = send(stack, "and divided by 2?", first.context_id)
    assert answer(third).endswith("= 10"), answer(third)


def test_an_a2a_follow_up_continues_a_conversion_in_the_clients_context(
    stack: LocalStack,
) -> None:
    context = uuid.uuid4().hex  # the client's own contextId
    assert "miles" in answer(send(stack, "convert 5 km to miles", context))
    in_feet = answer(send(stack, "and in feet?", context))
    assert in_feet == "5 km = 16404.2 feet", in_feet
    other_amount = answer(send(stack, "what about 10 km?", context))
    assert other_amount.startswith("10 km = "), other_amount
    assert other_amount.endswith("feet"), other_amount


def test_a_temperature_follow_up_over_post_v1_tasks(stack: LocalStack) -> None:
    context = uuid.uuid4().hex
    first = post(stack, input="convert 100 fahrenheit to kelvin", context_id=context)
    assert first.status_code == 201, first.text
    second = post(stack, input="and in celsius?", context_id=context).json()
    assert second["context_id"] == context
    assert second["status"] == "completed", second
    assert "37.7778" in second["output"], second["output"]
    assert "celsius" in second["output"], second["output"]


def test_the_two_examples_over_post_v1_tasks(stack: LocalStack) -> None:
    sums, lengths = uuid.uuid4().hex, uuid.uuid4().hex
    assert post(stack, input="what is 2+3", context_id=sums).status_code == 201
    assert post(stack, input="convert 5 km to miles", context_id=lengths).status_code == 201
    times = post(stack, input="and times 4?", context_id=sums).json()
    feet = post(stack, input="and in feet?", context_id=lengths).json()
    assert times["output"].endswith("= 20"), times
    assert feet["output"] == "5 km = 16404.2 feet", feet


def test_a_follow_up_that_changes_topic_is_planned_on_its_own(stack: LocalStack) -> None:
    context = uuid.uuid4().hex
    assert post(stack, input="what is 2+3", context_id=context).status_code == 201
    topic = post(stack, input="convert 3 meters to feet", context_id=context).json()
    assert topic["output"].startswith("3 meters = "), topic


def test_another_caller_cannot_continue_a_conversation(stack: LocalStack) -> None:
    context = uuid.uuid4().hex
    assert answer(send(stack, "what is 2+3", context)).endswith("5")
    refused = send(stack, "and times 4?", context, api_key=BOB_KEY)
    assert refused.status.state == TaskState.TASK_STATE_REJECTED
    assert "another caller" in refused.status.message.parts[0].text
    over_rest = post(stack, api_key=BOB_KEY, input="and times 4?", context_id=context)
    assert over_rest.status_code == 403, over_rest.text
    # The starter's conversation is unchanged by the refusals.
    assert answer(send(stack, "and times 4?", context)).endswith("= 20")


def test_a_conversation_is_forgotten_once_its_ttl_passes(stack: LocalStack) -> None:
    context = uuid.uuid4().hex
    assert post(stack, input="what is 2+3", context_id=context).status_code == 201
    key = f"/v1.0/state/statestore/conversation-{context}"
    with stack.client("orchestrator", sidecar=True) as sidecar:
        assert sidecar.get(key).status_code == 200  # kept at first
        deadline = time.monotonic() + TTL_S + 60
        while sidecar.get(key).status_code != 204:
            assert time.monotonic() < deadline, "the conversation outlived its TTL"
            time.sleep(0.5)
    # Planned alone, the fragment is refused (the same follow-up in time gave 20): by the
    # planner, or by the agent its words reach; never answered from the forgotten turn.
    alone = post(stack, input="and times 4?", context_id=context)
    assert alone.status_code == 422, alone.text
    assert "= 20" not in alone.json()["detail"]  # "(2 + 3) * 4 = 20" had it been recalled


SUMMARIZE = "summarize: Dapr sidecars carry every call. Each agent has its own sidecar."


def test_an_operators_message_in_a_waiting_task_approves_it(stack: LocalStack) -> None:
    waiting = send(stack, SUMMARIZE)
    assert waiting.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    done = send(stack, "approve", waiting.context_id, task_id=waiting.id)
    assert done.id == waiting.id
    assert answer(done)  # the summarizer was called once approved
    with stack.client("orchestrator") as client:
        stored = client.get(f"/v1/tasks/{waiting.id}").json()
    assert [(a["decision"], a["by"]) for a in stored["approvals"]] == [("approved", "operator")]
    with pytest.raises(UnsupportedOperationError, match="terminal state"):
        send(stack, "approve", task_id=waiting.id)


def test_a_non_operators_message_in_its_waiting_task_is_refused(stack: LocalStack) -> None:
    waiting = send(stack, SUMMARIZE, api_key=BOB_KEY)
    assert waiting.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    with pytest.raises(UnsupportedOperationError, match="only an operator"):
        send(stack, "approve", api_key=BOB_KEY, task_id=waiting.id)
    with stack.client("orchestrator") as client:
        stored = client.get(f"/v1/tasks/{waiting.id}").json()
    assert stored["status"] == "input_required"
    assert stored["approvals"][0]["decision"] is None
