"""Evaluation before routing, and operator pauses, on real sidecars.

A stack of its own with one more agent, `reverser` (drifting_agent.py):
its version 1.0.0 answers its evaluation example wrongly and must stay
quarantined, never given a task, until version 1.0.1 registers. The stack's
own agents must all pass their cards' examples; a paused agent gets no
work, synchronous or asynchronous, until it is resumed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from launcher.stack import OPERATOR
from tests.integration.conftest import AGENTS, FAST_REGISTRY, PULLED, agent_spec, module_stack

REVERSER = "reverser"
EXAMPLE = "one two three"


@pytest.fixture(scope="module")
def version_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reverser") / "version"
    path.write_text("1.0.0")
    return path


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory, version_file: Path) -> Iterator[LocalStack]:
    reverser = agent_spec(
        REVERSER,
        "tests.integration.drifting_agent",
        {**PULLED, "DRIFTING_VERSION_FILE": str(version_file)},
    )
    with module_stack(
        tmp_path_factory.mktemp("evaluation"),
        # A killed agent stays registered while it restarts.
        env={**FAST_REGISTRY, "ORCHESTRATOR_REMOVE_AFTER_SECONDS": "120"},
        extra_apps=(reverser,),
        registered_timeout_s=180,
    ) as stack:
        yield stack


def view(client: httpx.Client, app_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/agents/{app_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def evaluated_view(client: httpx.Client, app_id: str, timeout_s: float = 90) -> dict[str, Any]:
    """The agent's view once its evaluation ended (passed or quarantined)."""
    deadline = time.monotonic() + timeout_s
    while True:
        agent = view(client, app_id)
        if agent["evaluation"]["state"] != "evaluating":
            return agent
        assert time.monotonic() < deadline, agent
        time.sleep(0.2)


