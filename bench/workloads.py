"""What each setup is asked to do, and the check that it really did it.

Every workload is checked once before it is measured: the raw apps must echo
the body; a Hubspoke task must be completed by exactly the expected agents,
one step each (so "one agent" and "fan-out to three" are facts of the run,
not assumptions about the planner); a peer's task must answer with each
agent's part, in plan order, as Hubspoke's agents' own code computes it
(`expected_parts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.loadgen import HttpRequest

__all__ = [
    "FAN_OUT_TASK",
    "ONE_AGENT_TASK",
    "RAW_PAYLOAD",
    "TYPESCRIPT_AGENT_TASK",
    "CheckFailed",
    "Workload",
    "answer_workload",
    "check",
    "echo_workload",
    "expected_parts",
    "floor_workload",
    "task_workload",
]

# Dapr's published figure is for 1 KB payloads: the raw apps move that much each way.
RAW_PAYLOAD = json.dumps({"payload": "x" * 1000}).encode()
# The local planner sends arithmetic to the calculator and nothing else.
ONE_AGENT_TASK = "what is 2 + 3"
# The same one-step shape, answered by the TypeScript agent (agents/units).
TYPESCRIPT_AGENT_TASK = "convert 5 km to miles"
# Three independent parts (split at ";"), ranked to three different agents.
FAN_OUT_TASK = (
    "what is 2 + 3; summarize: Dapr gives every app service invocation, pub/sub and state. "
    "It runs beside each app as a sidecar; what does the README say about access control?"
)


class CheckFailed(RuntimeError):
    """A workload did not do what it is meant to measure."""


@dataclass(frozen=True)
class Workload:
    key: str  # short, stable: the row label and the JSON key
    description: str
    request: HttpRequest
    # The agents a task must be answered by, in plan order; None: an echo; (): a floor task.
    expect_agents: tuple[str, ...] | None = None
    # A peer's task: what its answer must contain, in this order (`expected_parts`).
    expect_parts: tuple[str, ...] | None = None


def echo_workload(key: str, description: str, url: str) -> Workload:
    return Workload(key, description, HttpRequest(url, RAW_PAYLOAD, {}))


def floor_workload(key: str, description: str, url: str) -> Workload:
    """A same-work floor task (bench/floor_apps.py): answered 201 with the stored record."""
    return Workload(key, description, HttpRequest(url, b"{}", {}), ())


def task_workload(
    key: str, description: str, url: str, api_key: str, text: str, agents: tuple[str, ...]
) -> Workload:
    body = json.dumps({"input": text}).encode()
    return Workload(key, description, HttpRequest(url, body, {"X-API-Key": api_key}), agents)


def answer_workload(
    key: str, description: str, url: str, text: str, parts: tuple[str, ...]
) -> Workload:
    """A task answered as `{"answer": text}` (the dapr-agents peer's `POST /run`)."""
    body = json.dumps({"input": text}).encode()
    return Workload(key, description, HttpRequest(url, body, {}), expect_parts=parts)


def expected_parts(text: str) -> tuple[str, ...]:
    """What each part of `text` (split at ";", routed as the planner routes it) must be
    answered with, computed by Hubspoke's agents' own domain code: the calculator's
    answer, the summarizer's summary; the knowledge agent's is only known to cite."""
    # Imported here: only the peer's checks need the agents' code in the harness.
    from agents.calculator.arithmetic import evaluate
    from agents.summarizer.summarize import summarize
    from bench.planner_server import AGENT_OF

    answers: dict[str | None, Callable[[str], str]] = {
        "calculator": lambda part: evaluate(part).answer,
        "summarizer": summarize,
        "knowledge": lambda _: "Sources:",
    }
    expected = []
    for part in (p.strip() for p in text.split(";")):
        agent = next((name for pattern, name in AGENT_OF if pattern.search(part)), None)
        if part and agent in answers:
            expected.append(answers[agent](part))
    return tuple(expected)


def check(workload: Workload) -> str:
    """Send the workload's request once; say what it did, or raise CheckFailed."""
    request = workload.request
    headers = {"content-type": "application/json", **request.headers}
    try:
        answer = httpx.post(request.url, content=request.body, headers=headers, timeout=30)
    except httpx.TransportError as exc:  # a timeout too: the caller may try again
        raise CheckFailed(f"{workload.key}: no answer ({type(exc).__name__}: {exc})") from exc
    if not answer.is_success:
        raise CheckFailed(f"{workload.key}: HTTP {answer.status_code} {answer.text[:300]}")
    if workload.expect_parts is not None:
        return _check_answer(workload.key, answer.json(), workload.expect_parts)
    if workload.expect_agents is None:
        if answer.content != request.body:
            raise CheckFailed(f"{workload.key}: the answer is not the echo of the request")
        return f"echoed {len(answer.content)} bytes"
    if not workload.expect_agents:
        if answer.status_code != 201 or "id" not in answer.json():
            raise CheckFailed(f"{workload.key}: not a stored record: {answer.text[:300]}")
        return f"record {answer.json()['id']} stored; agent invoked; event published"
    return _check_task(workload.key, answer.json(), workload.expect_agents)


def _check_task(key: str, task: dict[str, Any], expected: tuple[str, ...]) -> str:
    steps = task.get("steps", [])
    stepped = tuple(s.get("agent") for s in steps)
    done = all(s.get("status") == "completed" for s in steps)
    if tuple(task.get("agents", [])) != expected or stepped != expected or not done:
        raise CheckFailed(
            f"{key}: expected one completed step each by {', '.join(expected)}; got agents "
            f"{task.get('agents')} and steps {[(s.get('agent'), s.get('status')) for s in steps]}"
        )
    return f"{task.get('status')}; agents {', '.join(expected)}; {len(steps)} step(s)"


def _check_answer(key: str, body: dict[str, Any], parts: tuple[str, ...]) -> str:
    text = str(body.get("answer", ""))
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            raise CheckFailed(f"{key}: the answer lacks {part!r} (in order); got {text[:400]!r}")
        at = found + len(part)
    return f"answered with all {len(parts)} part(s) in order ({len(text)} chars)"
