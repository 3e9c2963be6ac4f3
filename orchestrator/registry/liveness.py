"""Liveness: each sweep catches up with the store, probes every agent through Dapr and
removes the agents silent for longer than the policy's TTL (policy.py).

Pushing agents stay alive through their heartbeats; agents registered by pull
through the probes they answer, and external agents through their card, which
is fetched again as their probe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from chassis.dapr import DaprError, DaprPort
from orchestrator.registry.external import ExternalCardError, catalog_card
from orchestrator.registry.known import KnownAgents
from orchestrator.registry.policy import AgentRecord, Registration

__all__ = ["Liveness"]

log = logging.getLogger(__name__)


class Liveness:
    """Sweeps `known`; `consider` hears of every record (a due evaluation starts)."""

    def __init__(
        self,
        known: KnownAgents,
        *,
        dapr: DaprPort,
        consider: Callable[[AgentRecord | None], None],
        probe_timeout_s: float,
    ) -> None:
        self._known = known
        self._dapr = dapr
        self._consider = consider
        self._probe_timeout_s = probe_timeout_s

    async def sweep(self) -> None:
        """Catch up with the store, probe every agent's /healthz through Dapr, remove
        expired agents."""
        known = self._known
        await known.catch_up()
        await asyncio.gather(*(self._probe(app_id) for app_id in list(known.records)))
        for record in list(known.records.values()):
            self._consider(record)  # a run retried, or taken over from a stopped replica
        now = known.now()
        since = known.listening_since
        for app_id, record in list(known.records.items()):
            if known.policy.expired(record, now, since):
                kept = await known.change(
                    app_id,
                    lambda r: None if r is None or known.policy.expired(r, now, since) else r,
                )
                # The stored record may be fresher than the one loaded: then it stays.
                if kept is None:
                    log.warning("agent removed after its TTL", extra={"app_id": app_id})

    async def _probe(self, app_id: str) -> None:
        known = self._known
        record = known.records.get(app_id)
        external = record is not None and record.registration is Registration.EXTERNAL
        # An external agent has no /healthz of ours: its card answering is the sign of life.
        path = (record.card_path or "") if record is not None and external else "healthz"
        try:
            answer = await self._dapr.invoke(
                app_id, path, None, http_method="GET", timeout_s=self._probe_timeout_s
            )
            if external:
                catalog_card(answer, app_id)
        except (DaprError, ExternalCardError):
            known.probe_failures[app_id] = known.probe_failures.get(app_id, 0) + 1
            known.probed_at.pop(app_id, None)
            return
        known.probe_failures.pop(app_id, None)
        known.probed_at[app_id] = known.now()
        if record is not None and record.registration is not Registration.PUSH:
            now = known.now()
            await known.change(
                app_id, lambda r: None if r is None else r.model_copy(update={"last_seen": now})
            )
