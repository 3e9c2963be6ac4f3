"""Human approval: a step that needs it pauses its task; a decision resumes or refuses it.

The fake sidecar keeps state and records what is published; the queue
message a decision publishes is delivered here by hand, as Dapr would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from a2a.types import TaskState
from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from agents.summarizer.main import AGENT as SUMMARIZER
from chassis.agent import Skill, build_card
from chassis.card import HubspokeCard
from chassis.contract import TASKS_REQUESTED_TOPIC
from chassis.settings import AgentSettings
from chassis.testing import InMemoryDapr
from orchestrator.edge.mapping import to_a2a_task
from orchestrator.ports import AgentSkill, TaskPolicy
from orchestrator.settings import OrchestratorSettings, named_api_keys
from orchestrator.tasks.approvals import needs_approval
from orchestrator.tasks.models import TaskRecord
from tests.unit.orchestrator.conftest import (
    API_KEY,
    card_for,
    public_client,
    registration,
    registry_post,
)

ALICE_KEY = "alice-key-0123456789"


class Counted:
    """An agent handler that counts its calls."""

    def __init__(self, output: str) -> None:
        self.calls = 0
        self._output = output

    async def __call__(self, payload: Any) -> Any:
        self.calls += 1
        return {"output": self._output, "data": {}}


@pytest.fixture
def summarizer() -> Counted:
    return Counted("short")


@pytest.fixture
def dapr(summarizer: Counted) -> InMemoryDapr:
    return InMemoryDapr({"calculator": Counted("5"), "summarizer": summarizer})


@pytest.fixture
def client(dapr: InMemoryDapr) -> Iterator[TestClient]:
    """Calls of skills tagged `summary` need approval; `alice` has a named key; both
    keys are operators' (deciding approvals needs the role)."""
    settings = OrchestratorSettings(
        app_id="orchestrator",
        verify_cards=False,
        evaluate_agents=False,  # the fakes answer no example right
        approval_tags="summary",
        api_keys=f"{API_KEY},alice={ALICE_KEY}",
        api_key_roles={"api-key-0": ["operator"], "alice": ["operator"]},
        pubsub_agents="calculator,summarizer",
    )
    with public_client(dapr, settings) as test_client:
        for agent, app_id in ((CALCULATOR, "calculator"), (SUMMARIZER, "summarizer")):
            event = registration("register", app_id, card=card_for(agent, app_id))
            assert test_client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
        yield test_client


def _paused(client: TestClient, **body: Any) -> dict[str, Any]:
    created = client.post("/v1/tasks", json={"input": "summarize: a long text", **body})
    assert created.status_code == 202, created.text
    assert created.headers["location"] == f"/v1/tasks/{created.json()['id']}"
    task: dict[str, Any] = created.json()
    return task


def _deliver_queue(client: TestClient, dapr: InMemoryDapr) -> None:
    """Hand the task queue's messages to the orchestrator's subscription, as Dapr does."""
    queued = [
        (i, e) for i, (_, topic, e) in enumerate(dapr.published) if topic == TASKS_REQUESTED_TOPIC
    ]
    for index, event in queued:
        message = {
            "id": dapr.publish_metadata[index]["cloudevent.id"],
            "source": "orchestrator",
            "type": "com.dapr.event.sent",
            "specversion": "1.0",
            "data": event,
        }
        assert (
            client.post(f"/events/taskqueue/{TASKS_REQUESTED_TOPIC}", json=message).status_code
            == 200
        )


def test_a_step_needing_approval_pauses_without_calling_the_agent(
    client: TestClient, summarizer: Counted
) -> None:
    task = _paused(client, agent="summarizer")
    assert task["status"] == "input_required"
    [step] = task["steps"]
    assert step["status"] == "awaiting_approval"
    [approval] = task["approvals"]
    assert approval["step_id"] == step["id"]
    assert approval["agent"] == "summarizer"
    assert approval["decision"] is None
    assert summarizer.calls == 0
    listed = client.get("/v1/approvals").json()
    assert listed["count"] == 1
    assert listed["approvals"][0]["task_id"] == task["id"]
    assert client.get(f"/v1/tasks/{task['id']}").json()["status"] == "input_required"


