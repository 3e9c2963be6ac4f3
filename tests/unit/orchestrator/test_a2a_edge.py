"""The hub as an A2A agent, through the official a2a-sdk client against the app in-process.

The app runs its lifespan on an in-memory Dapr port with fake agents
(tests/unit/orchestrator/conftest.py); the client reaches it through httpx's
ASGI transport, the way it would reach it over the network.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageConfiguration,
    SendMessageRequest,
    StreamResponse,
    Task,
    TaskState,
)
from a2a.utils.errors import InvalidParamsError, TaskNotCancelableError, TaskNotFoundError
from a2a.utils.proto_utils import validate_proto_required_fields
from google.protobuf.json_format import MessageToDict

from agents.calculator.main import AGENT as CALCULATOR
from agents.summarizer.main import AGENT as SUMMARIZER
from chassis.testing import InMemoryDapr, refusing_agent
from orchestrator.edge.card import security
from orchestrator.main import build_app
from orchestrator.settings import OrchestratorSettings
from tests.unit.orchestrator.conftest import (
    API_KEY,
    calculator,
    card_for,
    orchestrator_settings,
    registration,
    registry_post,
    summarizer,
)

BASE = "http://hub.test"
TWO_PARTS = "what is 2+3, and summarize this: a b. c d."


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr({"calculator": calculator, "summarizer": summarizer})


@pytest.fixture
async def hub(dapr: InMemoryDapr) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of a running hub (lifespan run) with calculator and summarizer."""
    settings = orchestrator_settings(verify_cards=False, public_url=BASE)
    app = build_app(settings, dapr=dapr, monitor=False, agents_http=dapr.agents_http())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"X-API-Key": API_KEY}
        ) as client,
    ):
        for agent, app_id in ((CALCULATOR, "calculator"), (SUMMARIZER, "summarizer")):
            event = registration("register", app_id, card=card_for(agent, app_id))
            assert (await client.post(**registry_post(event))).status_code == 200
        yield client


def message(text: str, **metadata: Any) -> SendMessageRequest:
    request = SendMessageRequest(
        message=Message(message_id=uuid.uuid4().hex, role=Role.ROLE_USER, parts=[Part(text=text)])
    )
    if metadata:
        request.message.metadata.update({"hubspoke": metadata})
    return request


async def send(
    hub: httpx.AsyncClient, request: SendMessageRequest, *, streaming: bool = False
) -> list[StreamResponse]:
    """What the SDK client yields for one message (one Task unless streaming)."""
    factory = ClientFactory(ClientConfig(httpx_client=hub, streaming=streaming))
    client = await factory.create_from_url(BASE)
    return [event async for event in client.send_message(request)]


async def only_task(hub: httpx.AsyncClient, request: SendMessageRequest) -> Task:
    (response,) = await send(hub, request)
    assert response.HasField("task"), response
    return response.task


def answer_text(task: Task) -> str:
    (artifact,) = task.artifacts
    assert artifact.name == "answer"
    return str(artifact.parts[0].text)


async def test_the_card_is_open_complete_and_lists_the_registered_skills(
    hub: httpx.AsyncClient,
) -> None:
    anonymous = httpx.AsyncClient(transport=hub._transport, base_url=BASE)  # no API key
    card = await A2ACardResolver(anonymous, BASE).get_agent_card()
    validate_proto_required_fields(card)  # raises on any missing required field
    assert [s.id for s in card.skills] == ["plan", "arithmetic", "summarize"]
    assert [(i.url, i.protocol_binding, i.protocol_version) for i in card.supported_interfaces] == [
        (f"{BASE}/a2a", "JSONRPC", "1.0"),
        (f"{BASE}/a2a/rest", "HTTP+JSON", "1.0"),
        (f"{BASE}/a2a", "JSONRPC", "0.3"),
        (f"{BASE}/a2a/rest", "HTTP+JSON", "0.3"),
    ]
    assert card.provider.url
    assert card.capabilities.streaming
    key = card.security_schemes["apiKey"].api_key_security_scheme
    assert (key.location, key.name) == ("header", "X-API-Key")
    assert {k for r in card.security_requirements for k in r.schemes} == {"apiKey", "bearerApiKey"}
    assert API_KEY not in (await anonymous.get("/.well-known/agent-card.json")).text


