"""Registration, heartbeat and deregistration, as the orchestrator's registry sees them.

- `registry.registered`: GET /v1/agents/<app-id> lists it healthy within a
  wait (if not, the registry's refusal reason for it, when there is one);
- `registry.heartbeat`: its `last_seen` advances;
- `registry.deregistration`: on a graceful stop the agent publishes
  `deregister` on `agents.registry` (seen in the topic's stream: direct
  evidence, however busy the orchestrator is) and the registry drops it;
  only where the kit may stop the agent (an `AgentControl`), otherwise SKIP.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

from conformance import wire
from conformance.ports import AgentControl, RegistryView, WorkBus
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


async def _healthy_view(
    registry: RegistryView, app_id: str, wait: timedelta
) -> dict[str, Any] | None:
    """The agent's view once healthy, or the last one read (None: not listed) after `wait`."""
    end = time.monotonic() + wait.total_seconds()
    while True:
        view = await _view(registry, app_id)
        if (view is not None and view.get("health") == "healthy") or time.monotonic() >= end:
            return view
        await asyncio.sleep(_POLL_S)


async def check_registered(registry: RegistryView, app_id: str, wait: timedelta) -> CheckResult:
    """The registry lists the agent healthy (within `wait`: health may lag under load)."""
    name = "registry.registered"
    view = await _healthy_view(registry, app_id, wait)
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


def _is_goodbye(message: dict[str, Any], app_id: str) -> bool:
    return message.get("kind") == "deregister" and message.get("app_id") == app_id


async def _until(check: Any, wait_s: float) -> float | None:
    """Seconds until the async `check()` held, or None if it did not within `wait_s`."""
    start = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - start
        if time.monotonic() - start >= wait_s:
            return None
        await asyncio.sleep(_POLL_S)


async def check_deregistration(
    registry: RegistryView,
    bus: WorkBus,
    control: AgentControl | None,
    app_id: str,
    wait: timedelta,
) -> CheckResult:
    """Stop the agent gracefully: within `wait` it must publish `deregister` and leave the
    registry; then start it again."""
    name = "registry.deregistration"
    if control is None:
        return skipped(
            name,
            "not checked: the kit cannot stop this agent here (the test suite checks it "
            "through its stack handle)",
        )
    mark = await bus.stream_mark(wire.REGISTRY_TOPIC)

    async def said_goodbye() -> bool:
        messages = await bus.stream_since(wire.REGISTRY_TOPIC, mark)
        return any(_is_goodbye(m, app_id) for m in messages)

    async def gone() -> bool:
        return (await registry.agent(app_id)).status == 404

    await control.stop(app_id)
    try:
        published = await _until(said_goodbye, wait.total_seconds())
        dropped = await _until(gone, wait.total_seconds())
    finally:
        await control.start(app_id)
    if published is None:
        return failed(
            name,
            f"no deregister on {wire.REGISTRY_TOPIC} within {wait.total_seconds():.0f}s of a "
            "graceful stop (SIGTERM): publish {kind: deregister, app_id, instance_id, sent_at} "
            "through the sidecar before exiting",
        )
    if dropped is None:
        return failed(
            name,
            f"deregister published, but the registry still lists {app_id} "
            f"{wait.total_seconds():.0f}s later: send the instance_id it registered with",
        )
    return passed(
        name,
        f"deregister published {published:.2f}s after a graceful stop, unlisted "
        f"{dropped:.2f}s after that",
    )
