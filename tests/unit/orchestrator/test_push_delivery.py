"""Posting task updates to webhooks (orchestrator/edge/push/delivery.py) through a stand-in sidecar.

httpx's MockTransport stands for the orchestrator's sidecar: what reaches it
is what daprd would forward to the webhook's HTTPEndpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest

from orchestrator.edge.mapping import to_a2a_task
from orchestrator.edge.push.addresses import WebhookRefused
from orchestrator.edge.push.delivery import WebhookFailed, WebhookSender
from orchestrator.edge.push.models import PushConfig
from orchestrator.registry.allowlist import ExternalAgent, ExternalAllowlist
from orchestrator.tasks.models import TaskRecord, TaskStatus

HOOKS = ExternalAllowlist(
    [ExternalAgent(name="hooks", base_url="https://hooks.example.org/a2a")],
    kind="webhook",
    setting="ORCHESTRATOR_PUSH_WEBHOOKS",
)
URL = "https://hooks.example.org/a2a/task-updates"
TASK = TaskRecord(
    id="a" * 32,
    input="what is 2+3",
    status=TaskStatus.RUNNING,
    created_at=datetime(2026, 12, 8, tzinfo=UTC),
)
CONFIG = PushConfig(
    id="c1", task_id=TASK.id, url=URL, token="tok", endpoint="hooks", path="task-updates"
)


async def public(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


def sender(handler, *, resolve=public) -> WebhookSender:  # type: ignore[no-untyped-def]
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://sidecar.test")
    return WebhookSender(http, HOOKS, attempts=3, backoff_s=0.01, resolve=resolve)


async def test_an_update_is_posted_through_the_sidecar_signed_with_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    await sender(handler).deliver(CONFIG, to_a2a_task(TASK))
    (request,) = seen
    assert request.url.path == "/v1.0/invoke/hooks/method/task-updates"
    body = request.content
    expected = hmac.new(b"tok", body, hashlib.sha256).hexdigest()
    assert request.headers["X-Hubspoke-Signature"] == f"sha256={expected}"
    assert request.headers["X-A2A-Notification-Token"] == "tok"
    assert json.loads(body)["task"]["status"]["state"] == "TASK_STATE_WORKING"


async def test_a_webhook_failing_twice_gets_the_update_on_the_third_try() -> None:
    answers = iter([503, 500, 204])
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(next(answers))

    await sender(handler).deliver(CONFIG, to_a2a_task(TASK))
    assert len(calls) == 3


async def test_a_redirect_is_a_failure_and_its_location_is_never_called() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(307, headers={"Location": "http://169.254.169.254/latest"})

    with pytest.raises(WebhookFailed, match="307"):
        await sender(handler).deliver(CONFIG, to_a2a_task(TASK))
    assert paths == ["/v1.0/invoke/hooks/method/task-updates"] * 3


async def test_a_url_off_the_allowlist_is_refused() -> None:
    with pytest.raises(WebhookRefused, match="ORCHESTRATOR_PUSH_WEBHOOKS"):
        await sender(lambda r: httpx.Response(200)).check("https://evil.example.org/a2a/x")


async def test_a_host_that_rebinds_to_a_private_address_is_refused_at_send_time() -> None:
    answers = iter([["93.184.215.14"], ["10.0.0.5"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200)

    webhooks = sender(handler, resolve=rebinding)
    assert await webhooks.check(URL) == ("hooks", "task-updates")  # at registration
    with pytest.raises(WebhookRefused, match=r"10\.0\.0\.5"):
        await webhooks.deliver(CONFIG, to_a2a_task(TASK))
    assert calls == []