async def test_the_card_follows_the_registry(hub: httpx.AsyncClient) -> None:
    event = registration("deregister", "summarizer")
    assert (await hub.post(**registry_post(event))).status_code == 200
    card = await A2ACardResolver(hub, BASE).get_agent_card()
    assert [s.id for s in card.skills] == ["plan", "arithmetic"]


def test_an_entra_hub_declares_openid_connect() -> None:
    settings = OrchestratorSettings(
        app_id="orchestrator", auth_mode="entra", entra_tenant_id="t1", entra_audience="api://hub"
    )
    declared = security(settings)
    scheme = declared["securitySchemes"]["entraId"]["openIdConnectSecurityScheme"]
    assert scheme["openIdConnectUrl"] == (
        "https://login.microsoftonline.com/t1/v2.0/.well-known/openid-configuration"
    )
    assert declared["securityRequirements"] == [{"schemes": {"entraId": {"list": []}}}]


async def test_a_message_runs_a_planned_task_whose_id_is_the_hubspoke_task_id(
    hub: httpx.AsyncClient,
) -> None:
    task = await only_task(hub, message(TWO_PARTS))
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert answer_text(task) == "- calculator: 5\n- summarizer: short"
    assert task.metadata["hubspoke"]["agents"] == ["calculator", "summarizer"]
    stored = (await hub.get(f"/v1/tasks/{task.id}")).json()
    assert (stored["id"], stored["status"], stored["output"]) == (
        task.id,
        "completed",
        answer_text(task),
    )


async def test_a_named_agent_and_its_structured_answer(hub: httpx.AsyncClient) -> None:
    task = await only_task(hub, message("2+3", agent="calculator"))
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    text, data = task.artifacts[0].parts
    assert text.text == "5"
    assert MessageToDict(data.data) == {"echo": "2+3"}


async def test_a_refusal_is_rejected_with_the_reason(
    hub: httpx.AsyncClient, dapr: InMemoryDapr
) -> None:
    dapr.agents["calculator"] = refusing_agent("calculator", "division by zero")
    task = await only_task(hub, message("1/0"))
    assert task.status.state == TaskState.TASK_STATE_REJECTED
    reason = "agent 'calculator' refused the task: division by zero"
    assert task.status.message.parts[0].text == reason
    stored = (await hub.get(f"/v1/tasks/{task.id}")).json()
    assert (stored["status"], stored["error"], stored["error_status"]) == ("failed", reason, 422)


async def test_a_request_no_agent_can_do_is_rejected(hub: httpx.AsyncClient) -> None:
    task = await only_task(hub, message("translate hello into French"))
    assert task.status.state == TaskState.TASK_STATE_REJECTED
    assert task.status.message.parts[0].text.startswith("no agent can do this")


async def test_an_agent_failure_fails_the_task(hub: httpx.AsyncClient, dapr: InMemoryDapr) -> None:
    del dapr.agents["calculator"]
    task = await only_task(hub, message("2+3"))
    assert task.status.state == TaskState.TASK_STATE_FAILED
    assert "calculator" in task.status.message.parts[0].text


async def test_a_streamed_message_reports_plan_and_steps_before_the_final_task(
    hub: httpx.AsyncClient,
) -> None:
    events = await send(hub, message(TWO_PARTS), streaming=True)
    kinds = [e.WhichOneof("payload") for e in events]
    assert kinds[0] == "task"
    assert kinds[-1] == "task"
    assert events[0].task.status.state == TaskState.TASK_STATE_WORKING
    updates = [e.status_update for e in events[1:-1]]
    assert kinds[1:-1] == ["status_update"] * len(updates)
    names = [u.metadata["hubspoke"]["event"] for u in updates]
    assert names[0] == "plan"
    assert sorted(names[1:]) == ["step.finished"] * 2 + ["step.started"] * 2
    texts = {u.status.message.parts[0].text for u in updates}
    assert {"calculator: 5", "summarizer: short"} <= texts
    final = events[-1].task
    assert final.id == events[0].task.id == updates[0].task_id
    assert final.status.state == TaskState.TASK_STATE_COMPLETED


