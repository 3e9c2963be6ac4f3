"""Evaluation before routing and operator pauses, with fakes of the registry's ports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents.calculator.main import AGENT as CALCULATOR
from chassis.card import EvaluationExample, ExampleExpectation
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.dapr import SidecarUnavailable
from chassis.testing import InMemoryDapr
from orchestrator.ports import AgentRoute, ExampleAnswer
from orchestrator.registry.evaluation import EvaluationState, judge
from orchestrator.registry.evaluator import EvaluationLimits
from orchestrator.registry.policy import RegistryPolicy
from orchestrator.registry.service import (
    AgentEvaluating,
    AgentNotFound,
    AgentPaused,
    AgentQuarantined,
    RegistryService,
)
from orchestrator.registry.store import RegistryStore
from tests.unit.orchestrator.conftest import card_for

RIGHT = {"what is 17% of 240?": ExampleAnswer("completed", "17% of 240 = 40.8")}
REJECTS = {"1/0": ExampleAnswer("rejected", "division by zero")}


class FakeExamples:
    """An `ExampleRunner` answering from a table; counts what it was sent."""

    def __init__(self, answers: dict[str, ExampleAnswer]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, str]] = []
        self.unreachable = False

    async def run(
        self, route: AgentRoute, skill: str, text: str, timeout_s: float
    ) -> ExampleAnswer:
        self.sent.append((route.target, text))
        await asyncio.sleep(0)
        if self.unreachable:
            raise SidecarUnavailable("no sidecar")
        return self.answers[text]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def healthy(_: Any) -> Any:
    return {"status": "ok"}


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr({"calculator/healthz": healthy})


@pytest.fixture
def examples() -> FakeExamples:
    return FakeExamples({**RIGHT, **REJECTS})


def start_registry(dapr: InMemoryDapr, examples: FakeExamples, clock: Clock) -> RegistryService:
    """The registry of one orchestrator replica (a second call: another replica)."""
    return RegistryService(
        store=RegistryStore(dapr, "statestore"),
        dapr=dapr,
        policy=RegistryPolicy(),
        verify_cards=False,
        clock=clock,
        examples=examples,
        evaluation_limits=EvaluationLimits(retry_after=timedelta(seconds=5)),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(dapr: InMemoryDapr, examples: FakeExamples, clock: Clock) -> RegistryService:
    return start_registry(dapr, examples, clock)


def beat(clock: Clock, version: str = "0.1.0") -> RegistrationMessage:
    card = card_for(CALCULATOR, "calculator")
    return RegistrationMessage(
        kind=RegistrationKind.HEARTBEAT,
        app_id="calculator",
        instance_id="i1",
        card={**card, "version": version},
        sent_at=clock.now,
    )


async def until(condition: Callable[[], bool]) -> None:
    """Let background evaluations run until `condition` holds (fails after 500 turns)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the evaluation never got there")


def state(registry: RegistryService) -> EvaluationState:
    return registry.evaluation("calculator").state


def test_an_answer_passes_only_in_the_expected_state_with_every_expected_text() -> None:
    example = EvaluationExample(
        skill="arithmetic", input="2+3", expect=ExampleExpectation(contains=["= 5", "2 + 3"])
    )
    assert judge(example, ExampleAnswer("completed", "2 + 3 = 5")) is None
    assert judge(example, ExampleAnswer("completed", "2 + 3 = 6")) == "the answer lacks '= 5'"
    assert judge(example, ExampleAnswer("rejected", "2 + 3 = 5")) == (
        "the task ended rejected, expected completed"
    )
    shouting = EvaluationExample(
        skill="arithmetic", input="x", expect=ExampleExpectation(contains=["ABC"])
    )
    assert judge(shouting, ExampleAnswer("completed", "xabcx")) is None


async def test_a_new_agent_is_evaluating_and_unroutable_until_its_examples_pass(
    registry: RegistryService, examples: FakeExamples
) -> None:
    await registry.handle(beat(Clock()), sender="calculator")
    assert state(registry) is EvaluationState.EVALUATING
    assert registry.view("calculator").routable is False
    with pytest.raises(AgentEvaluating, match="being evaluated") as refused:
        registry.choose("2+3", "calculator")
    assert refused.value.status == 503
    assert registry.plannable_skills() == []
    await until(lambda: state(registry) is EvaluationState.PASSED)
    assert examples.sent == [("calculator", "what is 17% of 240?"), ("calculator", "1/0")]
    assert registry.choose("2+3", None) == "calculator"
    assert [s.app_id for s in registry.plannable_skills()] == ["calculator"]
    evaluation = registry.view("calculator").evaluation
    assert (evaluation.version, evaluation.failure) == ("0.1.0", None)
    assert evaluation.evaluated_at is not None


