"""Following tasks that have webhooks, and sending each update to them.

The replica a webhook is registered on follows its task (orchestrator/edge/
updates.py: read from the shared state store, so the task may run on any
replica) and posts every update, in order, to the webhooks registered
through it that still exist in the store, so each webhook has one sender
and a deleted one stops at once. One follower per task per replica.
A replica that stops takes its followers with it: their webhooks get no
more updates (a client can poll GetTask or register again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from chassis.dapr import DaprError
from orchestrator.edge.push.addresses import WebhookRefused
from orchestrator.edge.push.delivery import WebhookFailed, WebhookSender
from orchestrator.edge.push.store import PushConfigStore
from orchestrator.edge.updates import TaskUpdate, task_updates
from orchestrator.tasks.models import TaskRecord
from orchestrator.tasks.ownership import TaskReader

__all__ = ["PushDispatcher"]

log = logging.getLogger(__name__)


class PushDispatcher:
    """Sends the updates of followed tasks to their webhooks; `aclose` stops following."""

    def __init__(
        self,
        *,
        tasks: TaskReader,
        configs: PushConfigStore,
        sender: WebhookSender,
        interval_s: float = 0.5,
    ) -> None:
        self._tasks = tasks
        self._configs = configs
        self._sender = sender
        self._interval_s = interval_s
        self._followed: dict[str, set[str]] = {}  # task id -> ids of its webhooks sent here
        self._followers: dict[str, asyncio.Task[None]] = {}

    def follow(self, task: TaskRecord, config_id: str) -> None:
        """Send `task`'s updates (from its state now) to webhook `config_id` too."""
        self._followed.setdefault(task.id, set()).add(config_id)
        if task.id not in self._followers:
            self._followers[task.id] = asyncio.create_task(self._follow(task))

    async def _follow(self, task: TaskRecord) -> None:
        try:
            async for update in task_updates(self._tasks, task, interval_s=self._interval_s):
                await self._send(task.id, update)
        finally:
            self._followers.pop(task.id, None)
            self._followed.pop(task.id, None)

    async def _send(self, task_id: str, update: TaskUpdate) -> None:
        try:
            configs = await self._configs.list(task_id)
        except DaprError as exc:
            log.warning("task %s: webhooks unreadable, update not sent: %s", task_id, exc)
            return
        mine = self._followed.get(task_id, set())
        for config in (c for c in configs if c.id in mine):
            try:
                await self._sender.deliver(config, update)
            except (WebhookFailed, WebhookRefused) as exc:
                log.warning("task %s: webhook %s not notified: %s", task_id, config.id, exc)

    async def aclose(self) -> None:
        """Stop following every task (at shutdown)."""
        followers = list(self._followers.values())
        for follower in followers:
            follower.cancel()
        for follower in followers:
            with contextlib.suppress(asyncio.CancelledError):
                await follower
