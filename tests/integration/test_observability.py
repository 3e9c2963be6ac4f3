"""One request, one trace: app and sidecar spans across invocation and pub/sub, and the logs."""

from __future__ import annotations

import json
import time
from typing import Any

from launcher import LocalStack
from launcher.traces import load_spans, waterfall

Span = dict[str, Any]


def log_lines(stack: LocalStack, app_id: str) -> list[dict[str, Any]]:
    lines = []
    for raw in stack.supervisor[app_id].log_path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def trace_of_task(stack: LocalStack, task_id: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in log_lines(stack, "orchestrator"):
            if line.get("task_id") == task_id and "trace_id" in line:
                return str(line["trace_id"])
        time.sleep(0.2)
    raise AssertionError(f"no orchestrator log line for task {task_id}")


def wait_for_spans(stack: LocalStack, trace_id: str, wanted: set[tuple[str, str]]) -> list[Span]:
    """Spans of the trace once every (service, process) in `wanted` has reported."""
    deadline = time.monotonic() + 30  # daprd batches its spans for up to 5 s
    while True:
        spans = [s for s in load_spans(stack.traces_file) if s["trace_id"] == trace_id]
        if wanted <= {(s["service"], s["process"]) for s in spans}:
            return spans
        assert time.monotonic() < deadline, (
            f"missing {wanted - {(s['service'], s['process']) for s in spans}}"
        )
        time.sleep(0.5)


def parent(spans: list[Span], span: Span) -> Span:
    return next(s for s in spans if s["span_id"] == span["parent_span_id"])


def test_one_request_is_one_trace_through_sidecars_and_pubsub(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        task = client.post("/v1/tasks", json={"input": "7*6"}).json()
    assert task["output"] == "7 * 6 = 42"
    trace_id = trace_of_task(stack, task["id"])
    wanted = {
        (app, process)
        for app in ("orchestrator", "calculator", "summarizer")
        for process in ("app", "daprd")
    }
    spans = wait_for_spans(stack, trace_id, wanted)
    print(waterfall(spans))

    ids = {s["span_id"] for s in spans}
    roots = [s for s in spans if s["parent_span_id"] not in ids]
    assert [(r["service"], r["process"], r["name"]) for r in roots] == [
        ("orchestrator", "app", "POST /v1/tasks")
    ]

    # Invocation: orchestrator app -> its sidecar -> the calculator's sidecar -> the calculator.
    calculator = next(
        s
        for s in spans
        if (s["service"], s["process"], s["kind"]) == ("calculator", "app", "server")
    )
    hop = parent(spans, calculator)
    assert (hop["service"], hop["process"]) == ("calculator", "daprd")
    caller = parent(spans, hop)
    assert (caller["service"], caller["process"]) == ("orchestrator", "daprd")
    assert (parent(spans, caller)["service"], parent(spans, caller)["process"]) == (
        "orchestrator",
        "app",
    )

    # Pub/sub: the delivery to the summarizer continues the publishing request's trace.
    delivery = next(
        s
        for s in spans
        if (s["service"], s["process"], s["kind"]) == ("summarizer", "app", "server")
    )
    assert "task.completed" in delivery["name"]
    via = parent(spans, delivery)
    assert (via["service"], via["process"]) == ("summarizer", "daprd")
    published = parent(spans, via)
    assert (published["service"], published["process"]) == ("orchestrator", "daprd")
    assert "publish" in published["name"]

    # Every service's log lines for this request carry its trace id.
    for app_id in ("orchestrator", "calculator", "summarizer"):
        assert any(line.get("trace_id") == trace_id for line in log_lines(stack, app_id)), app_id
