"""The TypeScript agent (agents/units) in the mesh, on real sidecars.

It speaks the A2A wire of hubspoke.agent/v2 (DESIGN-A2A.md). Everything here
goes through Dapr: the card and A2A calls through the orchestrator's own
sidecar (as the orchestrator calls agents), asynchronous work on its topic,
registrations read back from the broker.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from a2a.types import AgentCard
from a2a.utils.proto_utils import validate_proto_required_fields
from google.protobuf.json_format import ParseDict

from launcher import LocalStack
from launcher.traces import load_spans, waterfall
from tests.integration.conftest import publish_as, topic_events, wait_registered
from tests.integration.test_boundaries import denied, not_served
from tests.integration.test_observability import log_lines

APP = "units"


def invoke(
    stack: LocalStack, caller: str, target: str, method: str, verb: str = "POST"
) -> httpx.Response:
    with stack.client(caller, sidecar=True) as sidecar:
        return sidecar.request(verb, f"/v1.0/invoke/{target}/method/{method}", json={})


def in_a_minute() -> str:
    return (datetime.now(UTC) + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")


def step(
    text: str, deadline: str | None = None, skill: str | None = "convert-units"
) -> dict[str, Any]:
    """One step as the orchestrator sends it: an A2A Message (proto JSON)."""
    hubspoke: dict[str, Any] = {"deadline": deadline or in_a_minute()}
    if skill is not None:
        hubspoke["skill"] = skill
    return {
        "messageId": secrets.token_hex(16),
        "contextId": secrets.token_hex(16),
        "role": "ROLE_USER",
        "parts": [{"text": text}],
        "metadata": {"hubspoke": hubspoke},
    }


def send_message(
    stack: LocalStack, message: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    """A blocking A2A SendMessage from the orchestrator's sidecar to the agent's /a2a."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": message}}
    with stack.client("orchestrator", sidecar=True) as sidecar:
        return sidecar.post(
            f"/v1.0/invoke/{APP}/method/a2a",
            json=body,
            headers={"A2A-Version": "1.0", **(headers or {})},
        )


def task_of(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert "error" not in body, body
    task: dict[str, Any] = body["result"]["task"]
    return task


def status_text(task: dict[str, Any]) -> str:
    return str(task["status"]["message"]["parts"][0]["text"])


def test_card_through_dapr_passes_a2a_validation(stack: LocalStack) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        reply = sidecar.get(f"/v1.0/invoke/{APP}/method/.well-known/agent-card.json")
    assert reply.status_code == 200, reply.text
    raw = reply.json()
    card = ParseDict(raw, AgentCard())
    validate_proto_required_fields(card)  # raises on any REQUIRED field missing
    assert [i.protocol_binding for i in card.supported_interfaces] == [
        "JSONRPC",
        "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1",
    ]
    assert card.supported_interfaces[0].url == "http://localhost:3500/v1.0/invoke/units/method/a2a"
    app_port = str(stack.endpoints[APP].app_port)
    assert not any(app_port in i.url for i in card.supported_interfaces)
    (extension,) = raw["capabilities"]["extensions"]
    assert extension["uri"] == "https://hubspoke.dev/extensions/agent/v2"
    assert extension["params"]["appId"] == APP
    assert extension["params"]["contractVersion"] == "hubspoke.agent/v2"
    assert sorted(card.security_schemes) == ["daprApiToken", "daprMtls"]


def test_send_message_through_dapr_completes_with_the_answer(stack: LocalStack) -> None:
    task = task_of(send_message(stack, step("convert 5 km to miles")))
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    (answer,) = task["artifacts"]
    assert answer["name"] == "answer"
    text, data = answer["parts"]
    assert text["text"] == "5 km = 3.10686 miles"
    assert data["data"]["to"] == "miles"
    assert abs(data["data"]["result"] - 3.1068559611866697) < 1e-12


def test_nonsense_is_rejected_inside_a_jsonrpc_success(stack: LocalStack) -> None:
    task = task_of(send_message(stack, step("convert 1 km to kg")))
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert "cannot convert km to kg" in status_text(task)
    assert "artifacts" not in task or task["artifacts"] == []


def test_a_passed_deadline_fails_the_step(stack: LocalStack) -> None:
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    task = task_of(send_message(stack, step("convert 5 km to miles", deadline=past)))
    assert task["status"]["state"] == "TASK_STATE_FAILED"
    assert status_text(task) == "deadline passed"


def test_the_caller_trace_continues_into_the_agent(stack: LocalStack) -> None:
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{caller_span}-01"
    task = task_of(send_message(stack, step("72 °F in celsius"), {"traceparent": traceparent}))
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"

    deadline = time.monotonic() + 60  # daprd batches its spans for up to 5 s; longer under load
    while True:
        spans = [s for s in load_spans(stack.traces_file) if s["trace_id"] == trace_id]
        found = {(s["service"], s["process"]) for s in spans}
        if {("orchestrator", "daprd"), (APP, "daprd"), (APP, "app")} <= found:
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.5)
    print(waterfall(spans))
    by_id = {s["span_id"]: s for s in spans}
    server = next(
        s for s in spans if (s["service"], s["process"], s["kind"]) == (APP, "app", "server")
    )
    assert server["name"] == "POST /a2a"
    hop = by_id[server["parent_span_id"]]
    assert (hop["service"], hop["process"]) == (APP, "daprd")
    caller = by_id[hop["parent_span_id"]]
    assert (caller["service"], caller["process"]) == ("orchestrator", "daprd")
    assert caller["parent_span_id"] == caller_span
    # Its log lines carry the trace id.
    assert any(line.get("trace_id") == trace_id for line in log_lines(stack, APP))