async def test_get_task_reads_the_stored_task_and_cancel_is_refused(
    hub: httpx.AsyncClient,
) -> None:
    sent = await only_task(hub, message("2+3"))
    client = await ClientFactory(ClientConfig(httpx_client=hub)).create_from_url(BASE)
    assert await client.get_task(GetTaskRequest(id=sent.id)) == sent
    with pytest.raises(TaskNotCancelableError, match="cannot be canceled"):
        await client.cancel_task(CancelTaskRequest(id=sent.id))
    with pytest.raises(TaskNotFoundError, match="no task with id"):
        await client.get_task(GetTaskRequest(id="0" * 32))


async def test_return_immediately_queues_the_task(hub: httpx.AsyncClient) -> None:
    request = message("2+3")
    request.configuration.CopyFrom(SendMessageConfiguration(return_immediately=True))
    task = await only_task(hub, request)
    assert task.status.state == TaskState.TASK_STATE_SUBMITTED
    assert (await hub.get(f"/v1/tasks/{task.id}")).json()["mode"] == "async"


async def test_a_message_with_an_unknown_agent_is_invalid_params(hub: httpx.AsyncClient) -> None:
    with pytest.raises(InvalidParamsError, match="unknown agent 'nobody'"):
        await send(hub, message("2+3", agent="nobody"))


async def test_without_credentials_a2a_is_401_problem_json(hub: httpx.AsyncClient) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "0" * 32}}
    response = await hub.post("/a2a", json=body, headers={"X-API-Key": "wrong"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "a valid API key is required (header X-API-Key)"


async def test_a_streamed_message_naming_an_unknown_agent_is_refused_before_streaming(
    hub: httpx.AsyncClient,
) -> None:
    with pytest.raises(InvalidParamsError, match="unknown agent 'nobody'"):
        await send(hub, message("2+3", agent="nobody"), streaming=True)


async def test_a_streamed_task_whose_agent_fails_ends_failed(
    hub: httpx.AsyncClient, dapr: InMemoryDapr
) -> None:
    del dapr.agents["calculator"]
    events = await send(hub, message("2+3"), streaming=True)
    final = events[-1].task
    assert final.status.state == TaskState.TASK_STATE_FAILED
    assert (await hub.get(f"/v1/tasks/{final.id}")).json()["status"] == "failed"


async def test_the_http_json_binding_runs_the_same_tasks(hub: httpx.AsyncClient) -> None:
    paths: list[str] = []

    async def record(request: httpx.Request) -> None:
        paths.append(request.url.path)

    hub.event_hooks["request"] = [record]
    config = ClientConfig(
        httpx_client=hub, streaming=False, supported_protocol_bindings=["HTTP+JSON"]
    )
    client = await ClientFactory(config).create_from_url(BASE)
    (response,) = [event async for event in client.send_message(message(TWO_PARTS))]
    task = response.task
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert answer_text(task) == "- calculator: 5\n- summarizer: short"
    assert await client.get_task(GetTaskRequest(id=task.id)) == task
    assert paths[1:] == ["/a2a/rest/message:send", f"/a2a/rest/tasks/{task.id}"]
    assert (await hub.get(f"/v1/tasks/{task.id}")).json()["status"] == "completed"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer x"}])
async def test_without_credentials_http_json_is_401_problem_json(
    hub: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    anonymous = httpx.AsyncClient(transport=hub._transport, base_url=BASE, headers=headers)
    response = await anonymous.get(f"/a2a/rest/tasks/{'0' * 32}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_message_with_too_many_parts_is_invalid_params_and_stores_nothing(
    hub: httpx.AsyncClient, dapr: InMemoryDapr
) -> None:
    request = message("2+3")
    request.message.parts.extend([Part(text=f"{n}+{n}") for n in range(1000)])
    with pytest.raises(InvalidParamsError, match="the message has 1001 parts; at most 32"):
        await send(hub, request)
    assert not [key for _, key in dapr.state if key.startswith("task-")]
    assert not [call for call in dapr.invocations if call[0] == "calculator"]


async def test_a_plan_over_the_step_limit_is_rejected_with_the_reason_and_bounded_steps(
    hub: httpx.AsyncClient,
) -> None:
    request = message("; ".join(f"what is {n}+{n}" for n in range(30)))
    task = await only_task(hub, request)
    assert task.status.state == TaskState.TASK_STATE_REJECTED
    assert "the plan exceeds 8 agent calls" in task.status.message.parts[0].text
    stored = (await hub.get(f"/v1/tasks/{task.id}")).json()
    assert len(stored["steps"]) == 9  # the eight calls made and the first one over
    assert stored["output"] is None
