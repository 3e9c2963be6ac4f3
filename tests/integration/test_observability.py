"""One request, one trace: app and sidecar spans across invocation and pub/sub, and the logs."""

from __future__ import annotations

import json
import secrets
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from launcher import LocalStack
from launcher.traces import load_spans, waterfall
from tests.integration.conftest import wait_registered

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


# -- Telemetry an outsider cannot switch off -----------------------------------


def post_uninstrumented(url: str, body: Any, headers: dict[str, str]) -> tuple[int, str]:
    """POST JSON with exactly the trace headers given (status, body text).

    Not httpx: in a whole test run the unit tests have instrumented it in this
    process, and it would put a traceparent of its own in place of ours.
    """
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json", **headers}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def sampled_out_traceparent() -> tuple[str, str]:
    """A caller's own trace id, and a `traceparent` that says "do not record"."""
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-00"


# A delivery can wait for its redelivery (processingTimeout 20 s) on a loaded machine.
DELIVERY_WAIT_S = 90


def spans_until(stack: LocalStack, trace_id: str, done: Callable[[list[Span]], bool]) -> list[Span]:
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while True:
        spans = [s for s in load_spans(stack.traces_file) if s["trace_id"] == trace_id]
        if done(spans):
            return spans
        assert time.monotonic() < deadline, [(s["service"], s["process"], s["name"]) for s in spans]
        time.sleep(0.5)


def log_line_about(stack: LocalStack, app_id: str, text: str) -> dict[str, Any]:
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while time.monotonic() < deadline:
        for line in log_lines(stack, app_id):
            if text in str(line.get("msg")) and "trace_id" in line:
                return line
        time.sleep(0.2)
    raise AssertionError(f"no {app_id} log line with {text!r}")


def test_sampled_out_traceparent_at_the_public_edge_is_traced_under_our_own_id(
    stack: LocalStack,
) -> None:
    caller_trace, traceparent = sampled_out_traceparent()
    _, body = post_uninstrumented(
        f"{stack.endpoints['orchestrator'].app_url}/v1/tasks",
        {"input": "7*6"},
        {"X-API-Key": stack.api_key, "traceparent": traceparent},
    )
    task = json.loads(body)
    assert task.get("output") == "7 * 6 = 42", body
    trace_id = trace_of_task(stack, task["id"])
    assert trace_id != caller_trace
    wanted = {
        (app, process) for app in ("orchestrator", "calculator") for process in ("app", "daprd")
    }
    spans = wait_for_spans(stack, trace_id, wanted)
    print(waterfall(spans))

    [edge] = [s for s in spans if not s["parent_span_id"]]
    assert (edge["service"], edge["process"], edge["name"]) == (
        "orchestrator",
        "app",
        "POST /v1/tasks",
    )
    assert caller_trace in {link["trace_id"] for link in edge["links"]}
    # The caller's trace was not continued anywhere: no app or sidecar span carries its id.
    assert not [s for s in load_spans(stack.traces_file) if s["trace_id"] == caller_trace]
    logged = [
        line for line in log_lines(stack, "orchestrator") if line.get("task_id") == task["id"]
    ]
    assert logged
    assert all(line["trace_id"] == trace_id for line in logged)
    assert all(line["caller_trace_id"] == caller_trace for line in logged)


def publish_raw(stack: LocalStack, publisher: str, topic: str, body: dict[str, Any]) -> None:
    """Publish through the sidecar as a producer outside Dapr would: no trace context added."""
    endpoints = stack.endpoints[publisher]
    status, text = post_uninstrumented(
        f"{endpoints.dapr_url}/v1.0/publish/pubsub/{topic}?metadata.rawPayload=true",
        body,
        {"dapr-api-token": stack.tokens[publisher].dapr_api_token},
    )
    assert status == 204, text


def malformed_result(message_id: str, **trace_fields: str) -> dict[str, Any]:
    """A CloudEvent the orchestrator drops (its data is no AgentResult): it logs the drop."""
    envelope = {"specversion": "1.0", "id": message_id, "source": "calculator", "type": "t"}
    return {**envelope, **trace_fields, "datacontenttype": "application/json", "data": {}}


