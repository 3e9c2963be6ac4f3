"""Human approval: which calls need it, and the decisions on them.

A call needs approval when its skill's card says `approval: required`, or
when the skill has a tag in ORCHESTRATOR_APPROVAL_TAGS (a call to a named
agent, whose skill is not known, when any of the agent's skills does). The
task pauses `input_required` (TaskService); the waiting approval is stored
in the task and listed in an index (`ApprovalIndex`). A decision is written
to the task record ETag-checked, so the first of two wins (the second gets
409), and the task is queued again once all its approvals are decided. A
sweep on every replica ends the tasks whose deadline passed while an
approval waited (a refusal), and queues again a decided task whose queue
message was lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chassis.dapr import DaprError
from orchestrator.errors import (
    ApprovalDecided,
    ApprovalNotFound,
    ApprovalRefused,
    QueueUnavailable,
    TaskNotFound,
)
from orchestrator.ports import AgentSkill, TaskPolicy
from orchestrator.tasks.approval_store import ApprovalIndex, WaitingApproval
from orchestrator.tasks.models import (
    Approval,
    ApprovalDecision,
    ApprovalList,
    ApprovalRequest,
    StepStatus,
    TaskRecord,
    TaskStatus,
)
from orchestrator.tasks.store import TaskRepository

__all__ = [
    "DEADLINE_DECIDER",
    "ApprovalService",
    "TaskRunner",
    "expired",
    "needs_approval",
    "refusal_reason",
    "sweep_approvals",
]

log = logging.getLogger(__name__)

DEADLINE_DECIDER = "orchestrator"  # `by` of an approval its deadline ended
# A task queued again after a decision is taken up within a moment; one still
# queued after this long lost its message (the replica died between the two writes).
REQUEUE_AFTER = timedelta(seconds=30)


def needs_approval(
    skills: Sequence[AgentSkill], policy: TaskPolicy, app_id: str, skill: str | None
) -> bool:
    """Whether a call of `skill` (None: any skill) of `app_id` waits for a person."""
    return any(
        s.approval or not policy.approval_tags.isdisjoint(s.tags)
        for s in skills
        if s.app_id == app_id and (skill is None or s.skill_id == skill)
    )


def refusal_reason(approval: Approval) -> str:
    """Why a rejected step was not run, for the client."""
    what = f"{approval.agent}" + (f" ({approval.skill})" if approval.skill else "")
    if approval.by == DEADLINE_DECIDER:
        return f"the call of {what} was not approved before the task's deadline"
    said = f": {approval.comment}" if approval.comment else ""
    return f"{approval.by} rejected the call of {what}{said}"


def expired(task: TaskRecord, now: datetime) -> TaskRecord | None:
    """The task ended as refused when its deadline passed with approvals waiting, else None."""
    waiting = [a for a in task.approvals if a.decision is None]
    if not waiting or task.deadline is None or task.deadline > now:
        return None
    comment = "the task's deadline passed before a decision"
    decided = {
        a.step_id: a.model_copy(
            update={"decision": "rejected", "by": DEADLINE_DECIDER, "at": now, "comment": comment}
        )
        for a in waiting
    }
    steps = [
        s.model_copy(
            update={"status": StepStatus.REFUSED, "error": refusal_reason(decided[s.id or ""])}
        )
        if s.id in decided
        else s
        for s in task.steps
    ]
    first = next(iter(decided.values()))
    return task.model_copy(
        update={
            "status": TaskStatus.FAILED,
            "approvals": [decided.get(a.step_id, a) for a in task.approvals],
            "steps": steps,
            "error": refusal_reason(first),
            "error_status": ApprovalRefused.status,
            "completed_at": now,
        }
    )


class TaskRunner(Protocol):
    """What approvals need of the task service (orchestrator.tasks.service.TaskService)."""

    async def resume(self, task_id: str) -> None: ...

    async def expire(self, task_id: str) -> TaskRecord | None: ...


def _decided(task: TaskRecord, step_id: str, body: ApprovalDecision, by: str) -> TaskRecord:
    """The task with one approval decided; raises ApprovalNotFound or ApprovalDecided."""
    approval = task.approval(step_id)
    if approval is None:
        raise ApprovalNotFound(f"task {task.id} has no approval for step {step_id!r}")
    if task.status.final:
        raise ApprovalDecided(f"task {task.id} has ended ({task.status}); nothing to decide")
    if approval.decision is not None:
        raise ApprovalDecided(
            f"step {step_id} was {approval.decision} by {approval.by} at "
            f"{approval.at.isoformat() if approval.at else 'an unknown time'}"
        )
    decision = "approved" if body.decision == "approve" else "rejected"
    now = datetime.now(UTC)
    decided = approval.model_copy(
        update={"decision": decision, "by": by, "at": now, "comment": body.comment}
    )
    approvals = [decided if a.step_id == step_id else a for a in task.approvals]
    still_waiting = any(a.decision is None for a in approvals)
    return task.model_copy(
        update={
            "approvals": approvals,
            "status": TaskStatus.INPUT_REQUIRED if still_waiting else TaskStatus.QUEUED,
        }
    )


class ApprovalService:
    """Lists waiting approvals, takes decisions on them, and sweeps the expired ones."""

    def __init__(self, *, tasks: TaskRepository, index: ApprovalIndex, runner: TaskRunner) -> None:
        self._tasks = tasks
        self._index = index
        self._runner = runner

    async def waiting(self) -> ApprovalList:
        """Every approval still waiting, oldest first, as the task records say."""
        found: list[ApprovalRequest] = []
        for entry in await self._index.entries():
            task = await self._tasks.get(entry.task_id)
            approval = None if task is None else task.approval(entry.step_id)
            if task is None or task.status.final or approval is None:
                continue
            if approval.decision is None:
                found.append(ApprovalRequest(task_id=task.id, **approval.model_dump()))
        found.sort(key=lambda a: a.requested_at)
        return ApprovalList(count=len(found), approvals=found)

    async def decide(
        self, task_id: str, step_id: str, body: ApprovalDecision, *, by: str
    ) -> TaskRecord:
        """Record `by`'s decision on one step (now, UTC) and queue the task again once every
        approval of it is decided. Raises TaskNotFound, ApprovalNotFound, ApprovalDecided
        (409: decided already, the task ended, or its deadline passed: it is refused then),
        QueueUnavailable (the decision is stored; the sweep queues the task later)."""
        current = await self._tasks.get(task_id)
        if current is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        if current.approval(step_id) is not None and expired(current, datetime.now(UTC)):
            await self._runner.expire(task_id)
            await self._index.remove(task_id)
            raise ApprovalDecided(
                f"task {task_id}'s deadline has passed: the step was refused, not run"
            )
        failure: ApprovalNotFound | ApprovalDecided | None = None

        def decide(task: TaskRecord) -> TaskRecord | None:
            nonlocal failure
            try:
                failure = None
                return _decided(task, step_id, body, by)
            except (ApprovalNotFound, ApprovalDecided) as exc:
                failure = exc
                return None

        task, _ = await self._tasks.transition(task_id, decide)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        if failure is not None:
            raise failure
        if task.status is TaskStatus.QUEUED:
            await self._runner.resume(task_id)
        await self._index.remove(task_id, step_id)
        return task

    async def sweep(self) -> int:
        """Refuse approvals whose task's deadline passed, queue again decided tasks whose
        queue message was lost, forget what is done; how many tasks were ended."""
        ended = 0
        for entry in await self._index.entries():
            ended += await self._sweep_one(entry, datetime.now(UTC))
        return ended

    async def _sweep_one(self, entry: WaitingApproval, now: datetime) -> bool:
        task = await self._tasks.get(entry.task_id)
        approval = None if task is None else task.approval(entry.step_id)
        if task is None or approval is None:
            # Indexed before its task is stored paused: wait for that write (a plain
            # synchronous task is stored only then), unless it never came.
            if now - entry.requested_at > REQUEUE_AFTER:
                await self._index.remove(entry.task_id, entry.step_id)
        elif task.status.final:
            await self._index.remove(entry.task_id)
        elif expired(task, now) is not None:
            done = await self._runner.expire(task.id)
            await self._index.remove(entry.task_id)
            return done is not None
        elif approval.decision is None:
            pass  # still waiting, in time
        elif task.status is TaskStatus.QUEUED:
            if _stuck(task, now):
                await self._runner.resume(task.id)
        else:
            await self._index.remove(entry.task_id, entry.step_id)  # decided and taken up
        return False


def _stuck(task: TaskRecord, now: datetime) -> bool:
    decided = [a.at for a in task.approvals if a.at is not None]
    return bool(decided) and now - max(decided) > REQUEUE_AFTER


async def sweep_approvals(approvals: ApprovalService, every_s: float) -> None:
    """Sweep every `every_s` seconds until cancelled; a failed sweep is retried next time."""
    while True:
        await asyncio.sleep(every_s)
        try:
            ended = await approvals.sweep()
        except (DaprError, QueueUnavailable) as exc:
            log.warning("approval sweep failed: %s", exc)
            continue
        if ended:
            log.info("approval sweep refused %d task(s) past their deadline", ended)
