"""SubscribeToTask and the push-notification config operations of the hub's A2A edge,
through the official a2a-sdk client against the app in-process (as test_a2a_edge.py)."""

from __future__ import annotations

import httpx
import pytest
from a2a.client import A2ACardResolver, Client, ClientConfig, ClientFactory
from a2a.types import (
    ListTaskPushNotificationConfigsRequest,
    SubscribeToTaskRequest,
    TaskPushNotificationConfig,
)
from a2a.utils.errors import InvalidParamsError, UnsupportedOperationError

from tests.unit.orchestrator.test_a2a_edge import (  # noqa: F401 (pytest fixtures)
    BASE,
    dapr,
    hub,
    message,
    only_task,
)


async def client(http: httpx.AsyncClient, *, streaming: bool = False) -> Client:
    factory = ClientFactory(ClientConfig(httpx_client=http, streaming=streaming))
    return await factory.create_from_url(BASE)


async def test_the_card_offers_streaming_and_push_notifications(hub: httpx.AsyncClient) -> None:  # noqa: F811
    card = await A2ACardResolver(hub, BASE).get_agent_card()
    assert card.capabilities.streaming
    assert card.capabilities.push_notifications


async def test_a_finished_task_cannot_be_subscribed(hub: httpx.AsyncClient) -> None:  # noqa: F811
    task = await only_task(hub, message("what is 2+3"))
    a2a = await client(hub, streaming=True)
    with pytest.raises(UnsupportedOperationError, match="completed"):
        async for _ in a2a.subscribe(SubscribeToTaskRequest(id=task.id)):
            pass


async def test_a_webhook_off_the_allowlist_is_refused_and_not_stored(
    hub: httpx.AsyncClient,  # noqa: F811
) -> None:
    task = await only_task(hub, message("what is 2+3"))
    a2a = await client(hub)
    config = TaskPushNotificationConfig(task_id=task.id, url="https://hooks.example.org/x")
    with pytest.raises(InvalidParamsError, match="ORCHESTRATOR_PUSH_WEBHOOKS"):
        await a2a.create_task_push_notification_config(config)
    listed = await a2a.list_task_push_notification_configs(
        ListTaskPushNotificationConfigsRequest(task_id=task.id)
    )
    assert list(listed.configs) == []


async def test_a_streamed_message_with_a_refused_webhook_is_refused_before_streaming(
    hub: httpx.AsyncClient,  # noqa: F811
) -> None:
    request = message("what is 2+3")
    request.configuration.task_push_notification_config.url = "http://10.0.0.1/hooks/x"
    a2a = await client(hub, streaming=True)
    with pytest.raises(InvalidParamsError, match="ORCHESTRATOR_PUSH_WEBHOOKS"):
        async for _ in a2a.send_message(request):
            pass
