"""The registry's heartbeat: sweep (reload, probe, expire) every few seconds."""

from __future__ import annotations

import asyncio
import logging

from chassis.dapr import DaprError
from orchestrator.registry.service import RegistryService

__all__ = ["monitor_registry"]

log = logging.getLogger(__name__)


async def monitor_registry(registry: RegistryService, interval_s: float) -> None:
    """Run until cancelled; a failed sweep is logged and the next one tries again."""
    while True:
        try:
            await registry.sweep()
        except DaprError as exc:
            log.warning("registry sweep failed: %s", exc)
        await asyncio.sleep(interval_s)
