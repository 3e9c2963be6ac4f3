"""POST /v1/tasks/stream: the plan, each agent step and the answer as server-sent events."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from chassis.testing import InMemoryDapr


def events(client: TestClient, body: dict[str, Any]) -> list[tuple[str, Any]]:
    with client.stream("POST", "/v1/tasks/stream", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    parsed = []
    for block in raw.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


def test_a_planned_task_streams_plan_steps_and_answer(client: TestClient) -> None:
    stream = events(client, {"input": "what is 2+3, and summarize this: a b. c d."})
    names = [name for name, _ in stream]
    assert names[:2] == ["task", "plan"]
    assert names.count("plan") == 1
    assert names.count("step.started") == 2
    assert names.count("step.finished") == 2
    assert names[-1] == "answer"
    plan = stream[1][1]
    assert [c["function"] for c in plan["calls"]] == [
        "calculator-arithmetic",
        "summarizer-summarize",
    ]
    finished = [data for name, data in stream if name == "step.finished"]
    assert {f["agent"]: f["output"] for f in finished} == {"calculator": "5", "summarizer": "short"}
    answer = stream[-1][1]
    assert answer["status"] == "completed"
    assert client.get(f"/v1/tasks/{answer['id']}").json() == answer


def test_a_failing_task_streams_an_error_and_is_stored(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    del dapr.agents["calculator"]
    stream = events(client, {"input": "2+3"})
    name, problem = stream[-1]
    assert name == "error"
    assert problem["status"] == 502
    assert client.get(f"/v1/tasks/{problem['task_id']}").json()["status"] == "failed"


def test_an_unknown_named_agent_is_refused_before_streaming(client: TestClient) -> None:
    response = client.post("/v1/tasks/stream", json={"input": "2+3", "agent": "nobody"})
    assert response.status_code == 422
    assert "unknown agent 'nobody'" in response.json()["detail"]
