"""A2A's push-notification config operations over a caller's task (the hub's edge).

    Create  checks the URL (allowlisted and public: orchestrator/edge/push/delivery.py),
            stores the config (an id and a token made here when the client gave
            none) and starts sending the task's updates to it
    Get, List, Delete  the configs of a task the caller may read

The caller's rights come from the task: GetTask's ownership rule
(orchestrator/tasks/ownership.py) is applied by the handler before any of
these. A refused URL is the spec's InvalidParamsError.
"""

from __future__ import annotations

import secrets
import uuid

from a2a.types import (
    AuthenticationInfo,
    ListTaskPushNotificationConfigsResponse,
    TaskPushNotificationConfig,
)
from a2a.utils.errors import InvalidParamsError, TaskNotFoundError

from orchestrator.edge.push.addresses import WebhookRefused
from orchestrator.edge.push.delivery import WebhookSender
from orchestrator.edge.push.dispatch import PushDispatcher
from orchestrator.edge.push.models import PushConfig
from orchestrator.edge.push.store import PushConfigStore
from orchestrator.tasks.models import TaskRecord

__all__ = ["PushConfigs"]


def _as_a2a(config: PushConfig) -> TaskPushNotificationConfig:
    a2a = TaskPushNotificationConfig(
        id=config.id, task_id=config.task_id, url=config.url, token=config.token
    )
    if config.scheme:
        a2a.authentication.CopyFrom(
            AuthenticationInfo(scheme=config.scheme, credentials=config.credentials)
        )
    return a2a


class PushConfigs:
    """The push-notification configs of tasks, as the A2A handler serves them."""

    def __init__(
        self, *, store: PushConfigStore, sender: WebhookSender, dispatcher: PushDispatcher
    ) -> None:
        self._store = store
        self._sender = sender
        self._dispatcher = dispatcher

    async def check(self, given: TaskPushNotificationConfig) -> tuple[str, str]:
        """The HTTPEndpoint and path `given.url` is called through; InvalidParamsError if
        the URL is not allowlisted or not a public address."""
        try:
            return await self._sender.check(given.url)
        except WebhookRefused as exc:
            raise InvalidParamsError(message=exc.detail) from exc

    async def create(
        self, task: TaskRecord, given: TaskPushNotificationConfig
    ) -> TaskPushNotificationConfig:
        """Store `given` for `task` and follow the task; InvalidParamsError if refused."""
        endpoint, path = await self.check(given)
        try:
            config = PushConfig(
                id=given.id or uuid.uuid4().hex,
                task_id=task.id,
                url=given.url,
                token=given.token or secrets.token_urlsafe(32),
                scheme=given.authentication.scheme,
                credentials=given.authentication.credentials,
                endpoint=endpoint,
                path=path,
            )
            await self._store.put(config)
        except ValueError as exc:  # pydantic's limits on the config's fields
            raise InvalidParamsError(message=f"push notification config: {exc}") from exc
        self._dispatcher.follow(task, config.id)
        return _as_a2a(config)

    async def get(self, task: TaskRecord, config_id: str) -> TaskPushNotificationConfig:
        config = await self._store.get(task.id, config_id)
        if config is None:
            raise TaskNotFoundError(
                message=f"task {task.id} has no push notification config {config_id!r}"
            )
        return _as_a2a(config)

    async def list(self, task: TaskRecord) -> ListTaskPushNotificationConfigsResponse:
        configs = await self._store.list(task.id)
        return ListTaskPushNotificationConfigsResponse(configs=[_as_a2a(c) for c in configs])

    async def delete(self, task: TaskRecord, config_id: str) -> None:
        await self._store.remove(task.id, config_id)