async def test_a_wrong_answer_quarantines_the_version_and_the_next_version_is_evaluated(
    registry: RegistryService, examples: FakeExamples, clock: Clock
) -> None:
    examples.answers["1/0"] = ExampleAnswer("completed", "1/0 = infinity")
    await registry.handle(beat(clock), sender="calculator")
    assert not registry.undeliverable("calculator")  # being evaluated: queued work waits
    await until(lambda: state(registry) is EvaluationState.QUARANTINED)
    assert registry.undeliverable("calculator")  # its queued work fails at once
    with pytest.raises(AgentQuarantined):
        registry.ensure_available("calculator", queued=True)
    failure = registry.view("calculator").evaluation.failure
    assert failure is not None
    assert (failure.skill, failure.input, failure.answer) == ("arithmetic", "1/0", "1/0 = infinity")
    assert failure.reason == "the task ended completed, expected rejected"
    with pytest.raises(AgentQuarantined, match=r"example '1/0' \(arithmetic\) answered") as no:
        registry.choose("", "calculator")
    assert no.value.status == 409
    with pytest.raises(AgentQuarantined):
        registry.route("calculator")
    assert registry.plannable_skills() == []
    assert registry.alternatives("arithmetic", exclude="other") == []
    # Heartbeats of the same version do not run it again.
    await registry.handle(beat(clock), sender="calculator")
    await asyncio.sleep(0.01)
    assert len(examples.sent) == 2
    examples.answers.update(REJECTS)
    await registry.handle(beat(clock, version="0.1.1"), sender="calculator")
    assert state(registry) is EvaluationState.EVALUATING
    await until(lambda: state(registry) is EvaluationState.PASSED)
    assert registry.view("calculator").evaluation.version == "0.1.1"
    assert registry.routable("calculator")


async def test_an_unreachable_agent_stays_evaluating_and_is_tried_again(
    registry: RegistryService, examples: FakeExamples, clock: Clock
) -> None:
    examples.unreachable = True
    await registry.handle(beat(clock), sender="calculator")
    await until(lambda: registry.view("calculator").evaluation.failure is not None)
    failure = registry.view("calculator").evaluation.failure
    assert failure is not None
    assert "no answer" in failure.reason
    assert state(registry) is EvaluationState.EVALUATING
    await registry.handle(beat(clock), sender="calculator")  # too soon to try again
    await asyncio.sleep(0.01)
    assert len(examples.sent) == 1
    examples.unreachable = False
    examples.answers["what is 17% of 240?"] = ExampleAnswer("failed", "deadline passed")
    clock.now += timedelta(seconds=6)
    await registry.sweep()
    await until(lambda: len(examples.sent) == 2)
    await until(lambda: "the agent failed: deadline passed" in str(registry.view("calculator")))
    assert state(registry) is EvaluationState.EVALUATING  # its failure is no wrong answer
    examples.answers.update(RIGHT)
    clock.now += timedelta(seconds=6)
    await registry.sweep()
    await until(lambda: state(registry) is EvaluationState.PASSED)


async def test_the_outcome_is_shared_by_replicas_and_kept_across_restarts(
    dapr: InMemoryDapr, examples: FakeExamples, clock: Clock
) -> None:
    examples.answers["1/0"] = ExampleAnswer("completed", "oops")
    first = start_registry(dapr, examples, clock)
    second = start_registry(dapr, examples, clock)
    await first.load()
    await second.load()
    await asyncio.gather(
        first.handle(beat(clock), sender="calculator"),
        second.handle(beat(clock), sender="calculator"),
    )
    await until(lambda: state(first) is EvaluationState.QUARANTINED)
    await second.load()
    assert state(second) is EvaluationState.QUARANTINED
    assert len(examples.sent) == 2  # one replica ran the two examples, not both
    restarted = start_registry(dapr, examples, clock)
    await restarted.load()
    await restarted.sweep()
    await asyncio.sleep(0.01)
    assert state(restarted) is EvaluationState.QUARANTINED
    assert len(examples.sent) == 2


async def test_a_paused_agent_gets_no_work_until_resumed(
    registry: RegistryService, clock: Clock
) -> None:
    await registry.handle(beat(clock), sender="calculator")
    await until(lambda: registry.routable("calculator"))
    paused = await registry.pause("calculator", by="alice", reason="drifting answers")
    assert paused.paused is not None
    assert (paused.paused.by, paused.paused.reason, paused.paused.at) == (
        "alice",
        "drifting answers",
        clock.now,
    )
    assert paused.routable is False
    with pytest.raises(AgentPaused, match="paused by alice: drifting answers"):
        registry.ensure_available("calculator")
    assert registry.plannable_skills() == []
    assert registry.search("2+3") == []
    await registry.handle(beat(clock), sender="calculator")  # a heartbeat keeps the pause
    assert registry.view("calculator").paused is not None
    resumed = await registry.resume("calculator", by="bob", reason="")
    assert resumed.paused is None
    assert resumed.resumed is not None
    assert resumed.resumed.by == "bob"
    assert registry.choose("", "calculator") == "calculator"
    with pytest.raises(AgentNotFound):
        await registry.pause("nobody", by="alice", reason="x")


async def test_without_an_example_runner_every_version_passes_as_it_registers(
    dapr: InMemoryDapr, clock: Clock
) -> None:
    registry = RegistryService(
        store=RegistryStore(dapr, "statestore"), dapr=dapr, policy=RegistryPolicy(), clock=clock,
        verify_cards=False,
    )  # fmt: skip
    await registry.handle(beat(clock), sender="calculator")
    assert state(registry) is EvaluationState.PASSED
    assert registry.routable("calculator")
