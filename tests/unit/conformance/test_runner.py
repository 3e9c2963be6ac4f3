"""The whole kit on fakes: a conforming agent passes, a broken one fails, the exit code says so."""

from __future__ import annotations

import json
from datetime import timedelta

from a2a.types import SendMessageRequest

from conformance.ports import HttpAnswer, SendOutcome, TransportFailed
from conformance.results import Outcome, Report
from conformance.runner import KitOptions, run_checks
from tests.unit.conformance.fakes import (
    APP,
    FakeBus,
    FakeChannel,
    FakeControl,
    FakeRegistry,
    good_card,
    well_behaved,
    without,
)

FAST = KitOptions(
    async_wait=timedelta(seconds=0.5),
    async_settle=timedelta(seconds=0.3),
    heartbeat_wait=timedelta(seconds=0.5),
    deregister_wait=timedelta(seconds=0.5),
)
SECRETS = {"weather's Dapr API token": "tok-123"}


async def run_on_fakes(
    channel: FakeChannel,
    bus: FakeBus,
    registry: FakeRegistry,
    control: FakeControl | None = None,
) -> Report:
    """The whole kit against APP through these fakes, with SECRETS and short waits."""
    return await run_checks(
        APP,
        channel=channel,
        bus=bus,
        registry=registry,
        transcript=channel.transcript,
        secrets=SECRETS,
        control=control,
        options=FAST,
    )


async def test_a_conforming_agent_passes_every_check() -> None:
    channel, registry, bus = FakeChannel(), FakeRegistry(), FakeBus()
    report = await run_on_fakes(channel, bus, registry, FakeControl(registry, bus))
    assert report.failures == [], report.render()
    assert report.exit_code == 0
    assert {r.outcome for r in report.results} == {Outcome.PASS}
    assert report.render().splitlines()[-1] == f"{APP} conforms: 26 passed, 0 failed, 0 not checked"


def _refuses_with_500_and_leaks(request: SendMessageRequest) -> SendOutcome:
    if not request.message.parts[0].text:
        return TransportFailed(500, "crashed reading tok-123")
    return well_behaved(request)


async def test_a_broken_agent_fails_with_what_to_fix_and_exit_code_1() -> None:
    card = without(good_card(), "provider", "url")
    channel = FakeChannel(
        card=HttpAnswer(200, json.dumps(card)), behaviour=_refuses_with_500_and_leaks
    )
    channel.transcript.record("SendMessage refusal.empty", "crashed reading tok-123")
    report = await run_on_fakes(channel, FakeBus(dedupe=False), FakeRegistry())
    failed = {r.name: r.message for r in report.failures}
    assert set(failed) == {"card.a2a", "refusal.empty", "async.once", "secrets"}
    assert "set provider.url" in failed["card.a2a"]
    assert report.exit_code == 1
    rendered = report.render()
    assert "FAIL refusal.empty" in rendered
    assert "SKIP registry.deregistration" in rendered
    assert rendered.endswith("does NOT conform: 21 passed, 4 failed, 1 not checked")


async def test_without_a_readable_card_the_card_dependent_checks_are_not_checked() -> None:
    registry, bus = FakeRegistry(), FakeBus()
    channel = FakeChannel(card=HttpAnswer(500, "app channel is not initialized"))
    report = await run_on_fakes(channel, bus, registry)
    outcomes = {r.name: r.outcome for r in report.results}
    assert outcomes["card.fetch"] is Outcome.FAIL
    assert (outcomes["examples"], outcomes["async.once"]) == (Outcome.SKIP, Outcome.SKIP)
    assert bus.stream == []
    assert report.exit_code == 1


async def test_a_secret_an_agent_echoes_is_masked_in_the_report() -> None:
    def echoes_token(request: SendMessageRequest) -> SendOutcome:
        return TransportFailed(500, "debug: dapr-api-token=tok-123")

    channel = FakeChannel(behaviour=echoes_token)
    report = await run_on_fakes(channel, FakeBus(), FakeRegistry())
    rendered = report.render()
    assert "tok-123" not in rendered
    assert "debug: dapr-api-token=[weather's Dapr API token]" in rendered
