"""Bad input hurts nobody: a refusal is an answer, on real sidecars under the real policy.

The agents refuse through A2A (the task state `rejected`, in an HTTP 200
JSON-RPC result), so Dapr neither retries a refused task nor counts it against the agent's
circuit breaker (components/common/resiliency.yaml). Calls are counted
from the traces the stack's receiver writes: one server span of the
calculator app per call that reached it.
"""

from __future__ import annotations

import itertools
import json
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from tests.integration.conftest import module_stack
from tests.integration.test_faults import SLOW_AGENT

# What Dapr says when it fails a call itself: never for clients' eyes.
DAPR_TEXTS = ("ERR_", "failed to invoke", "circuit breaker", "context deadline", "rpc error")
BREAKER_WORDS = "is not accepting calls right now (too many recent failures)"


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("refusals"),
        # The registry's default timings (heartbeats every 5 s, unhealthy after 15 s
        # of silence): the shortened test ones mark agents unhealthy under this load.
        env={},
        extra_apps=(SLOW_AGENT,),
        extra_resources=(Path(__file__).parent / "resources",),
    ) as stack:
        yield stack


def task_trace(stack: LocalStack, task_id: str) -> str:
    """The trace id of a task, from the orchestrator's log line that announces its end."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for raw in stack.supervisor["orchestrator"].log_path.read_text().splitlines():
            if raw.startswith("{"):
                line = json.loads(raw)
                if line.get("task_id") == task_id and "trace_id" in line:
                    return str(line["trace_id"])
        time.sleep(0.2)
    raise AssertionError(f"no orchestrator log line for task {task_id}")


def calculator_calls(stack: LocalStack) -> dict[str, int]:
    """Calls that reached the calculator app, by trace id (its server spans of POST /a2a)."""
    calls: dict[str, int] = {}
    text = stack.traces_file.read_text() if stack.traces_file.exists() else ""
    for raw in text.splitlines():
        try:
            span = json.loads(raw)
        except ValueError:  # a line the receiver is still writing
            continue
        where = (span["service"], span["process"], span["kind"])
        if where == ("calculator", "app", "server") and span["name"].endswith("/a2a"):
            calls[span["trace_id"]] = calls.get(span["trace_id"], 0) + 1
    return calls


def wait_for_calls(stack: LocalStack, trace_id: str) -> dict[str, int]:
    """Every call counted up to `trace_id`'s: the app exports its spans in the order they end."""
    deadline = time.monotonic() + 30  # spans are batched for a few seconds
    while (calls := calculator_calls(stack)).get(trace_id, 0) == 0:
        assert time.monotonic() < deadline, f"no calculator span of trace {trace_id}"
        time.sleep(0.5)
    return calls


