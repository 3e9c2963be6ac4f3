"""Registration, heartbeat and deregistration against a fake registry and bus."""

from __future__ import annotations

from datetime import timedelta

from conformance.checks.registry import (
    check_deregistration,
    check_evaluation,
    check_heartbeat,
    check_registered,
)
from conformance.results import Outcome
from tests.unit.conformance.fakes import APP, FakeBus, FakeControl, FakeRegistry

SHORT = timedelta(seconds=0.5)


async def test_listed_healthy_passes() -> None:
    assert (await check_registered(FakeRegistry(), APP, SHORT)).outcome is Outcome.PASS


async def test_health_that_lags_a_moment_under_load_still_passes() -> None:
    registry = FakeRegistry(health="unhealthy", healthy_after_reads=2)
    assert (await check_registered(registry, APP, SHORT)).outcome is Outcome.PASS


async def test_unlisted_agent_gets_the_registries_refusal_reason() -> None:
    registry = FakeRegistry(listed=False, refusal="contract hubspoke.agent/v1 is incompatible")
    result = await check_registered(registry, APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert "refused its registration: contract hubspoke.agent/v1 is incompatible" in result.message


async def test_unlisted_agent_without_refusal_is_told_how_to_register() -> None:
    result = await check_registered(FakeRegistry(listed=False), APP, SHORT)
    assert "publish {kind: register" in result.message


async def test_an_agent_that_stays_unhealthy_fails() -> None:
    result = await check_registered(FakeRegistry(health="unhealthy"), APP, SHORT)
    assert (result.outcome, result.message.startswith("listed unhealthy")) == (Outcome.FAIL, True)


async def test_heartbeat_passes_when_last_seen_advances_and_fails_when_it_stays() -> None:
    assert (await check_heartbeat(FakeRegistry(), APP, SHORT)).outcome is Outcome.PASS
    stuck = await check_heartbeat(FakeRegistry(beating=False), APP, SHORT)
    assert stuck.outcome is Outcome.FAIL
    assert "publish {kind: heartbeat" in stuck.message


async def test_deregistration_is_not_checked_without_control() -> None:
    result = await check_deregistration(FakeRegistry(), FakeBus(), None, APP, SHORT)
    assert result.outcome is Outcome.SKIP


async def test_deregistration_passes_when_the_agent_says_goodbye_and_leaves() -> None:
    registry, bus = FakeRegistry(), FakeBus()
    bus.registry_stream.append({"kind": "deregister", "app_id": APP})  # before the check: ignored
    control = FakeControl(registry, bus)
    result = await check_deregistration(registry, bus, control, APP, SHORT)
    assert result.outcome is Outcome.PASS, result.message
    assert control.calls == ["stop", "start"]


async def test_an_agent_that_stops_without_goodbye_fails_and_is_started_again() -> None:
    registry, bus = FakeRegistry(), FakeBus()
    bus.registry_stream.append({"kind": "deregister", "app_id": APP})  # an old goodbye
    control = FakeControl(registry, bus, deregisters=False)
    result = await check_deregistration(registry, bus, control, APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert "no deregister on agents.registry.weather" in result.message
    assert "publish {kind: deregister" in result.message
    assert control.calls == ["stop", "start"]


async def test_a_goodbye_for_another_instance_fails() -> None:
    registry, bus = FakeRegistry(), FakeBus()
    control = FakeControl(registry, bus, goodbye_instance="someone-else")
    result = await check_deregistration(registry, bus, control, APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert "deregister for instance someone-else, but the running instance heartbeats as i1" in (
        result.message
    )


async def test_heartbeats_after_the_goodbye_fail() -> None:
    registry, bus = FakeRegistry(), FakeBus()
    control = FakeControl(registry, bus, keeps_beating=True)
    result = await check_deregistration(registry, bus, control, APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert "went on heartbeating after its deregister" in result.message


async def test_a_registry_that_keeps_listing_is_reported_not_blamed_on_the_agent() -> None:
    registry, bus = FakeRegistry(), FakeBus()
    control = FakeControl(registry, bus, forgets=False)
    result = await check_deregistration(registry, bus, control, APP, SHORT)
    assert result.outcome is Outcome.PASS
    assert "the registry still listed it" in result.message


async def test_an_agent_that_never_heartbeats_cannot_be_checked_for_goodbye() -> None:
    registry, bus = FakeRegistry(), FakeBus(beating=False)
    result = await check_deregistration(registry, bus, FakeControl(registry, bus), APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert "no register or heartbeat on agents.registry.weather" in result.message


async def test_evaluation_passes_once_the_registry_says_passed() -> None:
    result = await check_evaluation(FakeRegistry(), APP, SHORT)
    assert (result.outcome, result.message) == (
        Outcome.PASS,
        "version 1.0.0 passed its evaluation examples",
    )


async def test_a_quarantined_agent_fails_naming_the_example_and_its_answer() -> None:
    failure = {"skill": "echo", "input": "hi", "answer": "ho", "reason": "the answer lacks 'hi'"}
    registry = FakeRegistry(
        evaluation={"state": "quarantined", "version": "1.0.0", "failure": failure}
    )
    result = await check_evaluation(registry, APP, SHORT)
    assert result.outcome is Outcome.FAIL
    assert result.message.startswith(
        "quarantined: example 'hi' (echo) answered 'ho': the answer lacks 'hi'"
    )


async def test_evaluation_is_not_checked_where_the_orchestrator_does_not_evaluate() -> None:
    result = await check_evaluation(FakeRegistry(evaluation=None), APP, SHORT)
    assert result.outcome is Outcome.SKIP
