"""PENDING (the integrator enables it): a plan uses an external A2A agent.

Needs the A2A InvocationTransport (another helper's change: it calls
`AgentDirectory.route(app_id)` and sends an A2A SendMessage to
`/v1.0/invoke/<target>/method/<path>` on the orchestrator's daprd). Before it,
the orchestrator still POSTs `v1/invoke` to the endpoint, which the external
agent does not serve, and this test fails. Enable it by renaming this file to
`test_external_plan.py` once that transport is merged; it reuses the stack
and the sidecar-less agent of test_external_agents.py.
"""

from __future__ import annotations

from launcher import LocalStack
from tests.integration.test_external_agents import (  # noqa: F401 (pytest fixtures)
    NAME,
    External,
    external,
    hub,
)


def test_a_plan_calls_the_external_agent_through_its_http_endpoint(
    hub: LocalStack,  # noqa: F811
    external: External,  # noqa: F811
) -> None:
    with hub.client("orchestrator") as client:
        created = client.post("/v1/agents", json={"card_url": external.card_url})
        assert created.status_code == 201, created.text
        response = client.post(
            "/v1/tasks", json={"input": "count the words of: the quick brown fox jumps"}
        )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["agents"] == [NAME]
    [step] = task["steps"]
    assert (step["agent"], step["status"]) == (NAME, "completed")
    # The agent counted the words of what the plan sent it, with its own bearer
    # token added by the HTTPEndpoint (it answers nothing without it).
    assert step["output"] == f"{len(step['input'].split())} words"
    assert external.seen_headers()["authorization"] == f"Bearer {external.token}"
