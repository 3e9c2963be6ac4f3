"""Asynchronous tasks over pub/sub: the orchestrator's subscriptions, and the dead letters.

- `tasks.requested`: the queue of accepted tasks; any replica runs one.
- `agent.results.<agent>`: each agent's answers to work, stored by (agent, step id).
- `tasks.deadletter.<agent>`: work an agent's sidecar gave up on, or the agent
  itself (`WorkGivenUp`); logged (GET /v1/dead-letters), and the step fails
  with the reason if it is a step of that agent.
- `tasks.deadletter` (task queue) and `tasks.deadletter.<orchestrator>`
  (pubsub): what the orchestrator's own sidecar gave up on; logged, and a
  task of the queue fails with the reason. Two names, not one: both
  components keep a topic in the Redis stream of that name, read by the
  same consumer group, so a shared name would let a pubsub dead letter
  arrive through the task queue's subscription.

Who produced a message is the topic it arrived on (only that app's sidecar
may publish there, only its Redis user may append to the stream), never a
field of the message: a CloudEvent `source` is whatever its publisher wrote.

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
    DEAD_LETTER_TOPIC,
    TASKS_REQUESTED_TOPIC,
    AgentResult,
    CloudEvent,
    WorkGivenUp,
    agent_dead_letter_topic,
    agent_requests_topic,
    agent_results_topic,
)
from chassis.dapr import DaprError
from chassis.problems import problem_responses
from chassis.provenance import EventVerifierDep
from chassis.signatures import EventVerifier
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


Handler = Callable[..., Coroutine[Any, Any, dict[str, str]]]


def _result_handler(agent: str) -> Handler:
    """The subscriber of `agent.results.<agent>`: every result there is `agent`'s."""
    topic = agent_results_topic(agent)

    async def on_agent_result(
        results: StepResultsDep,
        letters: DeadLetterLogDep,
        verifier: EventVerifierDep,
        event: Annotated[Any, Body()],
    ) -> dict[str, str]:
        refused = verifier.passes(event, producer=agent, topic=topic)
        if refused is not None:
            return await _drop(letters, event, topic, refused)
        try:
            envelope = CloudEvent[AgentResult].model_validate(event)
        except ValidationError as exc:
            return await _drop(letters, event, topic, f"malformed: {_describe(exc)}")
        if envelope.data.agent != agent:
            reason = f"result for {envelope.data.agent!r} published on {agent!r}'s topic"
            return await _drop(letters, event, topic, reason)
        try:
            await results.deliver(envelope.data)
        except DaprError:
            return RETRY
        return SUCCESS

    return on_agent_result


def _letter(body: dict[str, Any], task_id: str | None, source: str, reason: str) -> DeadLetter:
    return DeadLetter(
        message_id=str(body.get("id", "unknown")),
        source=source,
        task_id=task_id,
        reason=reason,
        arrived=True,
        received_at=datetime.now(UTC),
    )