def is_delivery(span: Span, topic: str) -> bool:
    return (span["service"], span["process"], span["kind"]) == (
        "orchestrator",
        "app",
        "server",
    ) and span["name"].endswith(f"/{topic}")


def test_message_without_trace_context_is_recorded_on_delivery(stack: LocalStack) -> None:
    message_id = f"no-context-{secrets.token_hex(4)}"
    publish_raw(stack, "calculator", "agent.results.calculator", malformed_result(message_id))
    trace_id = log_line_about(stack, "orchestrator", f"dropping message {message_id}")["trace_id"]
    spans = spans_until(
        stack,
        trace_id,
        lambda spans: (
            any(is_delivery(s, "agent.results.calculator") for s in spans)
            and any(s["process"] == "daprd" for s in spans)
        ),
    )
    print(waterfall(spans))
    # daprd 1.18 starts no delivery span for a CloudEvent without trace fields: the
    # app's span is the root, and the sidecar records the work the delivery causes.
    assert [s for s in spans if not s["parent_span_id"]] == [
        s for s in spans if is_delivery(s, "agent.results.calculator")
    ]


def test_message_with_sampled_out_context_is_recorded_and_so_is_its_dead_letter(
    stack: LocalStack,
) -> None:
    trace_id, traceparent = sampled_out_traceparent()
    message_id = f"sampled-out-{secrets.token_hex(4)}"
    publish_raw(
        stack,
        "calculator",
        "agent.results.calculator",
        malformed_result(message_id, traceparent=traceparent),
    )
    assert (
        log_line_about(stack, "orchestrator", f"dropping message {message_id}")["trace_id"]
        == trace_id
    )
    spans = spans_until(
        stack,
        trace_id,
        lambda spans: (
            any(is_delivery(s, "agent.results.calculator") for s in spans)
            and any(is_delivery(s, "tasks.deadletter.orchestrator") for s in spans)
            and any((s["service"], s["process"]) == ("orchestrator", "daprd") for s in spans)
        ),
    )
    print(waterfall(spans))


# A Python agent with one in another language: TypeScript (units), Go (calendar).
OTHER_LANGUAGES = [
    pytest.param("Convert 5 km to miles.", "units", "3.1", id="typescript"),  # 3.10686 miles
    pytest.param("What day of the week is 25 December 2026?", "calendar", "Friday", id="go"),
]


@pytest.mark.parametrize(("question", "other", "answer"), OTHER_LANGUAGES)
def test_a_task_over_an_agent_in_another_language_and_a_python_agent_is_one_trace(
    stack: LocalStack, question: str, other: str, answer: str
) -> None:
    wait_registered(stack)
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": f"What is 17% of 240? {question}"})
    assert response.status_code == 201, response.text
    task = response.json()
    assert set(task["agents"]) == {"calculator", other}, task
    assert "40.8" in task["output"], task["output"]
    assert answer in task["output"], task["output"]
    trace_id = trace_of_task(stack, task["id"])
    wanted = {(app, p) for app in ("orchestrator", "calculator", other) for p in ("app", "daprd")}
    spans = wait_for_spans(stack, trace_id, wanted)
    print(waterfall(spans))
    ids = {s["span_id"] for s in spans}
    roots = [s for s in spans if s["parent_span_id"] not in ids]
    assert [(r["service"], r["name"]) for r in roots] == [("orchestrator", "POST /v1/tasks")]
    # Each agent's server span hangs under its own sidecar, under the orchestrator's.
    for agent in ("calculator", other):
        server = next(
            s for s in spans if (s["service"], s["process"], s["kind"]) == (agent, "app", "server")
        )
        hop = parent(spans, server)
        assert (hop["service"], hop["process"]) == (agent, "daprd")
        assert (parent(spans, hop)["service"], parent(spans, hop)["process"]) == (
            "orchestrator",
            "daprd",
        )
        assert any(line.get("trace_id") == trace_id for line in log_lines(stack, agent)), agent
