"""The benchmark's deterministic OpenAI-compatible planner (bench/planner_server.py)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from bench.planner_server import build_app
from bench.workloads import FAN_OUT_TASK, ONE_AGENT_TASK

# Tool names as Semantic Kernel sends them: "<plugin>-<function>".
TOOLS = [
    {"type": "function", "function": {"name": f"{agent}-{skill}", "parameters": {
        "type": "object", "properties": {"input": {"type": "string"}}}}}
    for agent, skill in (("knowledge", "search"), ("summarizer", "summarize"),
                         ("calculator", "arithmetic"))
]  # fmt: skip


def _ask(messages: list[dict[str, object]]) -> dict[str, object]:
    with TestClient(build_app()) as client:
        answer = client.post(
            "/v1/chat/completions",
            json={"model": "bench-planner", "messages": messages, "tools": TOOLS},
        )
    assert answer.status_code == 200
    choice = answer.json()["choices"][0]
    assert isinstance(choice, dict)
    message = choice["message"]
    assert isinstance(message, dict)
    return message


def _called(message: dict[str, object]) -> list[tuple[str, str]]:
    calls = message["tool_calls"]
    assert isinstance(calls, list)
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])["input"]) for c in calls]


def test_one_part_is_one_call_to_its_agent() -> None:
    message = _ask([{"role": "user", "content": ONE_AGENT_TASK}])
    assert _called(message) == [("calculator-arithmetic", ONE_AGENT_TASK)]


def test_each_part_goes_to_its_own_agent_in_order() -> None:
    message = _ask([{"role": "user", "content": FAN_OUT_TASK}])
    assert [name for name, _ in _called(message)] == [
        "calculator-arithmetic", "summarizer-summarize", "knowledge-search",
    ]  # fmt: skip


def test_the_tools_results_are_the_answer() -> None:
    message = _ask([
        {"role": "user", "content": ONE_AGENT_TASK},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": "2 + 3 = 5"},
    ])  # fmt: skip
    assert message == {"role": "assistant", "content": "2 + 3 = 5"}


# dapr-agents: the orchestrator's tools are the agents (argument `task`), an agent's tool
# is "<agent>_<verb>"; an agent's answer comes back as its final message in JSON.
AGENT_TOOLS = [
    {"type": "function", "function": {"name": agent, "parameters": {
        "type": "object", "properties": {"task": {"type": "string"}}}}}
    for agent in ("calculator", "summarizer", "knowledge")
]  # fmt: skip


def _ask_with(tools: list[Any], messages: list[Any]) -> dict[str, object]:
    with TestClient(build_app()) as client:
        answer = client.post(
            "/v1/chat/completions", json={"model": "m", "messages": messages, "tools": tools}
        )
        stats = client.get("/stats").json()
    assert stats == {"completions": 1}
    message = answer.json()["choices"][0]["message"]
    assert isinstance(message, dict)
    return message


def test_a_dapr_agents_orchestrator_calls_each_agent_with_its_part() -> None:
    system = {"role": "system", "content": "You are the orchestrator."}
    user = {"role": "user", "content": FAN_OUT_TASK, "name": "on-behalf-of user"}
    message = _ask_with(AGENT_TOOLS, [system, user])
    calls = message["tool_calls"]
    assert isinstance(calls, list)
    named = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]
    parts = [p.strip() for p in FAN_OUT_TASK.split(";")]
    assert named == [
        ("calculator", {"task": parts[0]}), ("summarizer", {"task": parts[1]}),
        ("knowledge", {"task": parts[2]}),
    ]  # fmt: skip


def test_a_dapr_agents_agent_calls_its_own_tool() -> None:
    tool = {"type": "function", "function": {"name": "calculator_evaluate", "parameters": {
        "type": "object", "properties": {"task": {"type": "string"}}}}}  # fmt: skip
    message = _ask_with([tool], [{"role": "user", "content": ONE_AGENT_TASK}])
    calls = message["tool_calls"]
    assert isinstance(calls, list)
    assert [c["function"]["name"] for c in calls] == ["calculator_evaluate"]


def test_agents_answers_returned_as_messages_are_unwrapped_and_joined() -> None:
    answers = [{"role": "assistant", "content": "2 + 3 = 5"}, "plain text result"]
    message = _ask_with(AGENT_TOOLS, [
        {"role": "user", "content": FAN_OUT_TASK},
        {"role": "assistant", "content": None, "tool_calls": []},
        *({"role": "tool", "tool_call_id": f"c{i}",
           "content": a if isinstance(a, str) else json.dumps(a)} for i, a in enumerate(answers)),
    ])  # fmt: skip
    assert message == {"role": "assistant", "content": "2 + 3 = 5\nplain text result"}


def test_a_request_for_a_json_schema_gets_an_object_of_that_schema() -> None:
    schema = {"type": "object", "properties": {"summary": {"type": "string"}}}
    with TestClient(build_app()) as client:
        answer = client.post("/v1/chat/completions", json={
            "model": "m", "messages": [{"role": "user", "content": "Summarize: ..."}],
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "ConversationSummary", "schema": schema}},
        })  # fmt: skip
    content = answer.json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"summary": "nothing to do"}
