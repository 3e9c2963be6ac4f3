"""Zero-trust boundaries on real sidecars with mTLS (Sentry) and access control.

The star: the orchestrator may call agents, on exactly the contract's routes
(POST /a2a, GET /healthz, GET the card);
agents may call nobody (their sidecars serve no invocation API at all); each
sidecar serves its app only the Dapr APIs its role uses; apps accept only their
own sidecar; sidecars accept only their own app; each role may use only the
topics and state it needs; Redis lets in only the sidecars (no app holds its
credentials); the public API needs a key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

import grpc  # type: ignore[import-untyped]
import httpx
import pytest
from dapr.proto import api_service_v1, api_v1, common_v1
from google.protobuf import any_pb2

from launcher import LocalStack
from tests.integration.conftest import redis_cli

# An A2A SendMessage (JSON-RPC) as the orchestrator sends a step.
A2A_BODY = {
    "jsonrpc": "2.0",
    "id": "boundary-test",
    "method": "SendMessage",
    "params": {
        "message": {
            "messageId": "b" * 32,
            "contextId": "boundary-test",
            "role": "ROLE_USER",
            "parts": [{"text": "2+2"}],
        }
    },
}


def invoke_via(stack: LocalStack, caller: str, target: str, method: str) -> httpx.Response:
    body = A2A_BODY if method == "a2a" else {"input": "2+2"}
    headers = {"A2A-Version": "1.0"}
    with stack.client(caller, sidecar=True) as sidecar:
        if method.endswith("healthz") or method.endswith(".json"):
            return sidecar.get(f"/v1.0/invoke/{target}/method/{method}")
        return sidecar.post(f"/v1.0/invoke/{target}/method/{method}", json=body, headers=headers)


def calls_recorded_by_legacy(stack: LocalStack) -> int:
    with stack.client("legacy") as client:
        return len(client.get("/v1/calls").json())


def denied(response: httpx.Response) -> bool:
    return response.status_code == 403 and "PermissionDenied" in response.text


def not_served(response: httpx.Response) -> bool:
    """The sidecar has no such API (spec.api): chi's 404, before any handler or ACL."""
    return response.status_code == 404 and "PermissionDenied" not in response.text


def strays_of_legacy(stack: LocalStack) -> list[str]:
    with stack.client("legacy") as client:
        strays: list[str] = client.get("/v1/strays").json()
        return strays


