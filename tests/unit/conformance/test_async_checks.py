"""Asynchronous work: answered once per stepId, or told what is missing."""

from __future__ import annotations

from datetime import timedelta

from conformance.checks.async_work import check_async_work
from conformance.ports import Transcript
from conformance.results import Outcome
from tests.unit.conformance.fakes import APP, FakeBus

EXAMPLE = ("forecast", "weather in Oslo")
WAIT = timedelta(seconds=0.5)


async def run(bus: FakeBus, offers: bool = True) -> tuple[Outcome, str]:
    result = await check_async_work(
        bus, Transcript(), APP, EXAMPLE, offers_pubsub=offers, wait=WAIT, settle=WAIT
    )
    return result.outcome, result.message


async def test_an_agent_that_resends_its_first_answer_passes() -> None:
    bus = FakeBus(dedupe=True)
    outcome, message = await run(bus)
    assert outcome is Outcome.PASS
    assert "2 copies of the same answer" in message
    assert len(bus.stream) == 2


async def test_an_agent_that_works_twice_on_one_step_fails() -> None:
    outcome, message = await run(FakeBus(dedupe=False))
    assert outcome is Outcome.FAIL
    assert "was worked on 2 times" in message
    assert "dedupe by stepId" in message


async def test_the_work_message_has_the_designs_shape() -> None:
    bus = FakeBus()
    await run(bus)
    result = bus.stream[0]
    assert result["agent"] == APP
    assert len(result["stepId"]) == 32
    assert result["taskId"].startswith("conformance-")


async def test_no_result_fails_saying_where_to_publish() -> None:
    outcome, message = await run(FakeBus(answers=False))
    assert outcome is Outcome.FAIL
    assert "no result for stepId" in message
    assert "publish {taskId, stepId, agent, task} on agent.results.<app-id>" in message


async def test_a_topic_the_stack_does_not_route_fails_with_the_component_fix() -> None:
    outcome, message = await run(FakeBus(publish_status=403))
    assert outcome is Outcome.FAIL
    assert "HTTP 403" in message
    assert "components/common/pubsub.yaml" in message


async def test_a_card_without_the_pubsub_interface_is_not_checked() -> None:
    bus = FakeBus()
    outcome, _ = await run(bus, offers=False)
    assert outcome is Outcome.SKIP
    assert bus.stream == []