def test_refused_inputs_reach_the_agent_once_and_a_valid_task_then_succeeds(
    refusals: LocalStack,
) -> None:
    refused: list[tuple[str, float]] = []
    with refusals.client("orchestrator") as client:
        for text in ("1/0", "hello", "1/0", "hello", "1/0", "hello", "1/0", "hello"):
            started = time.perf_counter()
            response = client.post("/v1/tasks", json={"input": text, "agent": "calculator"})
            elapsed = time.perf_counter() - started
            assert response.status_code == 422, response.text
            refused.append((response.json()["task_id"], elapsed))
            assert response.json()["detail"].startswith("agent 'calculator' refused the task: ")
        valid = client.post("/v1/tasks", json={"input": "2+2", "agent": "calculator"})
        assert valid.status_code == 201, valid.text  # the breaker never opened
        assert valid.json()["output"] == "2 + 2 = 4"
        stored = client.get(f"/v1/tasks/{refused[0][0]}").json()
    assert [(s["agent"], s["status"]) for s in stored["steps"]] == [("calculator", "refused")]
    assert stored["steps"][0]["error"].endswith("division by zero")

    calls = wait_for_calls(refusals, task_trace(refusals, valid.json()["id"]))
    per_refusal = [calls.get(task_trace(refusals, task_id), 0) for task_id, _ in refused]
    assert per_refusal == [1] * len(refused)  # no retry: a refusal is an answer
    latencies = sorted(seconds for _, seconds in refused)
    print(
        f"{len(refused)} refusals, each reached the calculator once; latency"
        f" p50 {statistics.median(latencies) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )


SUMMARY_TEXT = "summarize: Dapr gives every service a sidecar. The sidecar handles calls."


def mixed_load() -> list[tuple[str, dict[str, Any], str | None]]:
    """(class, request, the output a valid task must give): 250 valid, 100 refused, 150 planned."""
    jobs: list[tuple[str, dict[str, Any], str | None]] = []
    for n in range(250):
        request: dict[str, Any] = {"input": f"{n} + {n}"}
        if n % 2:
            request["agent"] = "calculator"
        jobs.append(("valid", request, f"{n} + {n} = {2 * n}"))
    for n in range(100):
        text = ("1/0", "hello", "2**100000", f"{n} / 0")[n % 4]
        jobs.append(("refused", {"input": text, "agent": "calculator"}, None))
    for n in range(150):
        text = SUMMARY_TEXT if n % 2 else f"what is {n} * 3; {SUMMARY_TEXT}"
        jobs.append(("planned", {"input": text}, None))
    # Interleaved, so refusals arrive among the valid tasks all through the run.
    return [jobs[i] for i in sorted(range(len(jobs)), key=lambda i: (i * 7919) % len(jobs))]


def test_under_mixed_load_every_valid_task_succeeds(refusals: LocalStack) -> None:
    jobs = mixed_load()
    results: list[tuple[str, int, Any, float, str | None]] = []
    with refusals.client("orchestrator") as client:

        def one(job: tuple[str, dict[str, Any], str | None]) -> None:
            kind, request, expected = job
            started = time.perf_counter()
            try:
                response = client.post("/v1/tasks", json=request)
                status, body = response.status_code, response.json()
            except httpx.TransportError as exc:
                status, body = 0, repr(exc)
            results.append((kind, status, body, time.perf_counter() - started, expected))

        with ThreadPoolExecutor(max_workers=50) as pool:
            list(pool.map(one, jobs))

    for kind in ("valid", "refused", "planned"):
        mine = [r for r in results if r[0] == kind]
        times = sorted(seconds for *_, seconds, _ in mine)
        statuses = sorted({status for _, status, *_ in mine})
        print(
            f"{kind}: {len(mine)} requests, statuses {statuses},"
            f" p50 {statistics.median(times) * 1000:.0f} ms,"
            f" p99 {times[int(len(times) * 0.99) - 1] * 1000:.0f} ms"
        )
    failed = [(s, b) for k, s, b, _, want in results if k == "valid" and s != 201]
    assert not failed, f"{len(failed)} valid tasks failed: {failed[:3]}"
    wrong = [
        (b["input"], b["output"])
        for k, _, b, _, want in results
        if k == "valid" and b["output"] != want
    ]
    assert not wrong, wrong[:3]
    refused = [(s, b) for k, s, b, *_ in results if k == "refused"]
    assert all(s == 422 and "refused the task" in b["detail"] for s, b in refused), refused[:3]
    planned = [(s, b) for k, s, b, *_ in results if k == "planned" and s != 201]
    assert not planned, planned[:3]


def error_details(client: httpx.Client, request: dict[str, Any]) -> list[str]:
    """What a client reads of a failed task: the answer, the streamed error, the stored task."""
    details = []
    response = client.post("/v1/tasks", json=request)
    body = response.json()
    if response.status_code >= 400:
        details.append(f"{response.status_code} {body['detail']}")
    with client.stream("POST", "/v1/tasks/stream", json=request) as streamed:
        lines = list(streamed.iter_lines())
    for name, data in itertools.pairwise(lines):
        if name == "event: error":
            details.append(f"stream {json.loads(data.removeprefix('data: '))['detail']}")
    # A queued step waits for its agent until the task's deadline (docs/operations.md,
    # restarts): a short one ends this task within the wait below.
    asynchronous = {**request, "mode": "async", "deadline_seconds": 15}
    accepted = client.post("/v1/tasks", json=asynchronous).json()
    if "id" in accepted:
        deadline = time.monotonic() + 30
        while (task := client.get(f"/v1/tasks/{accepted['id']}").json())["status"] not in (
            "completed",
            "failed",
        ):
            assert time.monotonic() < deadline, task
            time.sleep(0.2)
        details.extend(f"stored {step['error']}" for step in task["steps"] if step["error"])
    else:
        details.append(f"async {accepted['detail']}")
    return details


def test_an_open_breaker_is_told_in_our_words_never_in_dapr_s(refusals: LocalStack) -> None:
    # The slow agent outlasts its 1 s Dapr timeout; 2 failures open its breaker for 30 s.
    request = {"input": "abacus 2+3", "agent": "abacus"}
    seen: list[str] = []
    with refusals.client("orchestrator") as client:
        assert client.post("/v1/agents", json={"app_id": "abacus"}).status_code == 201
        deadline = time.monotonic() + 90
        while not any(BREAKER_WORDS in detail for detail in seen):
            assert time.monotonic() < deadline, f"the breaker never showed: {seen[-6:]}"
            with ThreadPoolExecutor(max_workers=3) as pool:  # failures close together
                for details in pool.map(lambda _: error_details(client, request), range(3)):
                    seen.extend(details)
    leaked = [detail for detail in seen if any(text in detail for text in DAPR_TEXTS)]
    assert not leaked, leaked[:3]
    for detail in sorted(set(seen)):
        print(detail)
