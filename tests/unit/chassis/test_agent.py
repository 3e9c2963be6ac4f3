"""Every agent refuses by construction: a refusal on /v1/invoke is an answer, not an error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.contract import AgentRequest, AgentResponse, Outcome
from chassis.dapr import DaprPort
from chassis.errors import UnprocessableError
from chassis.settings import AgentSettings
from chassis.testing import InMemoryDapr


class OverBudget(UnprocessableError):
    """Like the chassis' own subclasses (work past its budget): refused the same way."""


router = APIRouter()


@router.post("/v1/invoke")
async def invoke(body: AgentRequest) -> AgentResponse:
    if body.input == "too big":
        raise OverBudget("the work ran past its budget of 2 s", budget_seconds=2)
    if body.input == "nonsense":
        raise UnprocessableError("nothing to work on")
    return AgentResponse(agent="probe", output=body.input.upper())


@router.post("/v1/other")
async def other() -> None:
    raise UnprocessableError("not here")


@pytest.fixture
def client() -> Iterator[TestClient]:
    description = AgentDescription(
        name="Probe",
        description="Answers in capitals.",
        version="1.0.0",
        skills=(Skill(id="shout", name="Shout", description="Capitals."),),
    )
    settings = AgentSettings(app_id="probe", self_register=False, async_work=False)

    def setup(app: FastAPI, _: DaprPort) -> None:
        return None

    app = create_agent_app(
        agent=description, settings=settings, routers=[router], setup=setup, dapr=InMemoryDapr()
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("text", "reason", "data"),
    [
        ("nonsense", "nothing to work on", {}),
        ("too big", "the work ran past its budget of 2 s", {"budget_seconds": 2}),
    ],
)
def test_an_unprocessable_task_is_answered_200_as_refused_with_its_reason(
    client: TestClient, text: str, reason: str, data: dict[str, int]
) -> None:
    response = client.post("/v1/invoke", json={"task_id": "t", "input": text})
    assert response.status_code == 200
    answer = AgentResponse.model_validate(response.json())
    assert (answer.agent, answer.outcome, answer.reason) == ("probe", Outcome.REFUSED, reason)
    assert (answer.output, answer.data) == ("", data)


def test_a_completed_task_says_so(client: TestClient) -> None:
    response = client.post("/v1/invoke", json={"task_id": "t", "input": "hi"})
    body = response.json()
    assert (response.status_code, body["outcome"], body["output"]) == (200, "completed", "HI")


def test_outside_the_invoke_route_unprocessable_stays_a_422_problem(client: TestClient) -> None:
    response = client.post("/v1/other")
    assert response.status_code == 422
    assert response.json()["detail"] == "not here"


def test_an_invoke_request_outside_the_contract_is_still_a_422_problem(
    client: TestClient,
) -> None:
    response = client.post("/v1/invoke", json={"input": "no task id"})
    assert response.status_code == 422
    assert "task_id: Field required" in response.json()["detail"]


def test_a_refusal_must_give_its_reason() -> None:
    with pytest.raises(ValidationError, match="must give its reason"):
        AgentResponse(agent="probe", output="", outcome=Outcome.REFUSED)
