"""After start-up a crash takes nothing down: the launcher restarts the process as Kubernetes does.

These run on a stack of their own and crash its processes from outside
(SIGKILL to the pid, not through the supervisor): the supervisor must notice,
restart the process with the command line, ports and environment it had,
report it, and the system must answer a task through that agent again.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from launcher import LocalStack
from tests.integration.conftest import STACKS, start_stack, wait_registered

AGENT = "calculator"


@pytest.fixture(scope="module")
def crashy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    stack = start_stack(tmp_path_factory.mktemp("supervised"))
    try:
        yield stack
    finally:
        stack.stop()
        STACKS.remove(stack)


def answers_through_the_agent(stack: LocalStack) -> bool:
    try:
        with stack.client("orchestrator") as client:
            task = client.post("/v1/tasks", json={"input": "2+3"}).json()
    except (httpx.TransportError, ValueError):
        return False
    return (task.get("agent"), task.get("output")) == (AGENT, "2 + 3 = 5")


def crash_and_time_recovery(stack: LocalStack, name: str, timeout_s: float = 120) -> float:
    """SIGKILL `name` from outside; seconds until a task is answered through the agent again."""
    process = stack.supervisor[name]
    old_pid, restarts = process.pid, process.restarts
    assert old_pid is not None
    assert answers_through_the_agent(stack)
    crashed = time.monotonic()
    os.kill(old_pid, signal.SIGKILL)
    deadline = crashed + timeout_s
    while not (process.restarts > restarts and process.alive):
        assert time.monotonic() < deadline, f"{name} never restarted: {stack.supervisor.events}"
        time.sleep(0.1)
    restarted = time.monotonic() - crashed
    while not answers_through_the_agent(stack):
        assert time.monotonic() < deadline, f"no answer through {AGENT} after {name} restarted"
        time.sleep(0.5)
    answered = time.monotonic() - crashed
    assert process.pid != old_pid
    print(f"{name} SIGKILLed: restarted after {restarted:.1f}s, answering after {answered:.1f}s")
    return answered


def test_a_killed_sidecar_is_restarted_with_its_flags_and_the_agent_answers_again(
    crashy: LocalStack,
) -> None:
    name = f"{AGENT}.daprd"
    argv_before = list(crashy.supervisor[name].argv)
    crash_and_time_recovery(crashy, name)
    sidecar = crashy.supervisor[name]
    assert sidecar.argv == argv_before  # same ports, resources, config, mTLS flags
    assert sidecar.restarts == 1
    assert any(f"{name} exited with code -9" in e for e in crashy.supervisor.events)
    assert any(f"{name} restarted (restart 1)" in e for e in crashy.supervisor.events)
    # The same DAPR_API_TOKEN still works: the token check precedes routing, so a
    # request the agent's role may not make (state) is 401 only without the token.
    probe = "/v1.0/state/statestore/probe"
    with crashy.client(AGENT, sidecar=True) as client:
        assert client.get(probe).status_code != 401
    with crashy.client(AGENT, sidecar=True, credentials=False) as anonymous:
        assert anonymous.get(probe).status_code == 401
    wait_registered(crashy, (AGENT,), timeout_s=30)


def test_a_killed_agent_app_is_restarted_and_answers_again(crashy: LocalStack) -> None:
    crash_and_time_recovery(crashy, AGENT)
    assert crashy.supervisor[AGENT].restarts == 1
    assert any(f"{AGENT} restarted (restart 1)" in e for e in crashy.supervisor.events)
    wait_registered(crashy, (AGENT,), timeout_s=30)


def test_nothing_else_was_restarted_and_everything_runs(crashy: LocalStack) -> None:
    restarted = {p.name: p.restarts for p in crashy.supervisor.processes if p.restarts}
    assert restarted == {f"{AGENT}.daprd": 1, AGENT: 1}
    assert [p.name for p in crashy.supervisor.processes if not p.alive] == []