def test_approval_resumes_the_task_from_the_queue_and_records_who(
    client: TestClient, dapr: InMemoryDapr, summarizer: Counted
) -> None:
    task = _paused(client, agent="summarizer")
    step_id = task["approvals"][0]["step_id"]
    url = f"/v1/tasks/{task['id']}/approvals/{step_id}"
    decided = client.post(
        url, json={"decision": "approve", "comment": "fine"}, headers={"X-API-Key": ALICE_KEY}
    )
    assert decided.status_code == 200, decided.text
    approval = decided.json()["approvals"][0]
    assert (approval["decision"], approval["by"], approval["comment"]) == (
        "approved",
        "alice",
        "fine",
    )
    assert datetime.fromisoformat(approval["at"]) <= datetime.now(UTC)
    assert decided.json()["status"] == "queued"
    assert client.get("/v1/approvals").json()["count"] == 0
    _deliver_queue(client, dapr)
    done = client.get(f"/v1/tasks/{task['id']}").json()
    assert done["status"] == "completed", done
    assert done["output"] == "short"
    assert summarizer.calls == 1
    again = client.post(url, json={"decision": "reject"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_rejection_refuses_the_step_and_the_task(
    client: TestClient, dapr: InMemoryDapr, summarizer: Counted
) -> None:
    task = _paused(client, agent="summarizer")
    step_id = task["approvals"][0]["step_id"]
    url = f"/v1/tasks/{task['id']}/approvals/{step_id}"
    assert client.post(url, json={"decision": "reject", "comment": "no"}).status_code == 200
    assert client.post(url, json={"decision": "approve"}).status_code == 409
    _deliver_queue(client, dapr)
    done = client.get(f"/v1/tasks/{task['id']}").json()
    assert (done["status"], done["error_status"]) == ("failed", 422)
    assert done["steps"][0]["status"] == "refused"
    assert "api-key-0 rejected the call of summarizer: no" in done["error"]
    assert summarizer.calls == 0


def test_a_planned_task_pauses_only_at_the_step_that_needs_approval(
    client: TestClient, dapr: InMemoryDapr, summarizer: Counted
) -> None:
    task = _paused(client, input="summarize: the orchestrator routes tasks to agents")
    assert task["status"] == "input_required"
    [approval] = task["approvals"]
    assert approval["skill"] == "summarize"
    step_id = approval["step_id"]
    client.post(f"/v1/tasks/{task['id']}/approvals/{step_id}", json={"decision": "approve"})
    _deliver_queue(client, dapr)
    done = client.get(f"/v1/tasks/{task['id']}").json()
    assert done["status"] == "completed", done
    assert summarizer.calls == 1


def test_tasks_without_such_steps_run_as_before(client: TestClient) -> None:
    created = client.post("/v1/tasks", json={"input": "2+3", "agent": "calculator"})
    assert created.status_code == 201
    assert created.json()["approvals"] == []


def test_a_decision_after_the_deadline_is_refused_and_the_task_ends_refused(
    client: TestClient, summarizer: Counted
) -> None:
    task = _paused(client, agent="summarizer", deadline_seconds=1)
    step_id = task["approvals"][0]["step_id"]
    while datetime.fromisoformat(task["deadline"]) > datetime.now(UTC):
        asyncio.run(asyncio.sleep(0.1))
    late = client.post(f"/v1/tasks/{task['id']}/approvals/{step_id}", json={"decision": "approve"})
    assert late.status_code == 409
    done = client.get(f"/v1/tasks/{task['id']}").json()
    assert (done["status"], done["error_status"]) == ("failed", 422)
    assert done["approvals"][0]["by"] == "orchestrator"
    assert "not approved before the task's deadline" in done["error"]
    assert summarizer.calls == 0


def test_the_sweep_refuses_approvals_past_their_deadline(client: TestClient) -> None:
    task = _paused(client, agent="summarizer", deadline_seconds=1)
    while datetime.fromisoformat(task["deadline"]) > datetime.now(UTC):
        asyncio.run(asyncio.sleep(0.1))
    approvals = client.app.state.approvals  # type: ignore[attr-defined]
    assert client.portal.call(approvals.sweep) == 1  # type: ignore[union-attr]
    done = client.get(f"/v1/tasks/{task['id']}").json()
    assert done["status"] == "failed"
    assert done["steps"][0]["status"] == "refused"
    assert client.get("/v1/approvals").json()["count"] == 0


@pytest.mark.parametrize(("task_id", "status"), [("0" * 32, 404), ("bad", 422)])
def test_unknown_tasks_and_steps_are_problems(
    client: TestClient, task_id: str, status: int
) -> None:
    response = client.post(f"/v1/tasks/{task_id}/approvals/abc", json={"decision": "approve"})
    assert response.status_code == status
    task = _paused(client, agent="summarizer")
    unknown = client.post(f"/v1/tasks/{task['id']}/approvals/abc", json={"decision": "approve"})
    assert unknown.status_code == 404
    bad = client.post(f"/v1/tasks/{task['id']}/approvals/abc", json={"decision": "maybe"})
    assert bad.status_code == 422


def test_approval_routes_need_a_key(client: TestClient) -> None:
    assert client.get("/v1/approvals", headers={"X-API-Key": "wrong"}).status_code == 401
    url = "/v1/tasks/" + "0" * 32 + "/approvals/abc"
    assert (
        client.post(url, json={"decision": "approve"}, headers={"X-API-Key": "x"}).status_code
        == 401
    )


def test_a_waiting_task_is_input_required_in_a2a() -> None:
    now = datetime.now(UTC)
    task = TaskRecord.model_validate(
        {
            "id": "a" * 32,
            "input": "x",
            "status": "input_required",
            "created_at": now,
            "approvals": [
                {
                    "step_id": "s1",
                    "agent": "summarizer",
                    "skill": "summarize",
                    "input": "x",
                    "requested_at": now,
                    "deadline": now + timedelta(seconds=30),
                }
            ],
        }
    )
    a2a = to_a2a_task(task)
    assert a2a.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert "summarizer (summarize)" in a2a.status.message.parts[0].text


def test_a_card_can_require_approval_for_a_skill() -> None:
    risky = Skill(
        id="delete-docs", name="Delete", description="Deletes documents.", tags=("docs",),
        approval=True,
    )  # fmt: skip
    plain = Skill(id="read-docs", name="Read", description="Reads documents.", tags=("docs",))
    agent = SUMMARIZER.__class__(
        name="Docs", description="Document store.", version="1.0.0", skills=(risky, plain)
    )
    card = HubspokeCard.parse(build_card(agent, AgentSettings(app_id="docs")))
    assert card.hubspoke.skills["delete-docs"].approval == "required"
    assert card.hubspoke.skills["read-docs"].approval == "none"


def test_which_calls_need_approval() -> None:
    skills = [
        AgentSkill("docs", "delete-docs", "d", ("write",), approval=True),
        AgentSkill("docs", "read-docs", "d", ("read",)),
        AgentSkill("mail", "send", "d", ("email", "external")),
    ]
    none = TaskPolicy()
    assert needs_approval(skills, none, "docs", "delete-docs")
    assert not needs_approval(skills, none, "docs", "read-docs")
    assert needs_approval(skills, none, "docs", None)  # a named agent: any of its skills
    assert not needs_approval(skills, none, "mail", "send")
    assert needs_approval(skills, TaskPolicy(approval_tags=frozenset({"email"})), "mail", "send")


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["k1", "k2"], [("api-key-0", "k1"), ("api-key-1", "k2")]),
        (["alice=k1", "k2"], [("alice", "k1"), ("api-key-1", "k2")]),
        (["YWJjZA==", "ops.team@x=a=b"], [("api-key-0", "YWJjZA=="), ("ops.team@x", "a=b")]),
        (["9lives=k"], [("api-key-0", "9lives=k")]),
    ],
)
def test_api_keys_may_be_named(entries: list[str], expected: list[tuple[str, str]]) -> None:
    assert named_api_keys(entries) == expected
