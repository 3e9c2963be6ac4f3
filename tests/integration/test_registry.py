"""The live agent registry on real sidecars: registration, liveness, refusals, restarts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx

from launcher import LocalStack
from tests.integration.conftest import AGENTS, FAST_REGISTRY, publish_as, wait_registered

UNHEALTHY_AFTER_S = float(FAST_REGISTRY["ORCHESTRATOR_UNHEALTHY_AFTER_SECONDS"])
REMOVE_AFTER_S = float(FAST_REGISTRY["ORCHESTRATOR_REMOVE_AFTER_SECONDS"])
SWEEP_S = float(FAST_REGISTRY["ORCHESTRATOR_REGISTRY_SWEEP_SECONDS"])


def agent(stack: LocalStack, app_id: str) -> httpx.Response:
    with stack.client("orchestrator") as client:
        return client.get(f"/v1/agents/{app_id}")


def seconds_until(check: Any, timeout_s: float) -> float:
    """How long until `check()` holds; fails after `timeout_s`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout_s, f"not true after {timeout_s}s"
        time.sleep(0.05)
    return time.monotonic() - start


def publish_calculator_message(stack: LocalStack, *, via: str, kind: str, instance: str) -> None:
    """Publish a registration message for the calculator (with its real card) from `via`."""
    with stack.client("calculator") as client:
        card = client.get("/.well-known/agent-card.json").json()
    message = {
        "kind": kind,
        "app_id": "calculator",
        "instance_id": instance,
        "card": card,
        "sent_at": datetime.now(UTC).isoformat(),
    }
    response = publish_as(stack, via, f"agents.registry.{via}", message)
    assert response.status_code == 204, response.text


def test_agents_appear_in_the_registry_after_start(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        agents = {a["app_id"]: a for a in client.get("/v1/agents").json()["agents"]}
    assert set(agents) == set(AGENTS)  # every agent dapr.yaml declares
    for view in agents.values():
        assert (view["health"], view["live_instances"], view["registration"]) == (
            "healthy",
            1,
            "push",
        )


def test_killed_agent_turns_unhealthy_is_removed_and_comes_back(stack: LocalStack) -> None:
    stack.kill_app("calculator")
    try:
        to_unhealthy = seconds_until(
            lambda: agent(stack, "calculator").json().get("health") == "unhealthy",
            timeout_s=UNHEALTHY_AFTER_S + 2 * SWEEP_S + 1,
        )
        to_removed = seconds_until(
            lambda: agent(stack, "calculator").status_code == 404,
            timeout_s=REMOVE_AFTER_S + 2 * SWEEP_S + 2,
        )
    finally:
        stack.start_app("calculator")
    back = seconds_until(lambda: agent(stack, "calculator").status_code == 200, timeout_s=15)
    wait_registered(stack)
    print(
        f"unhealthy after {to_unhealthy:.1f}s, removed {to_removed:.1f}s later, back in {back:.1f}s"
    )


def test_incompatible_contract_is_refused_with_its_reason(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        response = client.post("/v1/agents", json={"app_id": "legacy"})
        refusals = client.get("/v1/agents/refusals").json()["refusals"]
    assert response.status_code == 422
    assert response.json()["detail"].endswith(
        "contract hubspoke.agent/v1 is incompatible with hubspoke.agent/v2, "
        "the contract of this orchestrator"
    )
    assert any(r["app_id"] == "legacy" and "incompatible" in r["reason"] for r in refusals)
    assert agent(stack, "legacy").status_code == 404


def test_registration_sent_by_another_app_is_refused(stack: LocalStack) -> None:
    publish_calculator_message(stack, via="summarizer", kind="register", instance="impostor")

    def refused() -> bool:
        with stack.client("orchestrator") as client:
            refusals = client.get("/v1/agents/refusals").json()["refusals"]
        return any("was sent by 'summarizer'" in r["reason"] for r in refusals)

    seconds_until(refused, timeout_s=10)
    assert agent(stack, "calculator").json()["live_instances"] == 1


def test_instances_of_one_app_id_count_as_one_agent(stack: LocalStack) -> None:
    def calculator() -> tuple[str, int]:
        """(health, live instances), read together: two reads could straddle a heartbeat."""
        response = agent(stack, "calculator")
        assert response.status_code == 200, response.text  # the agent never goes away
        view = response.json()
        return view["health"], view["live_instances"]

    publish_calculator_message(stack, via="calculator", kind="heartbeat", instance="second")
    seconds_until(lambda: calculator()[1] == 2, 10)
    # The second instance sends nothing more: it drops out of the count, the agent stays.
    seconds_until(lambda: calculator()[1] == 1, UNHEALTHY_AFTER_S + 3)
    # Healthy, though maybe not at once: if the previous test's kill left the calculator's
    # circuit breaker open, probes fail until its 5 s half-open trial passes.
    seconds_until(lambda: calculator() == ("healthy", 1), 12)


def test_registry_survives_an_orchestrator_restart(stack: LocalStack) -> None:
    before = agent(stack, "summarizer").json()
    restarted_at = datetime.now(UTC)
    stack.kill_app("orchestrator")
    stack.start_app("orchestrator")
    # Read at once: the record comes from the state store, not from a new registration.
    after = agent(stack, "summarizer")
    assert after.status_code == 200, after.text
    assert after.json()["registered_at"] == before["registered_at"]
    wait_registered(stack, since=restarted_at)
