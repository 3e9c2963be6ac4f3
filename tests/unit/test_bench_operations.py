"""Counting a task's Dapr calls from its spans (bench/operations.py)."""

from __future__ import annotations

from typing import Any

from bench.operations import TaskOperations, operations_of

SIDECAR = "http://127.0.0.1:3500"


def _span(
    trace: str, kind: str, name: str, url: str = "", start_ns: int = 10, process: str = "app"
) -> dict[str, Any]:
    return {
        "trace_id": trace, "kind": kind, "name": name, "start_ns": start_ns, "process": process,
        "attributes": {"http.url": url} if url else {},
    }  # fmt: skip


# The spans of one traced one-agent task, as the apps export them.
TASK = [
    _span("t1", "server", "POST /v1/tasks", "http://127.0.0.1:8000/v1/tasks"),
    _span("t1", "internal", "execute_tool calculator-arithmetic"),
    _span("t1", "client", "POST", f"{SIDECAR}/v1.0/invoke/calculator/method/a2a"),
    _span("t1", "server", "POST /a2a", "http://127.0.0.1:8001/a2a"),
    _span("t1", "client", "POST", f"{SIDECAR}/v1.0/state/statestore"),
    # The orchestrator's sidecar traces the same write: not a second one.
    _span("t1", "client", "/v1.0/state/statestore", "/v1.0/state/statestore", process="daprd"),
    _span("t1", "client", "POST", f"{SIDECAR}/v1.0/publish/pubsub/task.completed"),
    _span("t1", "server", "POST /events/pubsub/task.completed", "http://x/events/pubsub/t"),
    _span("t1", "client", "GET", f"{SIDECAR}/v1.0/state/statestore/activity"),
    _span("t1", "client", "POST", f"{SIDECAR}/v1.0/state/statestore"),
]


def test_a_one_agent_task_is_counted_call_by_call() -> None:
    heartbeat = [_span("t0", "client", "POST", f"{SIDECAR}/v1.0/state/statestore")]
    assert operations_of(heartbeat + TASK, since_ns=0) == TaskOperations(
        invocations=1, state_reads=1, state_writes=2, publishes=1, deliveries=1
    )


def test_only_a_task_started_since_then_counts() -> None:
    assert operations_of(TASK, since_ns=11) is None
