"""Push notifications assembled from the settings (called by orchestrator/main.py)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from chassis.dapr import DaprPort, sidecar_address
from orchestrator.edge.push.configs import PushConfigs
from orchestrator.edge.push.delivery import WebhookAllowlist, WebhookSender
from orchestrator.edge.push.dispatch import PushDispatcher
from orchestrator.edge.push.store import PushConfigStore
from orchestrator.settings import OrchestratorSettings
from orchestrator.tasks.ownership import TaskReader

__all__ = ["Push", "build_push"]


@dataclass(frozen=True)
class Push:
    """The A2A edge's configs, and what to close at shutdown."""

    configs: PushConfigs
    dispatcher: PushDispatcher
    http: httpx.AsyncClient | None  # ours to close (None: the caller's)

    async def aclose(self) -> None:
        await self.dispatcher.aclose()
        if self.http is not None:
            await self.http.aclose()


def build_push(
    settings: OrchestratorSettings,
    dapr: DaprPort,
    tasks: TaskReader,
    webhooks: WebhookAllowlist,
    given: httpx.AsyncClient | None = None,
) -> Push:
    """Webhooks allowlisted in `webhooks` (ORCHESTRATOR_PUSH_WEBHOOKS), called through our
    own sidecar (or through `given`, whose base URL stands for it)."""
    http = given
    if http is None:
        base_url, headers = sidecar_address()
        http = httpx.AsyncClient(base_url=base_url, headers=headers, follow_redirects=False)
    sender = WebhookSender(
        http,
        webhooks,
        private_networks=settings.push_private_networks,
        attempts=settings.push_attempts,
        backoff_s=settings.push_backoff_seconds,
    )
    store = PushConfigStore(dapr, settings.state_store)
    dispatcher = PushDispatcher(
        tasks=tasks,
        configs=store,
        sender=sender,
        interval_s=settings.task_updates_interval_seconds,
    )
    configs = PushConfigs(store=store, sender=sender, dispatcher=dispatcher)
    return Push(configs=configs, dispatcher=dispatcher, http=None if given else http)
