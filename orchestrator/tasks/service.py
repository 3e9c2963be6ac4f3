"""Task use cases: plan (or take the named agent), call agents, record, announce.

A synchronous task runs in the request and calls agents by Dapr service
invocation. An asynchronous one is stored, queued on `tasks.requested` and
answered 202; a worker (any replica) runs it from the queue and calls agents
over pub/sub. Either way every agent call gets the task's deadline, a failed
call may fail over to another agent with the same skill, and a task reaches
its final state once, however often its message is delivered.

A call that needs a person's approval (orchestrator/tasks/approvals.py) is
not made: the task pauses `input_required` with the approval stored in it.
Once decided, the task is queued again and run from the start by any replica;
the calls it answered before are replayed from its stored steps, not made again.

A task canceled (orchestrator/tasks/cancellation.py) stops before its next
step; the steps it answered stay in its record.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry import trace

from chassis.contract import TASKS_REQUESTED_TOPIC, TaskCompleted, remaining_seconds
from chassis.dapr import DaprError, DaprPort
from chassis.errors import ServiceError, UnprocessableError
from orchestrator.errors import (
    AgentRejectedTask,
    ApprovalPending,
    ApprovalRefused,
    DeadlineExceeded,
    NoAgentCalled,
    PlanTooLong,
    QueueUnavailable,
    TaskNotFound,
)
from orchestrator.metrics import TaskMetrics
from orchestrator.ports import (
    AgentDirectory,
    ConversationMemory,
    ConversationTurn,
    SkillCall,
    TaskPlanner,
    TaskPolicy,
    plan_observer,
    plan_paused,
)
from orchestrator.tasks.approvals import expired, needs_approval, refusal_reason
from orchestrator.tasks.cancellation import RunCancellation, TaskCanceled
from orchestrator.tasks.models import (
    Approval,
    QueuedTask,
    StepStatus,
    TaskMode,
    TaskRecord,
    TaskRequest,
    TaskStatus,
    TaskStep,
)
from orchestrator.tasks.runs import EventSink, Outcome, TaskEvent, TaskRun, current_run
from orchestrator.tasks.store import TaskRepository
from orchestrator.tasks.transports import AgentCall, AgentTransport

__all__ = ["TaskService"]

log = logging.getLogger(__name__)


class TaskService:
    """Runs tasks: the named agent, or a plan over every agent's skills."""

    def __init__(
        self,
        *,
        dapr: DaprPort,
        tasks: TaskRepository,
        agents: AgentDirectory,
        planner: Callable[[SkillCall], TaskPlanner],
        invocation: AgentTransport,
        messaging: AgentTransport,
        pubsub: str,
        task_queue: str,
        completed_topic: str,
        policy: TaskPolicy | None = None,
        on_pause: Callable[[str, list[Approval]], Awaitable[None]] | None = None,
        conversations: ConversationMemory | None = None,
    ) -> None:
        self._dapr = dapr
        self._policy = policy or TaskPolicy()
        self._tasks = tasks
        self._agents = agents
        # The planner's functions call back into this service: hand it our invoker.
        self._planner = planner(self.skill_invoker)
        self._transports = {TaskMode.SYNC: invocation, TaskMode.ASYNC: messaging}
        self._metrics = TaskMetrics()
        self._running: set[asyncio.Task[None]] = set()
        self._pubsub = pubsub
        self._task_queue = task_queue
        self._completed_topic = completed_topic
        # Told of the approvals a task starts waiting for (the index of waiting approvals).
        self._on_pause = on_pause
        # The contexts tasks continue (orchestrator/conversations/); None: every task alone.
        self._conversations = conversations
        self.cancellation = RunCancellation(tasks, self._announce)

    def check(self, request: TaskRequest) -> None:
        """Refuse at once what cannot run: an input over the limit, a deadline over the
        maximum, a named agent that is unknown or unhealthy (UnprocessableError, or the
        registry's errors)."""
        if len(request.input) > self._policy.max_input_chars:
            raise UnprocessableError(
                f"the input has {len(request.input)} characters; "
                f"at most {self._policy.max_input_chars} are taken in one task"
            )
        if request.deadline_seconds and request.deadline_seconds > self._policy.max_deadline_s:
            raise UnprocessableError(
                f"deadline_seconds may be at most {self._policy.max_deadline_s:g}"
            )
        if request.agent is not None:
            self._agents.choose(request.input, request.agent)

    def _new_task(self, request: TaskRequest, status: TaskStatus, owner: str | None) -> TaskRecord:
        self.check(request)
        now = datetime.now(UTC)
        default = self._policy.async_deadline_s if request.mode is TaskMode.ASYNC else None
        budget = request.deadline_seconds or default or self._policy.deadline_s
        return TaskRecord(
            id=uuid.uuid4().hex,
            input=request.input,
            status=status,
            mode=request.mode,
            requested_agent=request.agent,
            context_id=request.context_id,
            owner=owner,
            created_at=now,
            deadline=now + timedelta(seconds=budget),
            trace_id=_current_trace_id(),
        )

    async def submit(
        self, request: TaskRequest, emit: EventSink | None = None, *, owner: str | None = None
    ) -> TaskRecord:
        """Run a task for `owner` (a caller's id; None: operators only read it) to its end
        and return it; failures are stored before raising.

        A streamed task is stored at once (the client has its id and may read
        it); a plain one only when it ends: nobody could ask for it before.
        """
        task = self._new_task(request, TaskStatus.RUNNING, owner)
        if emit is not None:
            await self._tasks.save(task)
            return await self._execute(task, emit)
        return await self._execute(task, None, unsaved=task)

    async def accept(self, request: TaskRequest, *, owner: str | None = None) -> TaskRecord:
        """Store a task for `owner` and queue it on pub/sub; it is accepted only once queued."""
        task = self._new_task(request, TaskStatus.QUEUED, owner)
        await self._tasks.save(task)
        message = QueuedTask(task_id=task.id).model_dump_json().encode()
        try:
            # The task id is the message id: a queue entry published twice runs once.
            await self._dapr.publish(
                self._task_queue,
                TASKS_REQUESTED_TOPIC,
                message,
                metadata={"cloudevent.id": task.id},
            )
        except DaprError as exc:
            log.warning("task %s not queued: %s", task.id, exc)
            reason = "the task could not be queued (pub/sub unavailable); try again shortly"
            await self._finish(
                task.id, TaskStatus.FAILED, error=reason, error_status=QueueUnavailable.status
            )
            raise QueueUnavailable(reason, task_id=task.id) from exc
        log.info("task queued", extra={"task_id": task.id})
        return task

    async def run_queued(self, task_id: str) -> TaskRecord:
        """Run a queued task (a redelivery of a finished task changes nothing)."""

        def start(current: TaskRecord) -> TaskRecord | None:
            if current.status is not TaskStatus.QUEUED:
                return None  # running already (a redelivery after a crash) or final
            return current.model_copy(update={"status": TaskStatus.RUNNING})

        task, _ = await self._tasks.transition(task_id, start)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        if task.status.final:
            return task
        try:
            return await self._execute(task, None)
        except ServiceError:
            return await self.get(task_id)  # the failure is stored with its reason

    async def fail(self, task_id: str, reason: str) -> bool:
        """Fail a task that has not finished yet (e.g. its message was dead-lettered)."""
        _, written = await self._finish(task_id, TaskStatus.FAILED, error=reason)
        return written

    async def stream(
        self, request: TaskRequest, *, owner: str | None = None
    ) -> AsyncIterator[TaskEvent]:
        """Run a task for `owner`, yielding its progress; the task runs to its end even if
        nobody listens."""
        queue: asyncio.Queue[TaskEvent | None] = asyncio.Queue()

        async def run() -> None:
            try:
                task = await self.submit(
                    request,
                    emit=lambda name, data: queue.put_nowait(TaskEvent(name, data)),
                    owner=owner,
                )
                queue.put_nowait(TaskEvent("answer", task.model_dump(mode="json")))
            except ServiceError as exc:
                problem = {"status": exc.status, "detail": exc.detail, **exc.extra}
                queue.put_nowait(TaskEvent("error", problem))
            except Exception:
                log.exception("streamed task failed unexpectedly")
                problem = {"status": 500, "detail": "internal error; the service log has it"}
                queue.put_nowait(TaskEvent("error", problem))
            finally:
                queue.put_nowait(None)

        # Held here, not only by the generator: a client that goes away closes the
        # generator, and the task must still run to its end and be stored.
        runner = asyncio.create_task(run())
        self._running.add(runner)
        runner.add_done_callback(self._running.discard)
        while (event := await queue.get()) is not None:
            yield event

    async def _execute(
        self, task: TaskRecord, emit: EventSink | None, *, unsaved: TaskRecord | None = None
    ) -> TaskRecord:
        deadline = task.deadline or task.created_at + timedelta(seconds=self._policy.deadline_s)
        run = TaskRun(
            task.id,
            deadline,
            self._transports[task.mode],
            self._policy.step_id_key,
            answered={s.id: s for s in task.steps if s.id and s.status is StepStatus.COMPLETED},
            approvals={a.step_id: a for a in task.approvals},
        )
        if emit is not None:
            run.emit = emit
        run.emit("task", {"id": task.id, "status": task.status})
        token = current_run.set(run)
        observed = plan_observer.set(run.report_plan)
        pausing = plan_paused.set(lambda: run.paused)
        answer = ""
        try:
            async with (
                self.cancellation.scope(task.id),
                asyncio.timeout(max(remaining_seconds(deadline), 0)),
            ):
                history = await self._recall(task)
                run.conversation = tuple(history)
                if task.requested_agent is not None:
                    answer, _ = await self._run_step(task.requested_agent, None, task.input)
                else:
                    self._planner.refresh(self._agents.plannable_skills())
                    answer = await self._planner.answer(task.input, history)
        except TaskCanceled:
            return await self.cancellation.settle(task.id, [s for s, _ in run.steps])
        except TimeoutError:
            if not any(error is None for _, error in run.steps):
                failure = DeadlineExceeded("the task's deadline passed before an agent answered")
                await self._fail(task.id, failure, unsaved=unsaved)
                raise failure from None
            answer = "\n".join(s.output or "" for s, error in run.steps if error is None)
        except ServiceError as refusal:  # e.g. the planner found no agent for any part
            await self._fail(task.id, refusal, unsaved=unsaved, steps=[s for s, _ in run.steps])
            raise
        finally:
            plan_paused.reset(pausing)
            plan_observer.reset(observed)
            current_run.reset(token)
        if run.paused:
            return await self._pause(task, run, unsaved)
        return await self._conclude(task, answer, run.steps, unsaved)

    async def _pause(
        self, task: TaskRecord, run: TaskRun, unsaved: TaskRecord | None
    ) -> TaskRecord:
        """Store the task waiting for approval, with the steps answered so far."""
        steps = [s for s, _ in run.steps]
        if self._on_pause is not None:
            await self._on_pause(task.id, run.waiting)  # listed before it can be decided

        def pause(current: TaskRecord) -> TaskRecord | None:
            if current.status.final:
                return None
            known = {a.step_id for a in current.approvals}
            approvals = current.approvals + [a for a in run.waiting if a.step_id not in known]
            return current.model_copy(
                update={
                    "status": TaskStatus.INPUT_REQUIRED,
                    "steps": steps,
                    "approvals": approvals,
                }
            )

        if unsaved is not None:
            paused = pause(unsaved)
            assert paused is not None  # a task that was never stored is not final yet
            await self._tasks.create(paused)
        else:
            stored, _ = await self._tasks.transition(task.id, pause)
            if stored is None:
                raise TaskNotFound(f"task {task.id!r} vanished from the state store")
            paused = stored
        log.info("task waits for approval", extra={"task_id": task.id})
        return paused

    async def skill_invoker(
        self, app_id: str, skill: str, text: str, arguments: dict[str, Any] | None = None
    ) -> str:
        """What the planner's kernel functions call: one step of the current task.

        If the agent is down or failing, another healthy agent with the same
        skill takes the step; an agent that rejects the input is not retried
        elsewhere (the input is the problem). The failed attempt stays in the
        task's steps, so the answer shows the failover.
        """
        output, error = await self._run_step(app_id, skill, text, arguments)
        if isinstance(error, AgentRejectedTask | DeadlineExceeded | PlanTooLong | ApprovalPending):
            return output
        for other in self._agents.alternatives(skill, exclude=app_id) if error else []:
            output, error = await self._run_step(other, skill, text, arguments)
            if error is None:
                break
        return output

    async def _run_step(
        self, app_id: str, skill: str | None, text: str, arguments: dict[str, Any] | None = None
    ) -> tuple[str, ServiceError | None]:
        run = current_run.get()
        position, run.started = run.started, run.started + 1
        step = TaskStep(
            id=run.step_id(app_id, skill, text),
            agent=app_id,
            skill=skill,
            input=text,
            arguments=arguments or {},
            status=StepStatus.FAILED,
        )
        if position >= self._policy.max_steps:
            limit = self._policy.max_steps
            too_long = PlanTooLong(
                f"the plan exceeds {limit} agent calls; send fewer requests in one task"
            )
            if position == limit:  # the first call over the limit stands for all of them
                run.record(position, (step.model_copy(update={"error": too_long.detail}), too_long))
            return f"(not run: {too_long.detail})", too_long
        answered = run.answered.get(step.id or "")
        if answered is not None:  # answered before the task paused: not called again
            run.record(position, (answered, None))
            return answered.output or "", None
        if needs_approval(self._agents.plannable_skills(), self._policy, app_id, skill):
            held = self._hold(run, position, step)
            if held is not None:
                return held
        await self.cancellation.check(run.task_id)  # a canceled task starts no more steps
        run.emit("step.started", {"agent": app_id, "skill": skill, "input": text})
        started = time.perf_counter()
        call = AgentCall(
            run.task_id,
            step.id or "",
            app_id,
            text,
            run.deadline,
            skill=skill,
            arguments=step.arguments,
            conversation=run.conversation,
        )
        error: ServiceError | None = None
        try:
            queued = run.transport is self._transports[TaskMode.ASYNC]
            self._agents.ensure_available(app_id, queued=queued)
            answer = await run.transport.call(call)
        except ServiceError as exc:
            error = exc
            refused = isinstance(exc, AgentRejectedTask)
            status = StepStatus.REFUSED if refused else StepStatus.FAILED
            step = step.model_copy(update={"error": exc.detail, "status": status})
        else:
            step = step.model_copy(
                update={
                    "status": StepStatus.COMPLETED,
                    "output": answer.output,
                    "data": answer.data,
                }
            )
        outcome = "ok" if error is None else type(error).__name__
        self._metrics.agent_called(app_id, outcome, time.perf_counter() - started)
        run.record(position, (step, error))
        run.emit("step.finished", step.model_dump(mode="json"))
        if isinstance(error, AgentRejectedTask):
            return f"({error.detail})", error
        if error is not None:
            return f"(agent {app_id} failed: {error.detail})", error
        return step.output or "", None

    def _hold(self, run: TaskRun, position: int, step: TaskStep) -> tuple[str, ServiceError] | None:
        """A step that needs approval: None once approved (call it), else what it ends in."""
        approval = run.approvals.get(step.id or "")
        if approval is not None and approval.decision == "approved":
            return None
        error: ServiceError
        if approval is not None and approval.decision == "rejected":
            error = ApprovalRefused(refusal_reason(approval))
            step = step.model_copy(update={"status": StepStatus.REFUSED, "error": error.detail})
        else:
            if approval is None:
                approval = Approval(
                    step_id=step.id or "",
                    agent=step.agent,
                    skill=step.skill,
                    input=step.input,
                    requested_at=datetime.now(UTC),
                    deadline=run.deadline,
                )
                run.waiting.append(approval)
            error = ApprovalPending(f"the call of {step.agent!r} waits for a person's approval")
            step = step.model_copy(
                update={"status": StepStatus.AWAITING_APPROVAL, "error": error.detail}
            )
        run.record(position, (step, error))
        run.emit("step.finished", step.model_dump(mode="json"))
        return f"({error.detail})", error

    async def resume(self, task_id: str) -> None:
        """Queue a task again (its approvals are decided): any replica runs it from the queue.

        Raises QueueUnavailable when pub/sub does not take the message.
        """
        message = QueuedTask(task_id=task_id).model_dump_json().encode()
        try:
            await self._dapr.publish(
                self._task_queue,
                TASKS_REQUESTED_TOPIC,
                message,
                metadata={"cloudevent.id": f"{task_id}-{uuid.uuid4().hex[:12]}"},
            )
        except DaprError as exc:
            log.warning("task %s not queued again: %s", task_id, exc)
            raise QueueUnavailable(
                "the decision is stored, but the task could not be queued again (pub/sub "
                "unavailable); it is queued again shortly"
            ) from exc

    async def expire(self, task_id: str) -> TaskRecord | None:
        """End a task whose deadline passed while approvals waited: each such step is
        refused and the task fails as refused (422). None if there was nothing to end."""
        now = datetime.now(UTC)

        def change(current: TaskRecord) -> TaskRecord | None:
            return None if current.status.final else expired(current, now)

        done, written = await self._tasks.transition(task_id, change)
        if done is not None and written:
            await self._announce(done)
            return done
        return None

    async def _conclude(
        self, task: TaskRecord, answer: str, steps: list[Outcome], unsaved: TaskRecord | None
    ) -> TaskRecord:
        done = [s for s, error in steps if error is None]
        agents = list(dict.fromkeys(s.agent for s in done))
        recorded: dict[str, Any] = {"steps": [s for s, _ in steps], "agents": agents}
        too_long = next((e for _, e in steps if isinstance(e, PlanTooLong)), None)
        if too_long is not None:  # refused whole: the answer would leave parts undone
            await self._fail(task.id, too_long, unsaved=unsaved, **recorded)
            raise too_long
        if not done:
            failure = next((e for _, e in steps if e is not None), None) or NoAgentCalled(
                "no registered agent can take this task"
            )
            await self._fail(task.id, failure, unsaved=unsaved, **recorded)
            raise failure
        agent = agents[0] if len(agents) == 1 else None
        data = done[0].data if len(steps) == 1 else {}
        finished, _ = await self._finish(
            task.id,
            TaskStatus.COMPLETED,
            unsaved=unsaved,
            output=answer,
            data=data,
            agent=agent,
            **recorded,
        )
        await self._remember(finished)
        return finished

    async def _recall(self, task: TaskRecord) -> list[ConversationTurn]:
        """The earlier turns of the task's conversation (ConversationForbidden: another's)."""
        if self._conversations is None or task.context_id is None:
            return []
        return await self._conversations.recall(task.context_id, task.owner)

    async def _remember(self, task: TaskRecord) -> None:
        """Add a completed task to its conversation; the answer stands even if this fails."""
        if self._conversations is None or task.context_id is None:
            return
        turn = ConversationTurn(task.input, task.output or "", task.id)
        try:
            await self._conversations.remember(task.context_id, task.owner, turn)
        except (DaprError, ServiceError) as exc:
            log.warning("task %s not added to its conversation: %s", task.id, exc)

    async def cancel(self, task_id: str) -> TaskRecord:
        """Cancel a task not ended yet (orchestrator/tasks/cancellation.py); the canceled task.

        Raises TaskNotFound, or TaskNotCancelable for a task that has ended."""
        return await self.cancellation.cancel(task_id)

    async def get(self, task_id: str) -> TaskRecord:
        """Read a task back from the state store."""
        task = await self._tasks.get(task_id)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        return task

    async def _fail(
        self,
        task_id: str,
        failure: ServiceError,
        *,
        unsaved: TaskRecord | None = None,
        **changes: Any,
    ) -> None:
        """Store the task failed with `failure`'s detail and status, and name the task in
        `failure` (its problem JSON carries `task_id`); the caller raises it."""
        await self._finish(
            task_id,
            TaskStatus.FAILED,
            unsaved=unsaved,
            error=failure.detail,
            error_status=failure.status,
            **changes,
        )
        failure.extra["task_id"] = task_id

    async def _finish(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        unsaved: TaskRecord | None = None,
        **changes: Any,
    ) -> tuple[TaskRecord, bool]:
        """Move a task to its final state once; only the write that does it announces it.

        `unsaved`: the task was never stored (a plain synchronous one), so its
        final state is its first write: one call instead of a read and a write.
        """

        def finish(current: TaskRecord) -> TaskRecord | None:
            if current.status.final:
                return None
            return current.model_copy(
                update={"status": status, "completed_at": datetime.now(UTC), **changes}
            )

        if unsaved is not None:
            done = finish(unsaved)
            assert done is not None  # a task that was never stored is not final yet
            await self._tasks.create(done)
            await self._announce(done)
            return done, True
        done, written = await self._tasks.transition(task_id, finish)
        if done is None:
            raise TaskNotFound(f"task {task_id!r} vanished from the state store")
        if written:
            await self._announce(done)
        return done, written

    async def _announce(self, done: TaskRecord) -> None:
        """Count and log the finished task, and publish `task.completed` in the background.

        The notification is not part of the answer: the client waits for the
        stored task only, not for the broker (about 1 ms a task at low load).
        """
        self._metrics.task_finished(done.status)
        log.info(
            "task %s", done.status, extra={"task_id": done.id, "agents": ",".join(done.agents)}
        )
        event = TaskCompleted(
            task_id=done.id,
            agent=done.agent or "orchestrator",
            agents=done.agents,
            status=done.status,
            completed_at=done.completed_at or datetime.now(UTC),
        )
        publishing = asyncio.create_task(self._publish_completion(event))
        self._running.add(publishing)
        publishing.add_done_callback(self._running.discard)

    async def _publish_completion(self, event: TaskCompleted) -> None:
        try:
            await self._dapr.publish(
                self._pubsub, self._completed_topic, event.model_dump_json().encode()
            )
        except DaprError:
            # The task itself is stored; a lost notification must not fail it.
            log.warning("could not publish %s for task %s", self._completed_topic, event.task_id)

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Wait (a bounded time) for background work: streamed tasks, notifications."""
        if not self._running:
            return
        _, pending = await asyncio.wait(set(self._running), timeout=timeout_s)
        if pending:
            log.warning("stopping with %d background jobs unfinished", len(pending))


def _current_trace_id() -> str | None:
    """The trace the task is created in (the request's), for finding its spans later."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