def work_message(text: str, step_id: str, task_id: str) -> dict[str, Any]:
    message = step(text)
    message["messageId"] = step_id
    message["contextId"] = task_id
    return {
        "taskId": task_id,
        "stepId": step_id,
        "agent": APP,
        "deadline": in_a_minute(),
        "request": {"message": message},
    }


def test_async_work_is_answered_on_its_results_topic_once_per_step(stack: LocalStack) -> None:
    step_id, task_id = secrets.token_hex(16), secrets.token_hex(16)
    work = work_message("convert 3 cups to ml", step_id, task_id)
    for attempt in range(2):  # the same step sent again (a restarted orchestrator)
        topic = f"agent.requests.{APP}"
        reply = publish_as(stack, "orchestrator", topic, work, f"{step_id}-{attempt}")
        assert reply.status_code == 204, reply.text

    deadline = time.monotonic() + 60
    while True:
        results = [
            e["data"]
            for e in topic_events(stack, f"agent.results.{APP}")
            if e["data"].get("stepId") == step_id
        ]
        if len(results) == 2:
            break
        assert time.monotonic() < deadline, results
        time.sleep(0.3)
    first, again = results
    assert first == again  # the same answer, not a second piece of work
    assert (first["taskId"], first["agent"]) == (task_id, APP)
    assert first["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert first["task"]["artifacts"][0]["parts"][0]["text"] == "3 cups = 709.765 ml"
    worked = [
        line
        for line in log_lines(stack, APP)
        if line.get("msg") == "converted" and line.get("taskId") == first["task"]["id"]
    ]
    assert len(worked) == 1, worked


def test_registers_and_heartbeats_on_the_registry_topic(stack: LocalStack) -> None:
    deadline = time.monotonic() + 20
    while True:
        mine = [
            e["data"]
            for e in topic_events(stack, f"agents.registry.{APP}")
            if e["data"].get("app_id") == APP
        ]
        kinds = [m["kind"] for m in mine]
        if "register" in kinds and "heartbeat" in kinds:
            break
        assert time.monotonic() < deadline, kinds
        time.sleep(0.3)
    register = mine[kinds.index("register")]
    assert set(register) == {"kind", "app_id", "instance_id", "card", "sent_at"}
    datetime.fromisoformat(register["sent_at"])
    validate_proto_required_fields(ParseDict(register["card"], AgentCard()))


def test_appears_healthy_in_the_registry(stack: LocalStack) -> None:
    wait_registered(stack, (APP,))
    with stack.client("orchestrator") as client:
        view = client.get(f"/v1/agents/{APP}").json()
    assert (view["health"], view["registration"]) == ("healthy", "push")


# -- Boundaries: only the orchestrator may call it; it may call nobody ----------


def test_another_agent_cannot_call_it(stack: LocalStack) -> None:
    for method in ("a2a", ".well-known/agent-card.json"):
        assert not_served(invoke(stack, "calculator", APP, method)), method


@pytest.mark.parametrize("target", ["orchestrator", "calculator"])
def test_it_cannot_invoke_anyone(stack: LocalStack, target: str) -> None:
    # Service invocation is not among the APIs an agent's sidecar serves to its app.
    assert not_served(invoke(stack, APP, target, "a2a"))


def test_the_orchestrator_reaches_only_its_routes(stack: LocalStack) -> None:
    # Work arrives through the broker only: its delivery route is closed to invocation.
    route = f"events/pubsub/agent.requests.{APP}"
    assert denied(invoke(stack, "orchestrator", APP, route))
    # Deeper paths are denied by the sidecar; another verb on /a2a reaches the app (Dapr's
    # ACL trie holds one verb list for "/*": docs/agent-contract.md) and is answered 405.
    assert denied(invoke(stack, "orchestrator", APP, "a2a/x"))
    assert invoke(stack, "orchestrator", APP, "a2a", verb="GET").status_code == 405


def test_its_app_port_refuses_callers_without_the_app_token(stack: LocalStack) -> None:
    with stack.client(APP, credentials=False) as direct:
        assert direct.get("/.well-known/agent-card.json").status_code == 401
        reply = direct.post("/a2a", json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage"})
        assert reply.status_code == 401
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert direct.get("/healthz").status_code == 200


def test_it_may_publish_only_its_role_topics(stack: LocalStack) -> None:
    with stack.client(APP, sidecar=True) as sidecar:
        refused = sidecar.post("/v1.0/publish/pubsub/task.completed", json={})
        assert refused.status_code == 403, refused.text
        other = sidecar.post("/v1.0/publish/pubsub/agent.requests.calculator", json={})
        assert other.status_code == 403, other.text


# -- Figures: what the Node agent costs next to a Python agent ------------------


def rss_mb(stack: LocalStack, app_id: str) -> float:
    pid = stack.supervisor[app_id].popen.pid  # type: ignore[union-attr]
    with open(f"/proc/{pid}/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kib / 1024


def test_reports_its_memory_and_step_latency_next_to_the_calculator(stack: LocalStack) -> None:
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        task = task_of(send_message(stack, step("convert 5 km to miles")))
        timings.append((time.perf_counter() - started) * 1000)
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    timings.sort()
    units, calculator = rss_mb(stack, APP), rss_mb(stack, "calculator")
    print(
        f"units RSS {units:.0f} MB, calculator RSS {calculator:.0f} MB; "
        f"SendMessage through two sidecars p50 {timings[10]:.1f} ms, max {timings[-1]:.1f} ms"
    )
    assert 0 < units < 300
    assert timings[10] < 1000
