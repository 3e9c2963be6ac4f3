"""Asynchronous tasks over pub/sub: the orchestrator's subscriptions, and the dead letters.

- `tasks.requested`: the queue of accepted tasks; any replica runs one.
- `agent.results`: agents' answers to work, stored by step id.
- `tasks.deadletter`: what a subscriber dropped or Dapr could not deliver;
  logged (GET /v1/dead-letters), and the task it belonged to fails with the reason.

Handlers answer Dapr SUCCESS, RETRY (try again: the state store or broker
hiccupped) or DROP (poison: Dapr moves it to the dead-letter topic).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI
from pydantic import ValidationError

from chassis.a2a_server import failed_task
from chassis.contract import (
    AGENT_RESULTS_TOPIC,
    DEAD_LETTER_TOPIC,
    TASKS_REQUESTED_TOPIC,
    AgentResult,
    CloudEvent,
)
from chassis.dapr import DaprError
from chassis.problems import problem_responses
from chassis.subscriptions import subscriptions
from orchestrator.deps import (
    DeadLetterLogDep,
    StepResultsDep,
    TaskServiceDep,
    require_caller,
    require_operator,
)
from orchestrator.errors import TaskNotFound
from orchestrator.tasks.models import DeadLetter, DeadLetterList, QueuedTask
from orchestrator.tasks.service import TaskService
from orchestrator.tasks.step_results import StepResults
from orchestrator.tasks.store import DeadLetterLog

__all__ = ["router", "subscribe"]

log = logging.getLogger(__name__)

SUCCESS, RETRY, DROP = {"status": "SUCCESS"}, {"status": "RETRY"}, {"status": "DROP"}

router = APIRouter(
    prefix="/v1",
    tags=["tasks"],
    responses=problem_responses(401),
    dependencies=[Depends(require_caller)],
)


@router.get(
    "/dead-letters",
    responses=problem_responses(403),
    dependencies=[Depends(require_operator)],
)
async def list_dead_letters(letters: DeadLetterLogDep) -> DeadLetterList:
    """Messages that could not be processed, newest first, with the reason and the task."""
    return await letters.list()


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors()[:3]
    )


async def _drop(letters: DeadLetterLog, event: Any, topic: str, reason: str) -> dict[str, str]:
    """Note why a message is poison, then let Dapr move it to the dead-letter topic."""
    body = event if isinstance(event, dict) else {}
    log.warning("dropping message %s from %s: %s", body.get("id"), topic, reason)
    letter = DeadLetter(
        message_id=str(body.get("id", "unknown")),
        topic=topic,
        source=body.get("source"),
        reason=reason,
        received_at=datetime.now(UTC),
    )
    try:
        await letters.note(letter)
    except DaprError:
        log.warning("reason for dropping %s not recorded", letter.message_id)
    return DROP


async def on_task_requested(
    service: TaskServiceDep, letters: DeadLetterLogDep, event: Annotated[Any, Body()]
) -> dict[str, str]:
    try:
        envelope = CloudEvent[QueuedTask].model_validate(event)
    except ValidationError as exc:
        return await _drop(letters, event, TASKS_REQUESTED_TOPIC, f"malformed: {_describe(exc)}")
    try:
        await service.run_queued(envelope.data.task_id)
    except TaskNotFound as exc:
        return await _drop(letters, event, TASKS_REQUESTED_TOPIC, exc.detail)
    except DaprError:
        log.exception("task %s interrupted; asking for redelivery", envelope.data.task_id)
        return RETRY
    return SUCCESS


async def on_agent_result(
    results: StepResultsDep, letters: DeadLetterLogDep, event: Annotated[Any, Body()]
) -> dict[str, str]:
    try:
        envelope = CloudEvent[AgentResult].model_validate(event)
    except ValidationError as exc:
        return await _drop(letters, event, AGENT_RESULTS_TOPIC, f"malformed: {_describe(exc)}")
    if envelope.source != envelope.data.agent:
        # Dapr sets the source to the publishing app: an agent cannot answer for another.
        reason = f"result for {envelope.data.agent!r} published by {envelope.source!r}"
        return await _drop(letters, event, AGENT_RESULTS_TOPIC, reason)
    try:
        await results.deliver(envelope.data)
    except DaprError:
        return RETRY
    return SUCCESS


def _dead_letter_handler(
    *, fails_tasks: bool
) -> Callable[..., Coroutine[Any, Any, dict[str, str]]]:
    """A dead-letter subscriber. Only the task queue's may fail a whole task: agents may
    publish on pubsub's tasks.deadletter, and must not be able to fail tasks there."""

    async def on_dead_letter(
        service: TaskServiceDep,
        results: StepResultsDep,
        letters: DeadLetterLogDep,
        event: Annotated[Any, Body()],
    ) -> dict[str, str]:
        body = event if isinstance(event, dict) else {"data": event}
        raw = body.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        # Our messages name the task in camelCase (the A2A binding); the queue's in snake_case.
        named = data.get("taskId", data.get("task_id"))
        task_id = named if isinstance(named, str) else None
        letter = DeadLetter(
            message_id=str(body.get("id", "unknown")),
            source=body.get("source") if isinstance(body.get("source"), str) else None,
            task_id=task_id,
            reason="dropped by its subscriber, or not deliverable after retries",
            arrived=True,
            received_at=datetime.now(UTC),
        )
        try:
            noted = await letters.note(letter)
            await _fail_owner(service, results, data, noted, fails_tasks=fails_tasks)
        except DaprError:
            return RETRY
        return SUCCESS

    return on_dead_letter


async def _fail_owner(
    service: TaskService,
    results: StepResults,
    data: dict[str, Any],
    letter: DeadLetter,
    *,
    fails_tasks: bool,
) -> None:
    """The step or task the dead letter belonged to fails now instead of waiting it out."""
    task_id, step_id, agent = letter.task_id, data.get("stepId"), data.get("agent")
    if task_id is None:
        return
    reason = f"message {letter.message_id} was dead-lettered: {letter.reason}"
    if isinstance(step_id, str) and isinstance(agent, str):
        task = failed_task(task_id=step_id, context_id=task_id, reason=reason)
        failed = AgentResult(task_id=task_id, step_id=step_id, agent=agent, task=task)
        await results.deliver(failed)
    elif fails_tasks:
        try:
            await service.fail(task_id, reason)
        except TaskNotFound:
            log.warning("dead letter %s names unknown task %s", letter.message_id, task_id)


def subscribe(app: FastAPI, *, pubsub: str, task_queue: str) -> None:
    """Serve the task queue, agents' results and the dead letters (of both) to Dapr."""
    dapr = subscriptions(app)
    dapr.subscribe(
        pubsub=task_queue, topic=TASKS_REQUESTED_TOPIC, dead_letter_topic=DEAD_LETTER_TOPIC
    )(on_task_requested)
    dapr.subscribe(pubsub=task_queue, topic=DEAD_LETTER_TOPIC)(
        _dead_letter_handler(fails_tasks=True)
    )
    dapr.subscribe(pubsub=pubsub, topic=AGENT_RESULTS_TOPIC, dead_letter_topic=DEAD_LETTER_TOPIC)(
        on_agent_result
    )
    dapr.subscribe(pubsub=pubsub, topic=DEAD_LETTER_TOPIC)(_dead_letter_handler(fails_tasks=False))
