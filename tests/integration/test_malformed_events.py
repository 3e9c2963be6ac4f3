"""A malformed CloudEvent from an agent harms nobody (issue 12, part 2).

An agent may publish on its `agents.registry.<app-id>`. daprd 1.18.2 panicked when it
delivered a CloudEvent whose `traceparent` is not a string (dapr/dapr PR
10319): one message from any agent took the orchestrator's sidecar down.
With daprd 1.18.3 the message reaches the orchestrator, which drops it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from launcher import LocalStack
from tests.integration.conftest import AGENTS, wait_registered

POISON = {
    "specversion": "1.0",
    "id": "malformed-traceparent-1",
    "source": "calculator",
    "type": "t",
    "traceparent": {"a": 1},
    "data": {},
}


def dropped_registrations(stack: LocalStack) -> int:
    text = stack.supervisor["orchestrator"].log_path.read_text(errors="replace")
    return text.count("dropping malformed registration")


def test_a_cloudevent_with_an_object_traceparent_is_dropped_and_nothing_crashes(
    stack: LocalStack,
) -> None:
    before = {p.name: (p.pid, p.restarts) for p in stack.supervisor.processes}
    events_before = len(stack.supervisor.events)
    drops_before = dropped_registrations(stack)
    with stack.client("calculator", sidecar=True) as sidecar:  # the agent's own Dapr API token
        published = sidecar.post(
            "/v1.0/publish/pubsub/agents.registry.calculator",
            content=json.dumps(POISON),
            headers={"content-type": "application/cloudevents+json"},
        )
    assert published.status_code == 204, published.text

    # Generous: on a loaded machine the registry topic's backlog of heartbeats comes first.
    deadline = time.monotonic() + 120
    while dropped_registrations(stack) == drops_before:
        assert time.monotonic() < deadline, "the orchestrator never received the message"
        time.sleep(0.2)

    # Every sidecar and app is the very process it was: none crashed, none was restarted.
    after = {p.name: (p.pid, p.restarts) for p in stack.supervisor.processes}
    assert after == before
    assert all(p.alive for p in stack.supervisor.processes)
    assert stack.supervisor.events[events_before:] == []
    orchestrator_sidecar = stack.supervisor["orchestrator.daprd"].log_path.read_text()
    assert "panic" not in orchestrator_sidecar.lower()
    # The registry keeps answering, and heartbeats still flow through the same sidecar.
    with stack.client("orchestrator") as client:
        agents = client.get("/v1/agents")
    assert agents.status_code == 200
    assert set(AGENTS) <= {a["app_id"] for a in agents.json()["agents"]}
    wait_registered(stack, timeout_s=20, since=datetime.now(UTC))
    with stack.client("orchestrator") as client:
        task = client.post("/v1/tasks", json={"input": "2+3"}).json()
    assert (task["agent"], task["output"]) == ("calculator", "2 + 3 = 5")
