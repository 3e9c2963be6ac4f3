"""Self-registration: announce the card, heartbeat, deregister on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from chassis.contract import RegistrationKind, RegistrationMessage, agent_registry_topic
from chassis.dapr import DaprError, DaprPort

__all__ = ["Registrar"]

log = logging.getLogger(__name__)


class Registrar:
    """Publishes this instance's registration, then a heartbeat every interval."""

    def __init__(
        self,
        *,
        dapr: DaprPort,
        pubsub: str,
        app_id: str,
        card: dict[str, Any],
        interval_s: float,
    ) -> None:
        self._dapr = dapr
        self._pubsub = pubsub
        self._app_id = app_id
        self._card = card
        self._interval_s = interval_s
        self.instance_id = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None

    async def _send(self, kind: RegistrationKind) -> None:
        message = RegistrationMessage(
            kind=kind,
            app_id=self._app_id,
            instance_id=self.instance_id,
            card=None if kind is RegistrationKind.DEREGISTER else self._card,
            sent_at=datetime.now(UTC),
        )
        topic = agent_registry_topic(self._app_id)
        await self._dapr.publish(self._pubsub, topic, message.model_dump_json().encode())

    async def _beat(self) -> None:
        kind = RegistrationKind.REGISTER
        while True:
            try:
                await self._send(kind)
                kind = RegistrationKind.HEARTBEAT
            except DaprError as exc:
                # Keep trying: the orchestrator learns of us at the next beat that gets through.
                log.warning("registration %s not published: %s", kind, exc)
            await asyncio.sleep(self._interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="registrar")

    async def stop(self) -> None:
        """Stop heartbeating and deregister this instance (best effort)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await asyncio.wait_for(self._send(RegistrationKind.DEREGISTER), timeout=3)
        except (DaprError, TimeoutError) as exc:
            log.warning("deregistration not published: %s", exc)
