"""Zero-trust boundaries on real sidecars with mTLS (Sentry) and access control.

The star: the orchestrator may call agents; agents may call nobody; apps accept
only their own sidecar; sidecars accept only their own app; each role may use
only the topics and state it needs; the public API needs a key.
"""

from __future__ import annotations

import httpx
import pytest

from launcher import LocalStack


def invoke_via(stack: LocalStack, caller: str, target: str, method: str) -> httpx.Response:
    body = {"task_id": "boundary-test", "input": "2+2"}
    with stack.client(caller, sidecar=True) as sidecar:
        if method.endswith("healthz") or method.endswith(".json"):
            return sidecar.get(f"/v1.0/invoke/{target}/method/{method}")
        return sidecar.post(f"/v1.0/invoke/{target}/method/{method}", json=body)


def calls_recorded_by_legacy(stack: LocalStack) -> int:
    with stack.client("legacy") as client:
        return len(client.get("/v1/calls").json())


def denied(response: httpx.Response) -> bool:
    return response.status_code == 403 and "PermissionDenied" in response.text


def test_orchestrator_may_call_what_agents_allow(stack: LocalStack) -> None:
    for method in ("v1/invoke", "healthz", ".well-known/agent-card.json"):
        response = invoke_via(stack, "orchestrator", "calculator", method)
        assert response.status_code == 200, (method, response.text)


def test_orchestrator_may_not_call_other_agent_routes(stack: LocalStack) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.get("/v1.0/invoke/summarizer/method/v1/activity")
    assert denied(response), response.text


@pytest.mark.parametrize(
    ("caller", "target"), [("calculator", "summarizer"), ("summarizer", "calculator")]
)
def test_agent_cannot_invoke_another_agent(stack: LocalStack, caller: str, target: str) -> None:
    assert denied(invoke_via(stack, caller, target, "v1/invoke"))
    assert denied(invoke_via(stack, caller, target, "healthz"))


def test_denied_call_never_reaches_the_target_app(stack: LocalStack) -> None:
    before = calls_recorded_by_legacy(stack)
    assert denied(invoke_via(stack, "calculator", "legacy", "v1/invoke"))
    assert calls_recorded_by_legacy(stack) == before
    # The same call from the orchestrator does arrive: the recorder works.
    assert invoke_via(stack, "orchestrator", "legacy", "v1/invoke").status_code == 200
    assert calls_recorded_by_legacy(stack) == before + 1


@pytest.mark.parametrize("method", ["v1/tasks", "v1/agents", "healthz"])
def test_agent_cannot_invoke_the_orchestrator(stack: LocalStack, method: str) -> None:
    with stack.client("calculator", sidecar=True) as sidecar:
        response = sidecar.post(f"/v1.0/invoke/orchestrator/method/{method}", json={"input": "1"})
    assert denied(response), response.text


def test_app_port_without_the_app_token_is_401(stack: LocalStack) -> None:
    body = {"task_id": "t", "input": "2+2"}
    with stack.client("calculator", credentials=False) as direct:
        assert direct.post("/v1/invoke", json=body).status_code == 401
        assert direct.get("/.well-known/agent-card.json").status_code == 401
        assert direct.get("/healthz").status_code == 200
    with stack.client("calculator") as with_token:
        assert with_token.post("/v1/invoke", json=body).status_code == 200
    with stack.client("orchestrator", credentials=False) as direct:
        assert direct.get("/dapr/subscribe").status_code == 401


def test_sidecar_without_the_dapr_api_token_is_401(stack: LocalStack) -> None:
    with stack.client("calculator", sidecar=True, credentials=False) as sidecar:
        assert sidecar.get("/v1.0/metadata").status_code == 401
        assert sidecar.post("/v1.0/publish/pubsub/agents.registry", json={}).status_code == 401
    with stack.client("calculator", sidecar=True) as sidecar:
        assert sidecar.get("/v1.0/metadata").status_code == 200


@pytest.mark.parametrize(
    ("publisher", "topic"),
    [
        ("calculator", "task.completed"),
        ("summarizer", "task.completed"),
        ("orchestrator", "agents.registry"),
    ],
)
def test_publishing_outside_the_role_topics_is_refused(
    stack: LocalStack, publisher: str, topic: str
) -> None:
    with stack.client(publisher, sidecar=True) as sidecar:
        response = sidecar.post(f"/v1.0/publish/pubsub/{topic}", json={"forged": True})
    assert response.status_code == 403, response.text


def test_an_agent_cannot_read_another_apps_state(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        task = client.post("/v1/tasks", json={"input": "5*5"}).json()
    key = f"/v1.0/state/statestore/task-{task['id']}"
    with stack.client("orchestrator", sidecar=True) as own:
        assert own.get(key).status_code == 200
    for agent in ("summarizer", "calculator"):
        with stack.client(agent, sidecar=True) as other:
            assert other.get(key).status_code == 204  # keys are prefixed per app-id
    with stack.client("legacy", sidecar=True) as unscoped:
        assert unscoped.get(key).status_code >= 400  # not scoped: no state store at all


def test_public_api_needs_the_api_key(stack: LocalStack) -> None:
    with stack.client("orchestrator", credentials=False) as anonymous:
        response = anonymous.post("/v1/tasks", json={"input": "1+1"})
        assert response.status_code == 401
        assert anonymous.get("/v1/agents").status_code == 401
    with stack.client("orchestrator") as keyed:
        assert keyed.post("/v1/tasks", json={"input": "1+1"}).status_code == 201
