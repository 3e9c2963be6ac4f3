"""An agent serves a call only on the path its sidecar authorised (issue 22, part 2).

The agents' policy allows the orchestrator any one root segment (`/*`, see
dapr-config/agent.yaml). daprd checks the method as it holds it and forwards
it undecoded, so a separator encoded inside one segment (`v1%2Factivity`)
passes the policy; an app that decodes before routing then serves
`/v1/activity`, which the policy denies. Over HTTP daprd decodes the URL once,
so the caller writes `%252F`; over gRPC the method is taken as given, so one
`%2F` is enough. Every agent answers such a path 400 before routing
(chassis/raw_path.py, agents/units/src/raw-path.ts). daprd itself refuses
control characters in a method and denies `..%2F` traversal; the last tests
pin those facts of Dapr 1.18.3 that the hub relies on.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator

import grpc  # type: ignore[import-untyped]
import httpx
import pytest
from dapr.proto import api_service_v1, api_v1, common_v1
from google.protobuf import any_pb2

from launcher import LocalStack
from tests.integration.conftest import AGENTS

GUARD = "sidecar authorised"
BREAKER_WAIT_S = 60.0  # in the detail of the apps' 400 (chassis/raw_path.py)

# Routes the policy denies, that every agent serves: (verb, segments).
DENIED_ROUTES = {
    "subscription": ("GET", ["dapr", "subscribe"]),
    "work delivery": ("POST", ["events", "pubsub", "agent.requests.{agent}"]),
}
# One segment each once daprd has decoded the URL: how the separators are disguised.
Disguise = Callable[[list[str]], str]
HTTP_DISGUISES: dict[str, Disguise] = {
    "%2F": lambda parts: "%252F".join(parts),
    "%2f": lambda parts: "%252f".join(parts),
    "%5C": lambda parts: "%255C".join(parts),
    "%252F": lambda parts: "%25252F".join(parts),
    "..%2F": lambda parts: "x%252F..%252F" + "%252F".join(parts),
    "%2E%2E%2F": lambda parts: "x%252F%252E%252E%252F" + "%252F".join(parts),
}
GRPC_DISGUISES: dict[str, Disguise] = {
    "%2F": lambda parts: "%2F".join(parts),
    "%2f": lambda parts: "%2f".join(parts),
    "%5C": lambda parts: "%5C".join(parts),
    "..%2F": lambda parts: "x%2F..%2F" + "%2F".join(parts),
}


@pytest.fixture(autouse=True)
def _breakers_closed_after(stack: LocalStack) -> Iterator[None]:
    """Leave every agent's circuit breaker closed for the tests that share the stack.

    Dapr counts each refused call (the app's 400, the policy's 403) as a failure
    of the orchestrator's breaker for that agent (components/common/resiliency.yaml:
    open after more than 5 in a row, for 5 s). A successful call resets the count,
    or, once the breaker is open, closes it at its trial after 5 s.
    """
    yield
    give_up = time.monotonic() + BREAKER_WAIT_S
    with stack.client("orchestrator", sidecar=True) as sidecar:
        for agent in AGENTS:
            while sidecar.get(f"/v1.0/invoke/{agent}/method/healthz").status_code != 200:
                assert time.monotonic() < give_up, f"the breaker for {agent} stayed open"
                time.sleep(0.5)


def _method(agent: str, route: str, disguise: str, table: dict[str, Disguise]) -> tuple[str, str]:
    verb, parts = DENIED_ROUTES[route]
    return verb, table[disguise]([p.format(agent=agent) for p in parts])


def refused_before_routing(response: httpx.Response) -> bool:
    """The app's guard answered 400, or the sidecar denied the call: no handler ran."""
    if response.status_code == 403 and "PermissionDenied" in response.text:
        return True
    return response.status_code == 400 and GUARD in response.text


def _invoke_grpc(stack: LocalStack, target: str, method: str, verb: str, body: bytes) -> bytes:
    """InvokeService on the orchestrator's daprd; the app's answer body, or grpc.RpcError."""
    port = stack.endpoints["orchestrator"].dapr_grpc_port
    token = stack.tokens["orchestrator"].dapr_api_token
    request = api_v1.InvokeServiceRequest(
        id=target,
        message=common_v1.InvokeRequest(
            method=method,
            data=any_pb2.Any(value=body),
            content_type="application/json",
            http_extension=common_v1.HTTPExtension(verb=common_v1.HTTPExtension.Verb.Value(verb)),
        ),
    )
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = api_service_v1.DaprStub(channel)  # type: ignore[no-untyped-call]
        answer = stub.InvokeService(request, metadata=[("dapr-api-token", token)], timeout=30)
    data: bytes = answer.data.value
    return data


