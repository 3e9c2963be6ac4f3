"""Task use cases: plan (or take the named agent), invoke through Dapr, record, announce."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from chassis.contract import AGENT_INVOKE_METHOD, AgentRequest, AgentResponse, TaskCompleted
from chassis.dapr import DaprError, DaprPort, InvocationFailed
from chassis.errors import NotFoundError, ServiceError, UnprocessableError, UpstreamError
from orchestrator.ai import plan_observer
from orchestrator.metrics import TaskMetrics
from orchestrator.models import TaskRecord, TaskRequest, TaskStatus, TaskStep
from orchestrator.persistence import TaskRepository
from orchestrator.registry import AgentSkill

__all__ = [
    "AgentDirectory",
    "AgentRejectedTask",
    "AgentUnavailable",
    "TaskEvent",
    "TaskNotFound",
    "TaskPlanner",
    "TaskService",
]

log = logging.getLogger(__name__)

Outcome = tuple[TaskStep, ServiceError | None]


EventSink = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class TaskEvent:
    """One server-sent event of a streamed task."""

    name: str  # task | plan | step.started | step.finished | answer | error
    data: dict[str, Any]


@dataclass
class _Run:
    """The task being planned in this context (SK runs the calls in child tasks)."""

    task_id: str
    steps: list[Outcome] = field(default_factory=list)
    emit: EventSink = field(default=lambda name, data: None)
    started: int = 0  # calls started so far: a step's place in the plan
    positions: list[int] = field(default_factory=list)  # places of the finished steps
    _planned_rounds: set[int] = field(default_factory=set)

    def report_plan(self, round_: int, calls: list[dict[str, str]]) -> None:
        # Once per round, however many of the round's calls announce it.
        if round_ not in self._planned_rounds:
            self._planned_rounds.add(round_)
            self.emit("plan", {"round": round_, "calls": calls})


_run: ContextVar[_Run] = ContextVar("task_run")


class TaskNotFound(NotFoundError):
    """No task with that id was stored."""


class AgentRejectedTask(UnprocessableError):
    """The agent answered that it cannot act on the input (4xx)."""


class AgentUnavailable(UpstreamError):
    """The agent could not be reached, failed, or answered outside the contract."""


class PlanTooLong(UnprocessableError):
    """The plan asked for more agent calls than one task may make."""


class NoAgentCalled(UpstreamError):
    """The plan called no agent at all."""

    status = 503


class AgentDirectory(Protocol):
    """The registry, as tasks see it."""

    def choose(self, text: str, requested: str | None) -> str:
        """The app-id of a healthy agent for `text` (or the one requested); raises if none."""
        ...

    def ensure_available(self, app_id: str) -> None:
        """Raise unless the agent is registered and healthy."""
        ...

    def plannable_skills(self) -> list[AgentSkill]:
        """Every skill the planner may call."""
        ...

    def alternatives(self, skill: str, *, exclude: str) -> list[str]:
        """Other healthy agents offering `skill`."""
        ...


SkillCall = Callable[[str, str, str], Awaitable[str]]  # (app_id, skill, input) -> output


class TaskPlanner(Protocol):
    """The AI layer: answers a request by calling agent skills."""

    def refresh(self, skills: Sequence[AgentSkill]) -> None: ...

    async def answer(self, request: str) -> str: ...


class TaskService:
    """Runs tasks synchronously: the named agent, or a plan over every agent's skills."""

    def __init__(
        self,
        *,
        dapr: DaprPort,
        tasks: TaskRepository,
        agents: AgentDirectory,
        planner: Callable[[SkillCall], TaskPlanner],
        pubsub: str,
        completed_topic: str,
        max_steps: int = 8,
    ) -> None:
        self._dapr = dapr
        self._max_steps = max_steps
        self._tasks = tasks
        self._agents = agents
        # The planner's functions call back into this service: hand it our invoker.
        self._planner = planner(self.skill_invoker)
        self._metrics = TaskMetrics()
        self._running: set[asyncio.Task[None]] = set()
        self._pubsub = pubsub
        self._completed_topic = completed_topic

    def check(self, request: TaskRequest) -> None:
        """Refuse at once what cannot run: a named agent that is unknown or unhealthy."""
        if request.agent is not None:
            self._agents.choose(request.input, request.agent)

    async def stream(self, request: TaskRequest) -> AsyncIterator[TaskEvent]:
        """Run a task, yielding its progress; the task runs to its end even if nobody listens."""
        queue: asyncio.Queue[TaskEvent | None] = asyncio.Queue()

        async def run() -> None:
            try:
                task = await self.submit(
                    request, emit=lambda name, data: queue.put_nowait(TaskEvent(name, data))
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

    async def submit(self, request: TaskRequest, emit: EventSink | None = None) -> TaskRecord:
        """Run a task to its end and return it; failures are stored before raising."""
        self.check(request)
        task = TaskRecord(
            id=uuid.uuid4().hex,
            input=request.input,
            status=TaskStatus.RUNNING,
            created_at=datetime.now(UTC),
        )
        await self._tasks.save(task)
        run = _Run(task.id) if emit is None else _Run(task.id, emit=emit)
        run.emit("task", {"id": task.id, "status": task.status})
        token = _run.set(run)
        observed = plan_observer.set(run.report_plan)
        try:
            if request.agent is not None:
                answer, _ = await self._run_step(task.id, request.agent, None, request.input)
            else:
                self._planner.refresh(self._agents.plannable_skills())
                answer = await self._planner.answer(request.input)
        finally:
            plan_observer.reset(observed)
            _run.reset(token)
        return await self._conclude(task, answer, run.steps)

    async def skill_invoker(self, app_id: str, skill: str, text: str) -> str:
        """What the planner's kernel functions call: one step of the current task.

        If the agent is down or failing, another healthy agent with the same
        skill takes the step; an agent that rejects the input is not retried
        elsewhere (the input is the problem). The failed attempt stays in the
        task's steps, so the answer shows the failover.
        """
        run = _run.get()
        output, error = await self._run_step(run.task_id, app_id, skill, text)
        if isinstance(error, AgentRejectedTask):
            return output
        for other in self._agents.alternatives(skill, exclude=app_id) if error else []:
            output, error = await self._run_step(run.task_id, other, skill, text)
            if error is None:
                break
        return output

    async def _run_step(
        self, task_id: str, app_id: str, skill: str | None, text: str
    ) -> tuple[str, ServiceError | None]:
        run = _run.get()
        position, run.started = run.started, run.started + 1
        if position >= self._max_steps:
            exc: ServiceError = PlanTooLong(f"the plan exceeds {self._max_steps} agent calls")
            step = TaskStep(
                agent=app_id, skill=skill, input=text, status=TaskStatus.FAILED, error=exc.detail
            )
            run.steps.insert(_place(run, position), (step, exc))
            return f"(not run: {exc.detail})", exc
        run.emit("step.started", {"agent": app_id, "skill": skill, "input": text})
        started = time.perf_counter()
        try:
            self._agents.ensure_available(app_id)
            answer = await self._call_agent(task_id, app_id, text)
        except ServiceError as exc:
            self._metrics.agent_called(app_id, type(exc).__name__, time.perf_counter() - started)
            step = TaskStep(
                agent=app_id, skill=skill, input=text, status=TaskStatus.FAILED, error=exc.detail
            )
            run.steps.insert(_place(run, position), (step, exc))
            run.emit("step.finished", step.model_dump(mode="json"))
            return f"(agent {app_id} failed: {exc.detail})", exc
        self._metrics.agent_called(app_id, "ok", time.perf_counter() - started)
        step = TaskStep(
            agent=app_id,
            skill=skill,
            input=text,
            status=TaskStatus.COMPLETED,
            output=answer.output,
            data=answer.data,
        )
        run.steps.insert(_place(run, position), (step, None))
        run.emit("step.finished", step.model_dump(mode="json"))
        return answer.output, None

    async def _conclude(self, task: TaskRecord, answer: str, steps: list[Outcome]) -> TaskRecord:
        done = [s for s, error in steps if error is None]
        agents = list(dict.fromkeys(s.agent for s in done))
        recorded: dict[str, Any] = {"steps": [s for s, _ in steps], "agents": agents}
        if not done:
            failure = next((e for _, e in steps if e is not None), None) or NoAgentCalled(
                "no registered agent can take this task"
            )
            await self._finish(task, TaskStatus.FAILED, error=failure.detail, **recorded)
            failure.extra["task_id"] = task.id
            raise failure
        agent = agents[0] if len(agents) == 1 else None
        data = done[0].data if len(steps) == 1 else {}
        return await self._finish(
            task, TaskStatus.COMPLETED, output=answer, data=data, agent=agent, **recorded
        )

    async def get(self, task_id: str) -> TaskRecord:
        """Read a task back from the state store."""
        task = await self._tasks.get(task_id)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        return task

    async def _call_agent(self, task_id: str, app_id: str, text: str) -> AgentResponse:
        request = AgentRequest(task_id=task_id, input=text)
        try:
            raw = await self._dapr.invoke(app_id, AGENT_INVOKE_METHOD, request.model_dump())
        except InvocationFailed as exc:
            reason = _reason(exc.body)
            if 400 <= exc.status < 500 and exc.status not in (403, 404, 408, 429):
                raise AgentRejectedTask(f"agent {app_id!r} rejected the task: {reason}") from exc
            raise AgentUnavailable(
                f"agent {app_id!r} failed with HTTP {exc.status}: {reason}"
            ) from exc
        except DaprError as exc:
            raise AgentUnavailable(f"agent {app_id!r} unreachable: {exc}") from exc
        try:
            return AgentResponse.model_validate(raw)
        except ValidationError as exc:
            raise AgentUnavailable(f"agent {app_id!r} answered outside the contract") from exc

    async def _finish(self, task: TaskRecord, status: TaskStatus, **changes: Any) -> TaskRecord:
        done = task.model_copy(
            update={"status": status, "completed_at": datetime.now(UTC), **changes}
        )
        await self._tasks.save(done)
        self._metrics.task_finished(done.status)
        log.info(
            "task %s", done.status, extra={"task_id": done.id, "agents": ",".join(done.agents)}
        )
        event = TaskCompleted(
            task_id=done.id,
            agent=done.agent or "orchestrator",
            agents=done.agents,
            status=done.status,
            completed_at=done.completed_at,
        )
        try:
            await self._dapr.publish(
                self._pubsub, self._completed_topic, event.model_dump_json().encode()
            )
        except DaprError:
            # The task itself is stored; a lost notification must not fail it.
            log.warning("could not publish %s for task %s", self._completed_topic, done.id)
        return done


def _place(run: _Run, position: int) -> int:
    """Where a finished step goes so that steps stay in plan order, not finishing order."""
    run.positions.append(position)
    run.positions.sort()
    return run.positions.index(position)


def _reason(body: Any) -> str:
    if isinstance(body, dict):
        for field in ("detail", "message", "error"):
            if isinstance(body.get(field), str):
                return str(body[field])
    return str(body)[:500]
