"""A stored task's changes as A2A stream events, read from the state store.

SubscribeToTask and push notifications both follow a task this way: the
current Task first, then, each time the stored record changes, a
TaskStatusUpdateEvent (state, status message, steps in `metadata.hubspoke`)
and, when the task ends with an answer, a TaskArtifactUpdateEvent before the
final status. The record is read every `interval_s` seconds from the shared
state store (as orchestrator/tasks/feed.py does for the console), so the
task may run on any replica: no replica holds its events in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from a2a.types import Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent

from chassis.dapr import DaprError
from orchestrator.edge.mapping import to_a2a_task
from orchestrator.errors import TaskNotFound
from orchestrator.tasks.models import TaskRecord
from orchestrator.tasks.ownership import TaskReader

__all__ = ["TaskUpdate", "task_updates"]

log = logging.getLogger(__name__)

TaskUpdate = Task | TaskStatusUpdateEvent | TaskArtifactUpdateEvent


def _changes(task: Task, *, final: bool) -> list[TaskUpdate]:
    events: list[TaskUpdate] = []
    if final:
        for artifact in task.artifacts:
            events.append(
                TaskArtifactUpdateEvent(
                    task_id=task.id, context_id=task.context_id, artifact=artifact, last_chunk=True
                )
            )
    status = TaskStatusUpdateEvent(task_id=task.id, context_id=task.context_id)
    status.status.CopyFrom(task.status)
    status.metadata.CopyFrom(task.metadata)
    events.append(status)
    return events


async def task_updates(
    tasks: TaskReader, first: TaskRecord, *, interval_s: float = 0.5
) -> AsyncIterator[TaskUpdate]:
    """`first` as a Task, then its changes until it is final (completed or failed).

    A state store that does not answer is tried again at the next tick; a
    task that disappears ends the stream.
    """
    yield to_a2a_task(first)
    last = first
    while not last.status.final:
        await asyncio.sleep(interval_s)
        try:
            current = await tasks.get(first.id)
        except TaskNotFound:
            return
        except DaprError as exc:
            log.warning("task %s updates: state store unavailable: %s", first.id, exc)
            continue
        if current == last:
            continue
        last = current
        for event in _changes(to_a2a_task(current), final=current.status.final):
            yield event
