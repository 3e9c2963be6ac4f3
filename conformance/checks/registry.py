"""Registration, heartbeat and deregistration, as the orchestrator's registry sees them.

- `registry.registered`: GET /v1/agents/<app-id> lists it healthy (if not,
  the registry's refusal reason for it, when there is one);
- `registry.heartbeat`: its `last_seen` advances;
- `registry.deregistration`: after a graceful stop the agent is gone from
  the registry sooner than the heartbeat timeout would remove it; only where
  the kit may stop the agent (an `AgentControl`), otherwise SKIP.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

from conformance.ports import AgentControl, RegistryView
from conformance.results import CheckResult, failed, passed, skipped

__all__ = ["check_deregistration", "check_heartbeat", "check_registered"]

_POLL_S = 0.1
_REGISTER_HOW = (
    "publish {kind: register, app_id, instance_id, card, sent_at} on agents.registry "
    "through the agent's own sidecar when it starts"
)


async def _view(registry: RegistryView, app_id: str) -> dict[str, Any] | None:
    answer = await registry.agent(app_id)
    if answer.status != 200:
        return None
    view = answer.json()
    return view if isinstance(view, dict) else None


async def _refusal(registry: RegistryView, app_id: str) -> str | None:
    answer = await registry.refusals()
    if answer.status != 200:
        return None
    for refusal in answer.json().get("refusals", []):
        if refusal.get("app_id") == app_id:
            return str(refusal.get("reason"))
    return None


async def check_registered(registry: RegistryView, app_id: str) -> CheckResult:
    """The registry lists the agent, healthy."""
    name = "registry.registered"
    view = await _view(registry, app_id)
    if view is None:
        reason = await _refusal(registry, app_id)
        if reason is not None:
            return failed(name, f"the orchestrator refused its registration: {reason}")
        return failed(name, f"{app_id} is not in the registry: {_REGISTER_HOW}")
    if view.get("health") != "healthy":
        return failed(
            name,
            f"listed {view.get('health')}: send heartbeats on agents.registry within the "
            "registry's window and answer GET /healthz through the sidecar",
        )
    return passed(name, f"listed healthy, {view.get('live_instances')} live instance(s)")


async def check_heartbeat(registry: RegistryView, app_id: str, wait: timedelta) -> CheckResult:
    """`last_seen` moves forward within `wait`."""
    name = "registry.heartbeat"
    first = await _view(registry, app_id)
    if first is None:
        return failed(name, f"{app_id} is not in the registry, so it has no heartbeat to check")
    start = datetime.fromisoformat(first["last_seen"])
    end = time.monotonic() + wait.total_seconds()
    while time.monotonic() < end:
        await asyncio.sleep(_POLL_S)
        view = await _view(registry, app_id)
        if view is not None and datetime.fromisoformat(view["last_seen"]) > start:
            moved = datetime.fromisoformat(view["last_seen"]) - start
            return passed(name, f"last_seen advanced by {moved.total_seconds():.1f}s")
    return failed(
        name,
        f"last_seen stayed at {start.isoformat()} for {wait.total_seconds():.0f}s: publish "
        "{kind: heartbeat, ...} on agents.registry every few seconds while running",
    )


async def check_deregistration(
    registry: RegistryView, control: AgentControl | None, app_id: str, wait: timedelta
) -> CheckResult:
    """Stop the agent gracefully; it must leave the registry within `wait`; start it again."""
    name = "registry.deregistration"
    if control is None:
        return skipped(
            name,
            "not checked: the kit cannot stop this agent here (the test suite checks it "
            "through its stack handle)",
        )
    await control.stop(app_id)
    try:
        start, gone = time.monotonic(), False
        while not gone and time.monotonic() - start < wait.total_seconds():
            gone = (await registry.agent(app_id)).status == 404
            if not gone:
                await asyncio.sleep(_POLL_S)
        took = time.monotonic() - start
    finally:
        await control.start(app_id)
    if not gone:
        return failed(
            name,
            f"still listed {wait.total_seconds():.0f}s after a graceful stop (SIGTERM): publish "
            "{kind: deregister, app_id, instance_id, sent_at} on agents.registry before exiting",
        )
    return passed(name, f"gone from the registry {took:.2f}s after a graceful stop")