def _parts(event: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A delivered dead letter's envelope and data, as objects (empty if they are not)."""
    body = event if isinstance(event, dict) else {"data": event}
    raw = body.get("data")
    return body, raw if isinstance(raw, dict) else {}


def _named_task(data: dict[str, Any]) -> str | None:
    # Our messages name the task in camelCase (the A2A binding); the queue's in snake_case.
    named = data.get("taskId", data.get("task_id"))
    return named if isinstance(named, str) else None


def _dead_letter_refusal(verifier: EventVerifier, event: Any, agent: str, hub: str) -> str | None:
    """Why a message on `tasks.deadletter.<agent>` may not fail a step, or None if it may.

    Two kinds arrive there: what `agent` gave up itself (signed by `agent` for this
    topic), and work its sidecar moved there (the hub's signed work message for
    `agent.requests.<agent>`, moved as it was).
    """
    own = verifier.passes(event, producer=agent, topic=agent_dead_letter_topic(agent))
    if own is None:
        return None
    moved = verifier.passes(event, producer=hub, topic=agent_requests_topic(agent))
    return None if moved is None else own


def _agent_dead_letter_handler(agent: str, hub: str) -> Handler:
    """The subscriber of `tasks.deadletter.<agent>`: it may fail `agent`'s steps only."""

    async def on_dead_letter(
        results: StepResultsDep,
        letters: DeadLetterLogDep,
        verifier: EventVerifierDep,
        event: Annotated[Any, Body()],
    ) -> dict[str, str]:
        body, data = _parts(event)
        refused = _dead_letter_refusal(verifier, event, agent, hub)
        try:
            reason = f"{agent} gave up: {WorkGivenUp.model_validate(data).reason}"
        except ValidationError:  # a work message Dapr moved here: no reason of its own
            reason = f"{agent}'s sidecar gave the message up (dropped, or not deliverable)"
        if refused is not None:  # recorded, and fails nothing
            reason = f"refused, not acted on: {refused}"
        letter = _letter(body, _named_task(data), agent, reason)
        step_id = data.get("stepId") if refused is None else None
        try:
            noted = await letters.note(letter)
            if noted.task_id is not None and isinstance(step_id, str):
                why = f"message {noted.message_id} was dead-lettered: {noted.reason}"
                task = failed_task(task_id=step_id, context_id=noted.task_id, reason=why)
                await results.deliver(
                    AgentResult(task_id=noted.task_id, step_id=step_id, agent=agent, task=task)
                )
        except DaprError:
            return RETRY
        return SUCCESS

    return on_dead_letter


def _own_dead_letter_handler(*, fails_tasks: bool) -> Handler:
    """The subscriber of the orchestrator's own dead letters. Only the task queue's may
    fail a whole task; neither fails a step: a result dropped here was published by an
    agent, and the step ids and agent names in it are that agent's claims."""

    async def on_dead_letter(
        service: TaskServiceDep, letters: DeadLetterLogDep, event: Annotated[Any, Body()]
    ) -> dict[str, str]:
        body, data = _parts(event)
        reason = "dropped by its subscriber, or not deliverable after retries"
        letter = _letter(body, _named_task(data), "orchestrator", reason)
        try:
            noted = await letters.note(letter)
            if fails_tasks and noted.task_id is not None:
                await _fail_task(service, noted.task_id, noted)
        except DaprError:
            return RETRY
        return SUCCESS

    return on_dead_letter


async def _fail_task(service: TaskService, task_id: str, letter: DeadLetter) -> None:
    """The queued task the dead letter belonged to fails now instead of waiting it out."""
    try:
        await service.fail(
            task_id, f"message {letter.message_id} was dead-lettered: {letter.reason}"
        )
    except TaskNotFound:
        log.warning("dead letter %s names unknown task %s", letter.message_id, task_id)


def subscribe(
    app: FastAPI, *, app_id: str, pubsub: str, task_queue: str, agents: list[str]
) -> None:
    """Serve the task queue, each of `agents`' results and dead letters, and the
    orchestrator's (`app_id`) own dead letters to Dapr."""
    own_dead_letters = agent_dead_letter_topic(app_id)
    dapr = subscriptions(app)
    dapr.subscribe(
        pubsub=task_queue, topic=TASKS_REQUESTED_TOPIC, dead_letter_topic=DEAD_LETTER_TOPIC
    )(on_task_requested)
    dapr.subscribe(pubsub=task_queue, topic=DEAD_LETTER_TOPIC)(
        _own_dead_letter_handler(fails_tasks=True)
    )
    dapr.subscribe(pubsub=pubsub, topic=own_dead_letters)(
        _own_dead_letter_handler(fails_tasks=False)
    )
    for agent in agents:
        dapr.subscribe(
            pubsub=pubsub, topic=agent_results_topic(agent), dead_letter_topic=own_dead_letters
        )(_result_handler(agent))
        dapr.subscribe(pubsub=pubsub, topic=agent_dead_letter_topic(agent))(
            _agent_dead_letter_handler(agent, app_id)
        )
