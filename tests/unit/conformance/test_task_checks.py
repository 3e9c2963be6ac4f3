"""Examples, refusals and the deadline against fake agents that do right and wrong."""

from __future__ import annotations

from datetime import timedelta

from a2a.types import SendMessageRequest, TaskState

from conformance.checks.tasks import check_deadline, check_examples, check_refusals
from conformance.ports import Answered, RpcFailed, SendOutcome, TransportFailed
from conformance.results import Outcome
from tests.unit.conformance.fakes import APP, FakeChannel, deadline_of, task, text_of

BUDGET = timedelta(seconds=30)
EXAMPLES = (("forecast", "weather in Oslo"), ("forecast", "rain in Bergen?"))


async def test_examples_answered_completed_pass_and_carry_skill_and_deadline() -> None:
    channel = FakeChannel()
    results = await check_examples(channel, APP, EXAMPLES, BUDGET)
    assert [(r.name, r.outcome) for r in results] == [
        ("example[forecast#1]", Outcome.PASS),
        ("example[forecast#2]", Outcome.PASS),
    ]
    sent = channel.sent[0]
    assert text_of(sent) == "weather in Oslo"
    assert sent.message.role == 1  # ROLE_USER
    assert deadline_of(sent).endswith("Z")
    assert len(sent.message.message_id) == 32


async def test_an_example_that_fails_says_to_fix_skill_or_example() -> None:
    channel = FakeChannel(behaviour=lambda _: Answered(task(TaskState.TASK_STATE_FAILED, "boom")))
    [result, _] = await check_examples(channel, APP, EXAMPLES, BUDGET)
    assert result.outcome is Outcome.FAIL
    assert "ended failed ('boom')" in result.message
    assert "fix the skill or the example" in result.message


async def test_completed_without_answer_artifact_fails() -> None:
    channel = FakeChannel(behaviour=lambda _: Answered(task(TaskState.TASK_STATE_COMPLETED)))
    [result, _] = await check_examples(channel, APP, EXAMPLES, BUDGET)
    assert "without an artifact 'answer'" in result.message


async def test_a_card_without_examples_fails() -> None:
    [result] = await check_examples(FakeChannel(), APP, (), BUDGET)
    assert (result.outcome, result.message) == (
        Outcome.FAIL,
        "the card's skills list no examples: add at least one",
    )


async def test_refusals_answered_rejected_with_reason_pass() -> None:
    channel = FakeChannel()
    results = await check_refusals(channel, APP, "forecast", BUDGET)
    assert [(r.name, r.outcome) for r in results] == [
        ("refusal.empty", Outcome.PASS),
        ("refusal.oversized", Outcome.PASS),
    ]
    assert [len(text_of(r)) for r in channel.sent] == [0, 20_001]


def _http_500(_: SendMessageRequest) -> SendOutcome:
    return TransportFailed(500, "Internal Server Error")


async def test_a_refusal_answered_http_500_fails_saying_refusals_are_answers() -> None:
    results = await check_refusals(FakeChannel(behaviour=_http_500), APP, None, BUDGET)
    assert all(r.outcome is Outcome.FAIL for r in results)
    assert "got HTTP 500 instead of state rejected" in results[0].message
    assert "JSON-RPC success (HTTP 200) with a Task in state rejected" in results[0].message


async def test_a_refusal_as_json_rpc_error_or_failed_or_without_reason_fails() -> None:
    def rpc_error(_: SendMessageRequest) -> SendOutcome:
        return RpcFailed(-32603, "Message.text cannot be empty")

    [empty, _] = await check_refusals(FakeChannel(behaviour=rpc_error), APP, None, BUDGET)
    assert "JSON-RPC error -32603 'Message.text cannot be empty'" in empty.message
    failing = FakeChannel(behaviour=lambda _: Answered(task(TaskState.TASK_STATE_FAILED, "x")))
    [empty, _] = await check_refusals(failing, APP, None, BUDGET)
    assert "ended failed, not rejected" in empty.message
    silent = FakeChannel(behaviour=lambda _: Answered(task(TaskState.TASK_STATE_REJECTED, "")))
    [empty, _] = await check_refusals(silent, APP, None, BUDGET)
    assert "rejected without a reason" in empty.message


async def test_a_step_past_its_deadline_failed_at_once_passes() -> None:
    channel = FakeChannel()
    result = await check_deadline(channel, APP, EXAMPLES[0], timedelta(seconds=5))
    assert result.outcome is Outcome.PASS
    assert "'deadline passed'" in result.message


async def test_a_step_past_its_deadline_that_completes_fails() -> None:
    def ignores_deadline(_: SendMessageRequest) -> SendOutcome:
        return Answered(task(TaskState.TASK_STATE_COMPLETED, answer="sunny"))

    channel = FakeChannel(behaviour=ignores_deadline)
    result = await check_deadline(channel, APP, EXAMPLES[0], timedelta(seconds=5))
    assert result.outcome is Outcome.FAIL
    assert "ended completed" in result.message
    assert "read metadata.hubspoke.deadline" in result.message


async def test_a_slow_refusal_of_a_past_deadline_fails() -> None:
    def slow(_: SendMessageRequest) -> SendOutcome:
        return Answered(task(TaskState.TASK_STATE_FAILED, "deadline passed"), seconds=9.0)

    result = await check_deadline(FakeChannel(behaviour=slow), APP, None, timedelta(seconds=5))
    assert result.outcome is Outcome.FAIL
    assert "only after 9.0s" in result.message


async def test_the_access_policy_denial_is_told_apart_from_an_agent_error() -> None:
    def denied(_: SendMessageRequest) -> SendOutcome:
        return TransportFailed(403, "rpc error: code = PermissionDenied desc = access control")

    [result, _] = await check_examples(FakeChannel(behaviour=denied), APP, EXAMPLES, BUDGET)
    assert "allow POST /a2a" in result.message
