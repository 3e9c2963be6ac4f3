"""Registration, heartbeat and deregistration, as the orchestrator's registry sees them.

- `registry.registered`: GET /v1/agents/<app-id> lists it healthy within a
  wait (if not, the registry's refusal reason for it, when there is one);
- `registry.heartbeat`: its `last_seen` advances;
- `registry.evaluation`: the registry ran the evaluation examples its card
  declares (through Dapr) and they passed, so tasks are routed to it;
- `registry.deregistration`: on a graceful stop the agent publishes
  `deregister` on `agents.registry.<app-id>` (seen in the topic's stream: direct
  evidence, however busy the orchestrator is) and the registry drops it;
  only where the kit may stop the agent (an `AgentControl`), otherwise SKIP.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from conformance import wire
from conformance.ports import AgentControl, RegistryView, WorkBus
from conformance.results import CheckResult, failed, passed, skipped

__all__ = ["check_deregistration", "check_evaluation", "check_heartbeat", "check_registered"]

_POLL_S = 0.1
T = TypeVar("T")
_REGISTER_HOW = (
    "publish {kind: register, app_id, instance_id, card, sent_at} on agents.registry.<app-id> "
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
            f"listed {view.get('health')}: send heartbeats on agents.registry.<app-id> within the "
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
        "{kind: heartbeat, ...} on agents.registry.<app-id> every few seconds while running",
    )


async def check_evaluation(registry: RegistryView, app_id: str, wait: timedelta) -> CheckResult:
    """The registry's evaluation of the agent's card version ends `passed` within `wait`."""
    name = "registry.evaluation"
    end = time.monotonic() + wait.total_seconds()
    while True:
        view = await _view(registry, app_id)
        if view is None:
            return skipped(name, f"not checked: {app_id} is not in the registry")
        evaluation = view.get("evaluation")
        if not isinstance(evaluation, dict):
            return skipped(name, "not checked: this orchestrator does not evaluate agents")
        state = evaluation.get("state")
        if state != "evaluating" or time.monotonic() >= end:
            break
        await asyncio.sleep(_POLL_S)
    failure = evaluation.get("failure") or {}
    if state == "passed":
        return passed(name, f"version {evaluation.get('version')} passed its evaluation examples")
    said = (
        f"example {failure.get('input')!r} ({failure.get('skill')}) answered "
        f"{failure.get('answer')!r}: {failure.get('reason')}"
        if failure
        else "no example has answered yet"
    )
    return failed(
        name,
        f"{state}: {said}; the registry routes tasks to it only once every example in the "
        "card's evaluation gives the expected answer",
    )


def _from(messages: list[dict[str, Any]], app_id: str, kinds: tuple[str, ...]) -> list[str]:
    """Instance ids of `app_id`'s messages of `kinds`, in stream order."""
    return [
        str(m.get("instance_id"))
        for m in messages
        if m.get("app_id") == app_id and m.get("kind") in kinds
    ]


async def _poll(read: Callable[[], Awaitable[T | None]], wait_s: float) -> tuple[T, float] | None:
    """The first non-None `read()` and the seconds it took, or None after `wait_s`."""
    start = time.monotonic()
    while True:
        value = await read()
        if value is not None:
            return value, time.monotonic() - start
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
    """Learn the running instance from its heartbeat, stop it gracefully (SIGTERM), and expect
    a `deregister` for that instance and no heartbeat after it; then start it again.

    The registry's unlisting is reported, not judged: a heartbeat published before the
    goodbye but read after it re-lists the agent, and that is the orchestrator's doing.
    """
    name = "registry.deregistration"
    if control is None:
        return skipped(
            name,
            "not checked: the kit cannot stop this agent here (the test suite checks it "
            "through its stack handle)",
        )
    wait_s = wait.total_seconds()
    before = await bus.stream_mark(wire.registry_topic(app_id))

    async def running_instance() -> str | None:
        found = _from(await bus.stream_since(wire.registry_topic(app_id), before), app_id, _ALIVE)
        return found[-1] if found else None

    heard = await _poll(running_instance, wait_s)
    if heard is None:
        return failed(
            name, f"no register or heartbeat on {wire.registry_topic(app_id)} in {wait_s:.0f}s"
        )
    instance = heard[0]
    mark = await bus.stream_mark(wire.registry_topic(app_id))

    async def goodbye() -> list[dict[str, Any]] | None:
        messages = await bus.stream_since(wire.registry_topic(app_id), mark)
        return messages if _from(messages, app_id, ("deregister",)) else None

    async def gone() -> bool | None:
        return True if (await registry.agent(app_id)).status == 404 else None

    await control.stop(app_id)
    try:
        said = await _poll(goodbye, wait_s)
        dropped = await _poll(gone, wait_s) if said is not None else None
        if said is not None:  # anything the instance published after its goodbye
            said = (await bus.stream_since(wire.registry_topic(app_id), mark), said[1])
    finally:
        await control.start(app_id)
    return _deregistration_verdict(app_id, instance, said, dropped, wait_s)


_ALIVE = ("register", "heartbeat")


def _deregistration_verdict(
    app_id: str,
    instance: str,
    said: tuple[list[dict[str, Any]], float] | None,
    dropped: tuple[bool, float] | None,
    wait_s: float,
) -> CheckResult:
    name = "registry.deregistration"
    if said is None:
        return failed(
            name,
            f"no deregister on {wire.registry_topic(app_id)} within {wait_s:.0f}s of a graceful "
            "stop (SIGTERM): publish {kind: deregister, app_id, instance_id, sent_at} through the "
            "sidecar before exiting",
        )
    messages, seconds = said
    goodbyes = _from(messages, app_id, ("deregister",))
    if instance not in goodbyes:
        return failed(
            name,
            f"deregister for instance {goodbyes[0]}, but the running instance heartbeats as "
            f"{instance}: send the instance_id it registered with",
        )
    after = messages[_from_index(messages, app_id, instance) + 1 :]
    if instance in _from(after, app_id, _ALIVE):
        return failed(
            name, "it went on heartbeating after its deregister: stop the heartbeat first"
        )
    listing = (
        f"unlisted {dropped[1]:.2f}s after that"
        if dropped is not None
        else f"the registry still listed it {wait_s:.0f}s later (a heartbeat read after the "
        "goodbye re-lists it: the orchestrator's doing, not the agent's)"
    )
    return passed(name, f"deregister published {seconds:.2f}s after a graceful stop; {listing}")


def _from_index(messages: list[dict[str, Any]], app_id: str, instance: str) -> int:
    """Index of the instance's deregister in `messages`."""
    return next(
        i
        for i, m in enumerate(messages)
        if m.get("kind") == "deregister"
        and m.get("app_id") == app_id
        and str(m.get("instance_id")) == instance
    )