def test_orchestrator_may_call_what_agents_allow(stack: LocalStack) -> None:
    for method in ("a2a", "healthz", ".well-known/agent-card.json"):
        response = invoke_via(stack, "orchestrator", "calculator", method)
        assert response.status_code == 200, (method, response.text)
    task = invoke_via(stack, "orchestrator", "calculator", "a2a").json()["result"]["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"


def test_orchestrator_may_not_call_other_agent_routes(stack: LocalStack) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.get("/v1.0/invoke/summarizer/method/v1/activity")
    assert denied(response), response.text


@pytest.mark.parametrize(
    ("caller", "target"), [("calculator", "summarizer"), ("summarizer", "calculator")]
)
def test_agent_cannot_invoke_another_agent(stack: LocalStack, caller: str, target: str) -> None:
    assert not_served(invoke_via(stack, caller, target, "a2a"))
    assert not_served(invoke_via(stack, caller, target, "healthz"))
    assert not_served(invoke_via(stack, caller, target, ".well-known/agent-card.json"))


def test_refused_call_never_reaches_the_target_app(stack: LocalStack) -> None:
    before = calls_recorded_by_legacy(stack)
    assert not_served(invoke_via(stack, "calculator", "legacy", "a2a"))
    assert calls_recorded_by_legacy(stack) == before
    # The same call from the orchestrator does arrive: the recorder works.
    assert invoke_via(stack, "orchestrator", "legacy", "a2a").status_code == 200
    assert calls_recorded_by_legacy(stack) == before + 1


def test_agent_cannot_invoke_another_app_by_url(stack: LocalStack) -> None:
    legacy = stack.endpoints["legacy"]
    url = quote(f"http://127.0.0.1:{legacy.app_port}", safe="")
    before = calls_recorded_by_legacy(stack)
    for caller in ("calculator", "summarizer", "knowledge", "units", "calendar"):
        with stack.client(caller, sidecar=True) as sidecar:
            response = sidecar.post(f"/v1.0/invoke/{url}/method/a2a", json=A2A_BODY)
        assert not_served(response), (caller, response.status_code, response.text)
    assert calls_recorded_by_legacy(stack) == before


def _invoke_over_grpc(stack: LocalStack, caller: str, target: str) -> object:
    """InvokeService on the caller's daprd gRPC port, with the caller's Dapr API token."""
    port = stack.endpoints[caller].dapr_grpc_port
    token = stack.tokens[caller].dapr_api_token
    request = api_v1.InvokeServiceRequest(
        id=target,
        message=common_v1.InvokeRequest(
            method="a2a",
            data=any_pb2.Any(value=json.dumps(A2A_BODY).encode()),
            content_type="application/json",
            http_extension=common_v1.HTTPExtension(verb=common_v1.HTTPExtension.Verb.POST),
        ),
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = api_service_v1.DaprStub(channel)  # type: ignore[no-untyped-call]
        return stub.InvokeService(request, metadata=[("dapr-api-token", token)], timeout=30)


def test_agent_sidecar_refuses_invocation_over_grpc(stack: LocalStack) -> None:
    legacy_url = f"http://127.0.0.1:{stack.endpoints['legacy'].app_port}"
    before = calls_recorded_by_legacy(stack)
    for target in ("legacy", legacy_url):
        with pytest.raises(grpc.RpcError) as refused:
            _invoke_over_grpc(stack, "calculator", target)
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED, refused.value.details()
    assert calls_recorded_by_legacy(stack) == before
    # The orchestrator's sidecar serves it, and the call arrives: the probe can pass.
    _invoke_over_grpc(stack, "orchestrator", "legacy")
    assert calls_recorded_by_legacy(stack) == before + 1


@pytest.mark.parametrize("method", ["a2a", "v1/tasks", "v1/agents", "healthz"])
@pytest.mark.parametrize("caller", ["calculator", "summarizer", "knowledge", "units", "calendar"])
def test_agent_cannot_invoke_the_orchestrator(stack: LocalStack, caller: str, method: str) -> None:
    with stack.client(caller, sidecar=True) as sidecar:
        response = sidecar.post(f"/v1.0/invoke/orchestrator/method/{method}", json=A2A_BODY)
    assert not_served(response), response.text


@pytest.mark.parametrize(
    ("verb", "method"),
    [
        ("POST", "a2a/x"),
        ("POST", "a2a/x/y"),
        ("GET", "healthz/a/b"),
        ("GET", "healthz/a"),
        ("GET", ".well-known/agent-card.json/x"),
        ("POST", "v1/invoke"),  # contract v1's route
        ("POST", "v1/activity"),
        ("GET", "openapi.json"),
        ("GET", "docs"),
        ("POST", "dapr/subscribe"),
        ("POST", "events/pubsub/agent.requests.legacy"),
    ],
)
def test_policy_operations_are_exact(stack: LocalStack, verb: str, method: str) -> None:
    before = strays_of_legacy(stack)
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.request(verb, f"/v1.0/invoke/legacy/method/{method}", json={})
    assert denied(response), (method, response.status_code, response.text)
    assert strays_of_legacy(stack) == before  # denied by the sidecar, never reached the app


@pytest.mark.parametrize("agent", ["calculator", "summarizer", "knowledge"])
def test_orchestrator_reaches_only_the_contract_routes_of_an_agent(
    stack: LocalStack, agent: str
) -> None:
    """Every route the agent serves (its OpenAPI document) but the three of the contract is 403."""
    with stack.client(agent) as direct:
        paths = direct.get("/openapi.json").json()["paths"]
    allowed = {("POST", "/a2a"), ("GET", "/healthz"), ("GET", "/.well-known/agent-card.json")}
    served = {(verb.upper(), path) for path, ops in paths.items() for verb in ops}
    served |= {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/redoc")}
    served |= {("POST", "/a2a")}  # the a2a-sdk's JSON-RPC route: outside the OpenAPI document
    assert allowed <= served
    with stack.client("orchestrator", sidecar=True) as sidecar:
        for verb, path in sorted(served - allowed):
            concrete = path.replace("{", "").replace("}", "")  # a template: any value will do
            response = sidecar.request(verb, f"/v1.0/invoke/{agent}/method{concrete}", json={})
            assert denied(response), (verb, path, response.status_code, response.text)


def test_only_the_orchestrator_itself_reaches_its_callbacks(stack: LocalStack) -> None:
    """Self-invocation skips access control in Dapr; only the holder of the token can do it.

    The orchestrator's sidecar hands /dapr/subscribe and /events/... to the app
    it belongs to, but it takes calls from that app only (its Dapr API token),
    and no other app's sidecar serves invocation; the app calling itself gains
    nothing it could not do in-process.
    """
    path = "/v1.0/invoke/orchestrator/method/dapr/subscribe"
    with stack.client("orchestrator", sidecar=True, credentials=False) as anonymous:
        assert anonymous.get(path).status_code == 401
    with stack.client("orchestrator", sidecar=True) as own:
        foreign = {"dapr-api-token": stack.tokens["calculator"].dapr_api_token}
        assert own.get(path, headers=foreign).status_code == 401
        assert own.get(path).status_code == 200  # the app itself, through its own sidecar
    with stack.client("calculator", sidecar=True) as agent:
        assert not_served(agent.get(path))


def test_app_port_without_the_app_token_is_401(stack: LocalStack) -> None:
    a2a = {"A2A-Version": "1.0"}
    with stack.client("calculator", credentials=False) as direct:
        assert direct.post("/a2a", json=A2A_BODY, headers=a2a).status_code == 401
        assert direct.get("/.well-known/agent-card.json").status_code == 401
        assert direct.get("/healthz").status_code == 200
    with stack.client("calculator") as with_token:
        assert with_token.post("/a2a", json=A2A_BODY, headers=a2a).status_code == 200
    with stack.client("orchestrator", credentials=False) as direct:
        assert direct.get("/dapr/subscribe").status_code == 401


def test_sidecar_without_the_dapr_api_token_is_401(stack: LocalStack) -> None:
    with stack.client("calculator", sidecar=True, credentials=False) as sidecar:
        assert sidecar.get("/v1.0/state/statestore/k").status_code == 401
        assert (
            sidecar.post("/v1.0/publish/pubsub/agents.registry.calculator", json={}).status_code
            == 401
        )
    with stack.client("calculator", sidecar=True) as sidecar:
        assert sidecar.get("/v1.0/state/statestore/k").status_code == 204


# What each role's sidecar serves its app (dapr-config/*.yaml, spec.api): the
# probes below are one route of every other API of Dapr 1.18.
ROLE_APIS = {
    "orchestrator": {"invoke", "state", "publish"},
    "calculator": {"state", "publish"},
}
API_PROBES = {
    "invoke": ("POST", "/v1.0/invoke/legacy/method/a2a"),
    "state": ("GET", "/v1.0/state/statestore/probe"),
    "publish": ("POST", "/v1.0/publish/pubsub/tasks.deadletter.{role}"),  # each its own
    "secrets": ("GET", "/v1.0/secrets/sidecar-secrets/redis-password"),
    "bulk secrets": ("GET", "/v1.0/secrets/sidecar-secrets/bulk"),
    "metadata": ("GET", "/v1.0/metadata"),
    "bindings": ("POST", "/v1.0/bindings/anything"),
    "actors": ("GET", "/v1.0/actors/type/id/state/key"),
    "configuration": ("GET", "/v1.0/configuration/anything"),
    "lock": ("POST", "/v1.0-alpha1/lock/anything"),
    "workflows": ("GET", "/v1.0-beta1/workflows/dapr/anything"),
    "jobs": ("GET", "/v1.0-alpha1/jobs/anything"),
    "crypto": ("PUT", "/v1.0-alpha1/crypto/encrypt"),
    "conversation": ("POST", "/v1.0-alpha2/conversation/anything/converse"),
    "shutdown": ("POST", "/v1.0/shutdown"),
}


@pytest.mark.parametrize("role", sorted(ROLE_APIS))
def test_each_role_sidecar_serves_only_the_apis_it_uses(stack: LocalStack, role: str) -> None:
    with stack.client(role, sidecar=True) as sidecar:
        for api, (verb, path) in API_PROBES.items():
            body = None if verb == "GET" else {"task_id": "probe", "input": "1"}
            response = sidecar.request(verb, path.format(role=role), json=body)
            if api in ROLE_APIS[role]:
                assert response.status_code < 300, (api, response.status_code, response.text)
            else:
                assert response.status_code == 404, (api, response.status_code, response.text)


@pytest.mark.parametrize("role", sorted(ROLE_APIS))
def test_each_role_sidecar_serves_only_its_apis_over_grpc(stack: LocalStack, role: str) -> None:
    port = stack.endpoints[role].dapr_grpc_port
    auth = [("dapr-api-token", stack.tokens[role].dapr_api_token)]
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = api_service_v1.DaprStub(channel)  # type: ignore[no-untyped-call]
        stub.GetState(api_v1.GetStateRequest(store_name="statestore", key="k"), metadata=auth)
        refused: list[Callable[[], object]] = [
            lambda: stub.GetSecret(
                api_v1.GetSecretRequest(store_name="sidecar-secrets", key="redis-password"),
                metadata=auth,
            ),
            lambda: stub.GetMetadata(api_v1.GetMetadataRequest(), metadata=auth),
            lambda: stub.InvokeBinding(api_v1.InvokeBindingRequest(name="x"), metadata=auth),
        ]
        for call in refused:
            with pytest.raises(grpc.RpcError) as error:
                call()
            assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED, error.value.details()


@pytest.mark.parametrize(
    ("publisher", "topic"),
    [
        ("calculator", "task.completed"),
        ("summarizer", "task.completed"),
        ("orchestrator", "agents.registry.calculator"),
        ("calculator", "agents.registry.units"),
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


FORGED = ("XADD", "agents.registry", "*", "data", '{"source":"calculator","kind":"deregister"}')


def test_redis_refuses_clients_without_credentials(stack: LocalStack) -> None:
    commands = [
        FORGED,
        ("XRANGE", "agents.registry", "-", "+"),
        ("XREADGROUP", "GROUP", "orchestrator", "x", "STREAMS", "agents.registry", ">"),
        ("KEYS", "*"),
        ("GET", "orchestrator||registry-index"),
        ("HGETALL", "orchestrator||registry-index"),
        ("SET", "calculator||k", "v"),
        ("PING",),
    ]
    for command in commands:
        assert "NOAUTH" in redis_cli(stack, *command), command
    assert "WRONGPASS" in redis_cli(stack, "AUTH", "default", "guess")


def test_each_sidecar_redis_user_reaches_only_its_role_keys(stack: LocalStack) -> None:
    # The calculator's credentials work for its role (a registration is what it publishes)...
    assert "NOAUTH" not in redis_cli(stack, "XLEN", "agents.registry", user="calculator")
    # ...and nowhere else: not the orchestrator's state, queue or another agent's work.
    for key in ("orchestrator||registry-index", "tasks.requested", "agent.requests.summarizer"):
        assert "NOPERM" in redis_cli(stack, "XLEN", key, user="calculator"), key
    assert "NOPERM" in redis_cli(stack, "CONFIG", "GET", "*", user="orchestrator")


def test_redis_credentials_stay_with_the_sidecars(stack: LocalStack) -> None:
    passwords = list(stack.redis_users.passwords.values())
    for app_id in stack.endpoints:
        pid = stack.supervisor[app_id].popen.pid  # type: ignore[union-attr]
        with open(f"/proc/{pid}/environ", "rb") as environ:
            env = environ.read()
        assert env, app_id
        assert not any(p.encode() in env for p in passwords), app_id
        with stack.client(app_id, sidecar=True) as sidecar:  # nor through its sidecar
            assert sidecar.get("/v1.0/secrets/sidecar-secrets/redis-password").status_code == 404
    folder = stack.redis_users.folder
    assert folder.stat().st_mode & 0o777 == 0o700
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
