"""Registration, heartbeat and deregistration against a fake registry."""

from __future__ import annotations

from datetime import timedelta

from conformance.checks.registry import check_deregistration, check_heartbeat, check_registered
from conformance.results import Outcome
from tests.unit.conformance.fakes import APP, FakeControl, FakeRegistry

SHORT = timedelta(seconds=0.5)


async def test_listed_healthy_passes() -> None:
    assert (await check_registered(FakeRegistry(), APP)).outcome is Outcome.PASS


async def test_unlisted_agent_gets_the_registries_refusal_reason() -> None:
    registry = FakeRegistry(listed=False, refusal="contract hubspoke.agent/v1 is incompatible")
    result = await check_registered(registry, APP)
    assert result.outcome is Outcome.FAIL
    assert "refused its registration: contract hubspoke.agent/v1 is incompatible" in result.message


async def test_unlisted_agent_without_refusal_is_told_how_to_register() -> None:
    result = await check_registered(FakeRegistry(listed=False), APP)
    assert "publish {kind: register" in result.message


async def test_unhealthy_agent_fails() -> None:
    result = await check_registered(FakeRegistry(health="unhealthy"), APP)
    assert (result.outcome, result.message.startswith("listed unhealthy")) == (Outcome.FAIL, True)


async def test_heartbeat_passes_when_last_seen_advances_and_fails_when_it_stays() -> None:
    assert (await check_heartbeat(FakeRegistry(), APP, SHORT)).outcome is Outcome.PASS
    stuck = await check_heartbeat(FakeRegistry(beating=False), APP, SHORT)
    assert stuck.outcome is Outcome.FAIL
    assert "publish {kind: heartbeat" in stuck.message


async def test_deregistration_is_not_checked_without_control() -> None:
    result = await check_deregistration(FakeRegistry(), None, APP, SHORT)
    assert result.outcome is Outcome.SKIP


async def test_deregistration_passes_when_the_agent_leaves_and_is_started_again() -> None:
    registry = FakeRegistry()
    control = FakeControl(registry)
    result = await check_deregistration(registry, control, APP, SHORT)
    assert result.outcome is Outcome.PASS
    assert control.calls == ["stop", "start"]


async def test_an_agent_that_stays_listed_after_stopping_fails_and_is_started_again() -> None:
    registry = FakeRegistry()
    control = FakeControl(registry, deregisters=False)
    result = await check_deregistration(registry, control, APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert "publish {kind: deregister" in result.message
    assert control.calls == ["stop", "start"]
