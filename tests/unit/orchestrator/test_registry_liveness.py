"""Heartbeat windows, probes and TTL, with a clock the test moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents.calculator.main import AGENT as CALCULATOR
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.testing import InMemoryDapr
from orchestrator.registry.errors import UnknownAgent
from orchestrator.registry.policy import Health, RegistryPolicy
from orchestrator.registry.service import NoAgentAvailable, RegistryService
from orchestrator.registry.store import RegistryStore, Snapshot
from tests.unit.orchestrator.conftest import card_for


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def healthy(_: Any) -> Any:
    return {"status": "ok"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr({"calculator/healthz": healthy})


def start_registry(dapr: InMemoryDapr, clock: Clock) -> RegistryService:
    """The registry of one orchestrator process (a second call: the process restarted)."""
    policy = RegistryPolicy(
        unhealthy_after=timedelta(seconds=3), remove_after=timedelta(seconds=10)
    )
    return RegistryService(
        store=RegistryStore(dapr, "statestore"),
        dapr=dapr,
        policy=policy,
        verify_cards=False,
        clock=clock,
    )


@pytest.fixture
def registry(dapr: InMemoryDapr, clock: Clock) -> RegistryService:
    return start_registry(dapr, clock)


def beat(clock: Clock, kind: RegistrationKind = RegistrationKind.HEARTBEAT) -> RegistrationMessage:
    return RegistrationMessage(
        kind=kind,
        app_id="calculator",
        instance_id="i1",
        card=card_for(CALCULATOR, "calculator"),
        sent_at=clock.now,
    )


async def test_missed_heartbeats_make_an_agent_unhealthy_then_removed(
    registry: RegistryService, clock: Clock
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(2.9)
    assert registry.health("calculator") is Health.HEALTHY
    clock.advance(0.2)
    assert registry.health("calculator") is Health.UNHEALTHY
    with pytest.raises(NoAgentAvailable):
        registry.choose("2+3", None)
    clock.advance(7)
    await registry.sweep()
    assert registry.find() == []


async def test_a_recovered_agent_comes_back_by_itself(
    registry: RegistryService, clock: Clock
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(5)
    assert registry.health("calculator") is Health.UNHEALTHY
    await registry.handle(beat(clock), sender="calculator")
    assert registry.health("calculator") is Health.HEALTHY
    assert registry.choose("2+3", None) == "calculator"


async def test_failing_probes_mark_an_agent_unhealthy_despite_heartbeats(
    registry: RegistryService, clock: Clock, dapr: InMemoryDapr
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    del dapr.agents["calculator/healthz"]
    await registry.sweep()
    assert registry.health("calculator") is Health.HEALTHY  # one failure may be a blip
    await registry.sweep()
    assert registry.health("calculator") is Health.UNHEALTHY
    dapr.agents["calculator/healthz"] = healthy
    await registry.sweep()
    assert registry.health("calculator") is Health.HEALTHY


async def test_concurrent_heartbeat_writes_are_retried_not_lost(
    registry: RegistryService, clock: Clock, dapr: InMemoryDapr
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(1)
    dapr.conflicts_to_inject = 3
    await registry.handle(beat(clock), sender="calculator")
    restarted = RegistryService(
        store=RegistryStore(dapr, "statestore"),
        dapr=dapr,
        policy=RegistryPolicy(),
        verify_cards=False,
        clock=clock,
    )
    await restarted.load()
    assert restarted.view("calculator").last_seen == clock.now


async def test_agents_registering_at_once_are_all_indexed(
    registry: RegistryService, clock: Clock, dapr: InMemoryDapr
) -> None:
    first = beat(clock, RegistrationKind.REGISTER)
    second = first.model_copy(
        update={"app_id": "calculator-2", "card": card_for(CALCULATOR, "calculator-2")}
    )
    await asyncio.gather(
        registry.handle(first, sender="calculator"),
        registry.handle(second, sender="calculator-2"),
    )
    await registry.load()
    assert [a.app_id for a in registry.find()] == ["calculator", "calculator-2"]


async def test_a_task_needing_an_unhealthy_skill_is_not_sent_to_the_fallback(
    registry: RegistryService, clock: Clock
) -> None:
    from agents.summarizer.main import AGENT as SUMMARIZER

    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(5)
    summary = RegistrationMessage(
        kind=RegistrationKind.REGISTER,
        app_id="summarizer",
        instance_id="s1",
        card=card_for(SUMMARIZER, "summarizer"),
        sent_at=clock.now,
    )
    await registry.handle(summary, sender="summarizer")
    with pytest.raises(NoAgentAvailable, match="unhealthy: calculator"):
        registry.choose("2+3", None)
    assert registry.choose("hello there", None) == "summarizer"


async def test_heartbeats_missed_while_the_orchestrator_was_down_are_not_held_against_agents(
    registry: RegistryService, clock: Clock, dapr: InMemoryDapr
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(30)  # down for longer than the window and the TTL
    restarted = start_registry(dapr, clock)
    await restarted.load()
    await restarted.sweep()
    assert restarted.health("calculator") is Health.HEALTHY
    assert restarted.view("calculator").live_instances == 1
    clock.advance(3.1)  # listening for a whole window, and still nothing heard
    assert restarted.health("calculator") is Health.UNHEALTHY
    clock.advance(7)
    await restarted.sweep()
    assert restarted.find() == []


async def test_queued_work_stays_deliverable_while_the_agent_fails_its_probes(
    registry: RegistryService, clock: Clock, dapr: InMemoryDapr
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(1)
    del dapr.agents["calculator/healthz"]  # the app restarting: its sidecar answers 5xx
    await registry.sweep()
    await registry.sweep()
    assert registry.health("calculator") is Health.UNHEALTHY
    # Its topic holds the work, the new process answers it: the step waits.
    assert not registry.undeliverable("calculator")
    with pytest.raises(NoAgentAvailable, match="unhealthy"):
        registry.ensure_available("calculator")
    registry.ensure_available("calculator", queued=True)  # new work queues for it too
    clock.advance(10)  # silent past the TTL: removed, its queued work is answered by nobody
    await registry.sweep()
    assert registry.undeliverable("calculator")
    assert registry.undeliverable("never-registered")
    with pytest.raises(UnknownAgent):
        registry.ensure_available("calculator", queued=True)


async def test_an_agent_that_answers_probes_stays_routable_while_heartbeats_are_late(
    registry: RegistryService, clock: Clock
) -> None:
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    clock.advance(2.5)
    await registry.sweep()  # the agent answers its probe through Dapr
    clock.advance(2.5)  # heartbeats 5 s late: a busy broker, not a dead agent
    assert registry.health("calculator") is Health.HEALTHY
    assert registry.choose("2+3", None) == "calculator"
    clock.advance(0.6)  # no probe answered within the window either
    assert registry.health("calculator") is Health.UNHEALTHY


async def test_concurrent_heartbeats_of_a_new_agent_verify_its_card_once(
    dapr: InMemoryDapr, clock: Clock
) -> None:
    verified: list[str] = []
    registry = RegistryService(
        store=RegistryStore(dapr, "statestore"), dapr=dapr, policy=RegistryPolicy(), clock=clock
    )
    card = card_for(CALCULATOR, "calculator")

    async def card_served(_: Any) -> Any:
        verified.append("calculator")
        await asyncio.sleep(0.01)  # a slow call through Dapr: the other beats arrive meanwhile
        return card

    dapr.agents["calculator/.well-known/agent-card.json"] = card_served
    beats = [beat(clock, RegistrationKind.REGISTER), beat(clock), beat(clock)]
    await asyncio.gather(*(registry.handle(b, sender="calculator") for b in beats))
    assert verified == ["calculator"]
    assert registry.health("calculator") is Health.HEALTHY


class PausedReload(RegistryStore):
    """A store whose reload can be held after it has read, to land a write meanwhile."""

    def __init__(self, dapr: InMemoryDapr) -> None:
        super().__init__(dapr, "statestore")
        self.has_read = asyncio.Event()
        self.resume = asyncio.Event()

    async def load_all(self) -> Snapshot:
        records = await super().load_all()
        self.has_read.set()
        await self.resume.wait()
        return records


async def test_a_registration_during_a_reload_is_not_forgotten(
    dapr: InMemoryDapr, clock: Clock
) -> None:
    store = PausedReload(dapr)
    registry = RegistryService(
        store=store, dapr=dapr, policy=RegistryPolicy(), verify_cards=False, clock=clock
    )
    reload = asyncio.create_task(registry.load())
    await store.has_read.wait()  # it read an empty index
    await registry.handle(beat(clock, RegistrationKind.REGISTER), sender="calculator")
    store.resume.set()
    await reload
    assert [a.app_id for a in registry.find()] == ["calculator"]
