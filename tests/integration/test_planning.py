"""Planning with Semantic Kernel (local model) over real agents and sidecars."""

from __future__ import annotations

import time
from pathlib import Path

from launcher import LocalStack
from tests.integration.conftest import FAST_REGISTRY, wait_registered

REPO = Path(__file__).resolve().parents[2]

QUESTION = "what is 17% of 240, and what does the README say about access control?"


def test_a_two_part_question_is_planned_into_two_agent_calls(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": QUESTION})
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["agents"] == ["calculator", "knowledge"]
    assert [(s["agent"], s["status"]) for s in task["steps"]] == [
        ("calculator", "completed"),
        ("knowledge", "completed"),
    ]
    assert task["steps"][0]["output"] == "17% of 240 = 40.8"
    knowledge = task["steps"][1]
    assert "access control" in knowledge["output"].lower()
    # The README's access-control text now lives in docs/ too; any cited page will do,
    # as long as it is a real file of the corpus and a section of it.
    citation = knowledge["data"]["citations"][0]
    assert (REPO / citation["source"]).is_file(), citation
    assert citation["section"], citation
    assert task["output"].startswith("- calculator: 17% of 240 = 40.8\n- knowledge: ")


def test_an_agent_that_comes_back_is_plannable_without_an_orchestrator_restart(
    stack: LocalStack,
) -> None:
    question = {"input": "what does the documentation say about the agent registry?"}

    def planned_agents() -> list[str]:
        with stack.client("orchestrator") as client:
            body = client.post("/v1/tasks", json=question).json()
        if body.get("status") == 422:  # no agent left that can do it
            assert body["detail"].startswith("no agent can do this: "), body
            return []
        assert "agents" in body, body
        return list(body["agents"])

    assert planned_agents() == ["knowledge"]
    stack.kill_app("knowledge")
    try:
        deadline = time.monotonic() + float(FAST_REGISTRY["ORCHESTRATOR_REMOVE_AFTER_SECONDS"]) + 5
        with stack.client("orchestrator") as client:
            while client.get("/v1/agents/knowledge").status_code != 404:
                assert time.monotonic() < deadline, "knowledge was never removed"
                time.sleep(0.2)
        # Nobody else can answer a documentation question: refused, not echoed by the summarizer.
        assert planned_agents() == []
    finally:
        stack.start_app("knowledge")
    wait_registered(stack)
    assert planned_agents() == ["knowledge"]


def test_a_planned_task_streams_its_progress(stack: LocalStack) -> None:
    with (
        stack.client("orchestrator") as client,
        client.stream("POST", "/v1/tasks/stream", json={"input": QUESTION}) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        names = [
            line.split(": ", 1)[1] for line in response.iter_lines() if line.startswith("event: ")
        ]
    assert names[:2] == ["task", "plan"]
    assert sorted(names[2:-1]) == ["step.finished"] * 2 + ["step.started"] * 2
    assert names[-1] == "answer"


def test_a_request_no_agent_can_do_is_refused_naming_it(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": "translate hello into French"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no agent can do this: translate hello into French"


def test_the_doable_part_is_answered_and_the_undoable_part_named(stack: LocalStack) -> None:
    text = "what is 2+2 and translate hello into French"
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": text})
    assert response.status_code == 201, response.text
    task = response.json()
    assert [(s["agent"], s["output"]) for s in task["steps"]] == [("calculator", "2 + 2 = 4")]
    assert task["output"] == (
        "- calculator: 2 + 2 = 4\n- no agent can do this: translate hello into French"
    )


def test_planned_steps_carry_the_skills_arguments_to_the_agents(stack: LocalStack) -> None:
    """The local model fills each skill's arguments (its card's argumentsSchema); the step
    records them and the A2A message carries them beside the text, to the Python
    calculator and the TypeScript units agent alike."""
    with stack.client("orchestrator") as client:
        sums = client.post("/v1/tasks", json={"input": "multiply 23 by 19"})
        feet = client.post("/v1/tasks", json={"input": "how many feet are in 3 meters?"})
    assert (sums.status_code, feet.status_code) == (201, 201), (sums.text, feet.text)
    [calculator] = sums.json()["steps"]
    assert (calculator["agent"], calculator["status"]) == ("calculator", "completed")
    assert calculator["arguments"] == {"expression": "23 * 19"}
    assert "437" in calculator["output"]
    [units] = feet.json()["steps"]
    assert (units["agent"], units["status"]) == ("units", "completed")
    assert units["arguments"] == {"value": 3.0, "from": "meters", "to": "feet"}
    assert (units["data"]["value"], units["data"]["from"], units["data"]["to"]) == (
        3,
        "meters",
        "feet",
    )
    assert units["output"] == "3 meters = 9.84252 feet"
