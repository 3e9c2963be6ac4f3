"""A message in a waiting task gives its approval; the spec's errors for the rest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from a2a.helpers.proto_helpers import new_data_part
from a2a.types import Message, Part, Role
from a2a.utils.errors import InvalidParamsError, UnsupportedOperationError

from orchestrator.callers import Caller
from orchestrator.edge.continuation import continue_task, decision_of
from orchestrator.errors import ApprovalDecided
from orchestrator.tasks.models import Approval, ApprovalDecision, TaskRecord, TaskStatus

OPERATOR = Caller(id="ops", name="ops", roles=frozenset({"operator"}))
ALICE = Caller(id="alice", name="alice")
NOW = datetime.now(UTC)


def message(*parts: Part, context_id: str = "") -> Message:
    return Message(
        message_id="m",
        role=Role.ROLE_USER,
        parts=list(parts),
        task_id="t" * 32,
        context_id=context_id,
    )


def waiting(status: TaskStatus = TaskStatus.INPUT_REQUIRED) -> TaskRecord:
    approval = Approval(
        step_id="s1", agent="ledger", input="post 1 EUR", requested_at=NOW, deadline=NOW
    )
    return TaskRecord(
        id="a" * 32,
        input="post 1 EUR",
        status=status,
        created_at=NOW,
        deadline=NOW + timedelta(seconds=30),
        context_id="ctx",
        approvals=[approval],
    )


class Decisions:
    """The approval service, recording what it was asked to decide."""

    def __init__(self, refuse: bool = False) -> None:
        self.asked: list[tuple[str, str, ApprovalDecision, str]] = []
        self.refuse = refuse

    async def decide(
        self, task_id: str, step_id: str, body: ApprovalDecision, *, by: str
    ) -> TaskRecord:
        if self.refuse:
            raise ApprovalDecided("decided already")
        self.asked.append((task_id, step_id, body, by))
        return waiting(TaskStatus.QUEUED)

    async def get(self, task_id: str) -> TaskRecord:
        return waiting(TaskStatus.COMPLETED)


@pytest.mark.parametrize(
    ("text", "decision", "comment"),
    [
        ("approve", "approve", None),
        ("Approved.", "approve", None),
        ("yes", "approve", None),
        ("reject: not this month", "reject", "not this month"),
        ("No", "reject", None),
        ("rejected - wrong account", "reject", "wrong account"),
    ],
)
def test_a_word_in_the_message_is_the_decision(
    text: str, decision: str, comment: str | None
) -> None:
    expected = ApprovalDecision.model_validate({"decision": decision, "comment": comment})
    assert decision_of(message(Part(text=text))) == expected


def test_a_data_part_is_the_decision() -> None:
    given = decision_of(message(new_data_part({"decision": "reject", "comment": "late"})))
    assert given == ApprovalDecision(decision="reject", comment="late")
    with pytest.raises(InvalidParamsError):
        decision_of(message(new_data_part({"decision": "maybe"})))


def test_other_words_are_no_decision() -> None:
    assert decision_of(message(Part(text="please go ahead"))) is None
    assert decision_of(message(Part(text="nobody approved it"))) is None


def continued(task: TaskRecord, given: Message, caller: Caller, decisions: Decisions) -> TaskRecord:
    return asyncio.run(
        continue_task(task, given, caller, approvals=decisions, tasks=decisions, wait=True)
    )


def test_an_operators_message_decides_every_waiting_step_and_waits_for_the_end() -> None:
    decisions = Decisions()
    done = continued(waiting(), message(Part(text="approve")), OPERATOR, decisions)
    assert done.status is TaskStatus.COMPLETED
    assert [(s, d.decision, by) for _, s, d, by in decisions.asked] == [("s1", "approve", "ops")]


@pytest.mark.parametrize(
    ("task", "caller", "given", "error", "reason"),
    [
        (waiting(TaskStatus.COMPLETED), OPERATOR, "approve", UnsupportedOperationError, "terminal"),
        (waiting(TaskStatus.FAILED), OPERATOR, "approve", UnsupportedOperationError, "terminal"),
        (waiting(TaskStatus.RUNNING), OPERATOR, "approve", UnsupportedOperationError, "running"),
        (waiting(), ALICE, "approve", UnsupportedOperationError, "only an operator"),
        (waiting(), OPERATOR, "go on", InvalidParamsError, 'reply "approve"'),
    ],
)
def test_a_message_the_task_cannot_take_is_refused_with_the_spec_error(
    task: TaskRecord, caller: Caller, given: str, error: type[Exception], reason: str
) -> None:
    decisions = Decisions()
    with pytest.raises(error, match=reason):
        continued(task, message(Part(text=given)), caller, decisions)
    assert decisions.asked == []


def test_a_context_other_than_the_tasks_is_invalid_params() -> None:
    with pytest.raises(InvalidParamsError, match="not the context"):
        continued(
            waiting(), message(Part(text="approve"), context_id="other"), OPERATOR, Decisions()
        )


def test_a_decision_the_service_refuses_is_unsupported_operation() -> None:
    with pytest.raises(UnsupportedOperationError, match="decided already"):
        continued(waiting(), message(Part(text="approve")), OPERATOR, Decisions(refuse=True))