def _grpc_refusal(stack: LocalStack, target: str, method: str, verb: str, body: bytes) -> str:
    """What refused the call over gRPC; fails if it was served.

    daprd reports an app's HTTP error over gRPC as INTERNAL with the status
    text only ("Bad Request": the guard's 400; the body is not passed on).
    """
    try:
        served = _invoke_grpc(stack, target, method, verb, body)
    except grpc.RpcError as refused:
        code, details = refused.code(), str(refused.details())
    else:
        pytest.fail(f"{method!r} was served over gRPC: {served[:200]!r}")
    by_app = code == grpc.StatusCode.INTERNAL and details == "Bad Request"
    by_policy = code == grpc.StatusCode.PERMISSION_DENIED
    assert by_app or by_policy, (method, code, details)
    return details


DISGUISES = [("http", d) for d in sorted(HTTP_DISGUISES)] + [
    ("grpc", d) for d in sorted(GRPC_DISGUISES)
]


@pytest.mark.parametrize(("transport", "disguise"), DISGUISES)
@pytest.mark.parametrize("route", sorted(DENIED_ROUTES))
@pytest.mark.parametrize("agent", AGENTS)
def test_encoded_separators_never_reach_a_handler(
    stack: LocalStack, agent: str, route: str, transport: str, disguise: str
) -> None:
    if transport == "grpc":
        verb, method = _method(agent, route, disguise, GRPC_DISGUISES)
        _grpc_refusal(stack, agent, method, verb, b"{}")
        return
    verb, method = _method(agent, route, disguise, HTTP_DISGUISES)
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.request(verb, f"/v1.0/invoke/{agent}/method/{method}", json={})
    assert refused_before_routing(response), (method, response.status_code, response.text)


def _summarizer_activity(stack: LocalStack) -> str:
    with stack.client("summarizer") as direct:
        response = direct.get("/v1/activity")
    assert response.status_code == 200, response.text
    return response.text


def test_the_summarizers_activity_is_not_returned_through_a_disguised_path(
    stack: LocalStack,
) -> None:
    activity = _summarizer_activity(stack)
    with stack.client("orchestrator", sidecar=True) as sidecar:
        plain = sidecar.get("/v1.0/invoke/summarizer/method/v1/activity")
        disguised = sidecar.get("/v1.0/invoke/summarizer/method/v1%252Factivity")
    assert plain.status_code == 403, plain.text
    assert disguised.status_code == 400, disguised.text
    assert GUARD in disguised.json()["detail"]
    assert activity not in disguised.text
    details = _grpc_refusal(stack, "summarizer", "v1%2Factivity", "GET", b"")
    assert activity not in details


def test_a_completion_on_a_disguised_pubsub_path_is_not_recorded(stack: LocalStack) -> None:
    task_id = uuid.uuid4().hex
    event = {
        "specversion": "1.0",
        "id": task_id,
        "source": "orchestrator",
        "type": "com.dapr.event.sent",
        "datacontenttype": "application/json",
        "topic": "task.completed",
        "pubsubname": "pubsub",
        "data": {
            "task_id": task_id,
            "agent": "calculator",
            "status": "completed",
            "completed_at": "2026-12-07T22:00:00Z",
        },
    }
    body = json.dumps(event).encode()
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.post(
            "/v1.0/invoke/summarizer/method/events%252Fpubsub%252Ftask.completed",
            content=body,
            headers={"content-type": "application/cloudevents+json"},
        )
    assert response.status_code == 400, response.text
    _grpc_refusal(stack, "summarizer", "events%2Fpubsub%2Ftask.completed", "POST", body)
    assert task_id not in _summarizer_activity(stack)


def _sidecar_still_serves(stack: LocalStack) -> bool:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        return sidecar.get("/v1.0/healthz").status_code == 204  # daprd itself, still up


@pytest.mark.parametrize("control", ["%1F", "%00", "%0A", "%7F"])
def test_daprd_refuses_control_characters_in_a_method(stack: LocalStack, control: str) -> None:
    """dapr/dapr#10409 class: InvalidArgument, which daprd answers as 500 ERR_DIRECT_INVOKE."""
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.get(f"/v1.0/invoke/calculator/method/healthz{control}")
    assert response.status_code == 500, response.text
    assert "ERR_DIRECT_INVOKE" in response.text
    assert _sidecar_still_serves(stack)  # refused, not crashed


@pytest.mark.parametrize(
    "method", ["healthz/..%2Fv1/activity", "a2a/..%2F..%2Fv1/activity", "x/%2E%2E/v1/activity"]
)
def test_daprd_denies_dot_segment_traversal(stack: LocalStack, method: str) -> None:
    # Denied calls count as breaker failures (docs/security.md), so the previous
    # cases may have opened summarizer's breaker: wait it out (open 5 s), bounded.
    deadline = time.monotonic() + 60
    with stack.client("orchestrator", sidecar=True) as sidecar:
        while (
            "circuit breaker is open"
            in (response := sidecar.get(f"/v1.0/invoke/summarizer/method/{method}")).text
        ):
            assert time.monotonic() < deadline, response.text
            time.sleep(1)
    assert response.status_code == 403, response.text
    assert "PermissionDenied" in response.text
