"""Every agent is an A2A server: outcomes are task states, a refusal is an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from chassis.agent import AgentDescription, Skill, build_card, create_agent_app
from chassis.card import CardError, validate_a2a_card
from chassis.dapr import DaprPort
from chassis.errors import UnprocessableError
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest
from chassis.testing import InMemoryDapr
from tests.unit.a2a_messages import answer, reason, rpc, send, step


class OverBudget(UnprocessableError):
    """Like the chassis' own subclasses (work past its budget): refused the same way."""


DESCRIPTION = AgentDescription(
    name="Probe",
    description="Answers in capitals.",
    version="1.0.0",
    skills=(Skill(id="shout", name="Shout", description="Capitals.", tags=("text",)),),
)
seen: list[SkillRequest] = []


async def shout(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    seen.append(request)
    if request.input == "too big":
        raise OverBudget("the work ran past its budget of 2 s", budget_seconds=2)
    if request.input == "nonsense":
        raise UnprocessableError("nothing to work on")
    if request.input == "crash":
        raise RuntimeError("secret internals")
    if request.input == "slow":
        await asyncio.sleep(5)
    return SkillAnswer(output=request.input.upper(), data={"chars": len(request.input)})


router = APIRouter()


@router.post("/v1/other")
async def other() -> None:
    raise UnprocessableError("not here")


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = AgentSettings(app_id="probe", self_register=False, async_work=False)

    def setup(app: FastAPI, _: DaprPort) -> None:
        return None

    app = create_agent_app(
        agent=DESCRIPTION,
        settings=settings,
        answer=shout,
        routers=[router],
        setup=setup,
        dapr=InMemoryDapr(),
    )
    seen.clear()
    with TestClient(app) as test_client:
        yield test_client


def test_a_completed_step_is_a_completed_task_with_the_answer_artifact(
    client: TestClient,
) -> None:
    task = send(client, "hi", context_id="task-7", skill="shout")
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert answer(task) == ("HI", {"chars": 2})
    assert task["contextId"] == "task-7"
    assert (seen[-1].task_id, seen[-1].skill, seen[-1].input) == ("task-7", "shout", "hi")


@pytest.mark.parametrize(
    ("text", "said", "data"),
    [
        ("nonsense", "nothing to work on", None),
        ("too big", "the work ran past its budget of 2 s", {"budget_seconds": 2}),
    ],
)
def test_an_unprocessable_step_is_rejected_with_its_reason_in_a_successful_exchange(
    client: TestClient, text: str, said: str, data: dict[str, int] | None
) -> None:
    task = send(client, text)  # HTTP 200 and a JSON-RPC result (send asserts both)
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert reason(task) == said
    parts = task["status"]["message"]["parts"]
    assert next((p["data"] for p in parts if "data" in p), None) == data
    assert "artifacts" not in task


def test_a_crash_fails_the_task_without_telling_its_internals(client: TestClient) -> None:
    task = send(client, "crash")
    assert (task["status"]["state"], reason(task)) == ("TASK_STATE_FAILED", "the agent failed")
    assert "secret" not in str(task)


def test_a_step_whose_deadline_passed_fails_without_running(client: TestClient) -> None:
    task = send(client, "hi", seconds=-1)
    assert (task["status"]["state"], reason(task)) == ("TASK_STATE_FAILED", "deadline passed")
    assert seen == []


def test_a_step_running_past_its_deadline_is_stopped_and_fails(client: TestClient) -> None:
    task = send(client, "slow", seconds=0.3)
    assert (task["status"]["state"], reason(task)) == ("TASK_STATE_FAILED", "deadline passed")


def test_a_malformed_deadline_is_rejected_with_the_reason(client: TestClient) -> None:
    task = send(client, "hi", deadline="tomorrow")
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert "RFC 3339" in reason(task)


def test_get_task_returns_the_task_sendmessage_answered(client: TestClient) -> None:
    task = send(client, "hi")
    got = rpc(client, "GetTask", {"id": task["id"]})["result"]
    assert (got["id"], got["status"]["state"]) == (task["id"], "TASK_STATE_COMPLETED")
    assert answer(got) == ("HI", {"chars": 2})


def test_an_unknown_task_is_a_json_rpc_error_not_an_http_one(client: TestClient) -> None:
    assert rpc(client, "GetTask", {"id": "nope"})["error"]["code"] == -32001


def test_the_v1_invoke_route_is_gone(client: TestClient) -> None:
    assert client.post("/v1/invoke", json={"task_id": "t", "input": "hi"}).status_code == 404


def test_a_request_without_the_a2a_version_is_refused_by_the_sdk(client: TestClient) -> None:
    body = {"jsonrpc": "2.0", "id": "1", "method": "SendMessage", "params": step("hi")}
    assert client.post("/a2a", json=body).json()["error"]["code"] == -32009
    assert seen == []


def test_outside_a2a_unprocessable_stays_a_422_problem(client: TestClient) -> None:
    response = client.post("/v1/other")
    assert response.status_code == 422
    assert response.json()["detail"] == "not here"


def test_the_card_served_is_the_one_the_sdk_validates(client: TestClient) -> None:
    card = client.get("/.well-known/agent-card.json").json()
    parsed = validate_a2a_card(card)
    assert parsed.provider.url == "https://github.com/hubspoke/hubspoke"
    assert [i.protocol_binding for i in parsed.supported_interfaces] == ["JSONRPC"]
    assert parsed.supported_interfaces[0].url == (
        "http://localhost:3500/v1.0/invoke/probe/method/a2a"
    )
    assert set(parsed.security_schemes) == {"daprMtls", "daprApiToken"}
    assert parsed.security_schemes["daprApiToken"].api_key_security_scheme.name == (
        "dapr-api-token"
    )
    assert set(parsed.security_requirements[0].schemes) == {"daprMtls", "daprApiToken"}


def test_an_agent_taking_async_work_names_the_pubsub_binding_in_its_card() -> None:
    card = build_card(DESCRIPTION, AgentSettings(app_id="probe", async_work=True))
    [_, pubsub] = validate_a2a_card(card).supported_interfaces
    assert pubsub.url == "dapr-pubsub://pubsub/agent.requests.probe"
    assert pubsub.protocol_binding == "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1"


@pytest.mark.parametrize("missing", ["supportedInterfaces", "version", "capabilities"])
def test_the_sdk_validation_refuses_a_card_missing_a_required_field(missing: str) -> None:
    card = build_card(DESCRIPTION, AgentSettings(app_id="probe"))
    del card[missing]
    with pytest.raises(CardError, match="required"):
        validate_a2a_card(card)


def test_the_sdk_validation_refuses_a_provider_without_its_url() -> None:
    card = build_card(DESCRIPTION, AgentSettings(app_id="probe"))
    del card["provider"]["url"]
    with pytest.raises(CardError, match="provider"):
        validate_a2a_card(card)
