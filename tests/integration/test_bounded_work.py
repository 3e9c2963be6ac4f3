"""Bounded work on real sidecars: one expression cannot make an agent spin (issue 12, part 3).

The calculator here has its size bound raised to ten million digits, so that
an expression within it runs for minutes: only the chassis' time budget
(2 s, `HUBSPOKE_WORK_BUDGET_SECONDS`) stands between it and the agent. The
runaway job runs in a worker process, so the same agent keeps answering
other requests and its heartbeats keep reaching the registry meanwhile.

The refused expressions go to the calculator app as its sidecar delivers them
(app token, task deadline): through the orchestrator, Dapr's retry policy
would send each refusal three times until refusals are answers (issue 12,
part 1). The valid request takes the whole path, through the public API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from launcher import LocalStack
from tests.integration.a2a_calls import A2A_HEADERS, status_text, step_body, task_of
from tests.integration.conftest import FAST_REGISTRY, module_stack, wait_registered

BOUNDS = {
    **FAST_REGISTRY,
    # Heartbeats every 0.5 s, but a busy machine may delay one past FAST_REGISTRY's 2 s.
    "ORCHESTRATOR_UNHEALTHY_AFTER_SECONDS": "10",
    "ORCHESTRATOR_REMOVE_AFTER_SECONDS": "60",
    "HUBSPOKE_WORK_BUDGET_SECONDS": "2",
    "CALCULATOR_MAX_RESULT_DIGITS": "10000000",
}
# 10^100,000,000: refused from its estimated size, before anything is computed.
TOO_LARGE = "(10^1000)^100000"
# Within the raised bound (~8.5 million digits), and minutes of bigint work (the
# fraction's gcd): refused when its 2 s budget runs out.
RUNS_LONG = "7^10000000 / 3^10000000"


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("bounded"), env=BOUNDS, registered=("calculator",)
    ) as stack:
        yield stack


def refuse(stack: LocalStack, text: str) -> tuple[str, float]:
    """The calculator's reason for refusing `text`, and the seconds it took to say it."""
    started = time.monotonic()
    with stack.client("calculator") as agent:
        response = agent.post("/a2a", json=step_body(text), headers=A2A_HEADERS)
    seconds = time.monotonic() - started
    task = task_of(response)
    assert task["status"]["state"] == "TASK_STATE_REJECTED", task
    return status_text(task), seconds


def ask(stack: LocalStack, text: str) -> tuple[int, dict[str, Any], float]:
    """Status, body and seconds of a task for the calculator through the public API."""
    started = time.monotonic()
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": text, "agent": "calculator"})
    return response.status_code, response.json(), time.monotonic() - started


def calculator_record(stack: LocalStack) -> dict[str, Any]:
    with stack.client("orchestrator") as client:
        record: dict[str, Any] = client.get("/v1/agents/calculator").json()
    return record


def test_a_runaway_expression_is_refused_while_the_agent_answers_others(
    bounded: LocalStack,
) -> None:
    wait_registered(bounded, ("calculator",), timeout_s=60)
    reason, too_large_s = refuse(bounded, TOO_LARGE)
    assert "too large" in reason, reason

    heartbeats: set[str] = set()
    with ThreadPoolExecutor(max_workers=2) as background:
        runaway = background.submit(refuse, bounded, RUNS_LONG)
        time.sleep(0.5)  # let it reach a worker (no assertion rests on this)
        answer = background.submit(ask, bounded, "6*7")
        while not runaway.done():  # the registry's view of the agent while the job runs
            heartbeats.add(calculator_record(bounded)["last_seen"])
            time.sleep(0.2)
        reason, runaway_s = runaway.result()
        valid_status, valid, valid_s = answer.result()

    assert valid_status == 201, valid
    assert (valid["status"], valid["output"]) == ("completed", "6 * 7 = 42"), valid
    assert "exceeded its 2.0 s budget" in reason, reason
    # Heartbeats went on while the runaway job ran: the event loop was never held.
    assert len(heartbeats) >= 2, heartbeats
    assert calculator_record(bounded)["health"] == "healthy"
    status, after, _ = ask(bounded, "2^10")
    assert (status, after["output"]) == (201, "2^10 = 1024"), after
    print(
        f"too large refused in {too_large_s:.2f} s; runaway refused in {runaway_s:.2f} s "
        f"while '6*7' was answered in {valid_s:.2f} s; {len(heartbeats)} heartbeats seen meanwhile"
    )