def routable_view(client: httpx.Client, app_id: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        agent = view(client, app_id)
        if agent["routable"]:
            return agent
        assert time.monotonic() < deadline, agent
        time.sleep(0.2)


def register_when_reachable(client: httpx.Client, timeout_s: float = 90) -> httpx.Response:
    """Register the reverser by pull once calls reach it again (a restarted app: its
    sidecar may still answer 500 for a moment, e.g. while its circuit breaker is open)."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.post("/v1/agents", json={"app_id": REVERSER})
        if response.status_code == 201:
            return response
        assert response.status_code == 502, response.text
        assert time.monotonic() < deadline, response.text
        time.sleep(0.5)


def calls(stack: LocalStack) -> int:
    with stack.client(REVERSER) as agent:
        return int(agent.get("/v1/calls").json())


def test_the_stacks_agents_pass_the_examples_their_cards_declare(evaluated: LocalStack) -> None:
    with evaluated.client("orchestrator") as client:
        for app_id in AGENTS:
            agent = view(client, app_id)
            card = client.get(f"/v1/agents/{app_id}/card").json()
            examples = card["capabilities"]["extensions"][0]["params"]["evaluation"]
            assert examples, f"{app_id} declares no evaluation example"
            evaluation = agent["evaluation"]
            assert (evaluation["state"], evaluation["version"]) == ("passed", card["version"])
            assert evaluation["evaluated_at"] is not None
            assert evaluation["failure"] is None
            assert agent["routable"] is True
        passed = client.get("/v1/agents", params={"evaluation": "passed"}).json()["agents"]
        assert set(AGENTS) <= {a["app_id"] for a in passed}


def test_a_wrong_answer_quarantines_the_agent_until_a_fixed_version_registers(
    evaluated: LocalStack, version_file: Path
) -> None:
    with evaluated.client("orchestrator") as client:
        registered = client.post("/v1/agents", json={"app_id": REVERSER})
        assert registered.status_code == 201, registered.text
        assert registered.json()["routable"] is False
        assert registered.json()["evaluation"]["version"] == "1.0.0"

        quarantined = evaluated_view(client, REVERSER)
        print("quarantined:", json.dumps(quarantined["evaluation"]))
        evaluation = quarantined["evaluation"]
        assert evaluation["state"] == "quarantined", quarantined
        failure = evaluation["failure"]
        assert (failure["skill"], failure["input"], failure["answer"]) == (
            "reverse-words",
            EXAMPLE,
            EXAMPLE,  # 1.0.0's bug: the words come back in their order
        )
        assert failure["expected"] == {"state": "completed", "contains": ["three two one"]}
        assert "three two one" in failure["reason"]
        assert quarantined["routable"] is False
        listed = client.get("/v1/agents", params={"evaluation": "quarantined"}).json()
        assert [a["app_id"] for a in listed["agents"]] == [REVERSER]
        reached = calls(evaluated)
        assert reached >= 1  # the evaluation itself went through Dapr to the agent

        # Named explicitly, synchronously or asynchronously: refused, saying why.
        for mode in ("sync", "async"):
            task = {"input": f"reverse the words {EXAMPLE}", "agent": REVERSER, "mode": mode}
            refused = client.post("/v1/tasks", json=task)
            assert refused.status_code == 409, refused.text
            print(f"{mode} task to the quarantined agent:", refused.text)
            assert "quarantined" in refused.json()["detail"]
            assert repr(EXAMPLE) in refused.json()["detail"]
        # Planned: its skill is not offered, nor found by search.
        planned = client.post("/v1/tasks", json={"input": "reverse the words red green blue"})
        assert REVERSER not in str(planned.json().get("steps", [])), planned.text
        search = client.get("/v1/agents/search", params={"q": "reverse the order of words"})
        assert REVERSER not in [m["agent"]["app_id"] for m in search.json()]
        assert calls(evaluated) == reached

        # The outcome is kept in the state store: a restarted orchestrator does not rerun it.
        evaluated.kill_app("orchestrator")
        evaluated.start_app("orchestrator", timeout_s=300)
        after_restart = view(client, REVERSER)["evaluation"]
        assert after_restart == evaluation

        # The fixed version starts and registers: evaluated again, then routable.
        version_file.write_text("1.0.1")
        evaluated.kill_app(REVERSER)
        evaluated.start_app(REVERSER, timeout_s=300)
        again = register_when_reachable(client)
        assert again.json()["evaluation"]["version"] == "1.0.1"
        passed = evaluated_view(client, REVERSER)["evaluation"]
        assert (passed["state"], passed["version"], passed["failure"]) == ("passed", "1.0.1", None)
        routable_view(client, REVERSER)
        fixed = client.post("/v1/tasks", json={"input": EXAMPLE, "agent": REVERSER})
        assert fixed.status_code == 201, fixed.text
        assert (fixed.json()["status"], fixed.json()["output"]) == ("completed", "three two one")
        planned = client.post("/v1/tasks", json={"input": "reverse the words red green blue"})
        assert planned.json()["agents"] == [REVERSER], planned.text


def test_a_paused_agent_gets_no_work_until_it_is_resumed(evaluated: LocalStack) -> None:
    with evaluated.client("orchestrator") as client:
        assert client.post("/v1/agents/nobody/pause", json={"reason": "x"}).status_code == 404
        assert client.post("/v1/agents/calculator/pause", json={}).status_code == 422
        paused = client.post(
            "/v1/agents/calculator/pause", json={"reason": "answers drift; investigating"}
        )
        assert paused.status_code == 200, paused.text
        print("paused:", paused.text)
        pause = paused.json()["paused"]
        assert pause["reason"] == "answers drift; investigating"
        assert pause["by"] == OPERATOR  # the caller named by the stack's own API key
        assert pause["at"]
        assert paused.json()["routable"] is False
        try:
            for mode in ("sync", "async"):
                task = {"input": "2+3", "agent": "calculator", "mode": mode}
                refused = client.post("/v1/tasks", json=task)
                assert refused.status_code == 409, refused.text
                assert "paused by" in refused.json()["detail"]
                assert "answers drift" in refused.json()["detail"]
            # Not named: neither the router nor the planner hands it the work.
            planned = client.post("/v1/tasks", json={"input": "what is 2+3"}).json()
            assert "calculator" not in str(planned.get("steps", [])), planned
            queued = client.post("/v1/tasks", json={"input": "what is 2+3", "mode": "async"})
            assert queued.status_code == 202, queued.text
            final = wait_final(client, queued.json()["id"])
            assert "calculator" not in [s["agent"] for s in final["steps"]], final
        finally:
            resumed = client.post("/v1/agents/calculator/resume", json={"reason": "fixed"})
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["paused"] is None
        assert resumed.json()["resumed"]["reason"] == "fixed"
        routable_view(client, "calculator")
        for mode in ("sync", "async"):
            sent = client.post(
                "/v1/tasks", json={"input": "2+3", "agent": "calculator", "mode": mode}
            )
            done = sent.json() if mode == "sync" else wait_final(client, sent.json()["id"])
            assert (done["status"], done["output"]) == ("completed", "2 + 3 = 5"), done


def wait_final(client: httpx.Client, task_id: str, timeout_s: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        task: dict[str, Any] = client.get(f"/v1/tasks/{task_id}").json()
        if task["status"] in ("completed", "failed"):
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.2)
