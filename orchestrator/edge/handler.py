"""The A2A operations of the hub, mapped onto Hubspoke tasks (the SDK's RequestHandler).

    SendMessage           runs a task, planned like POST /v1/tasks, and answers the
                          A2A Task (its id is the Hubspoke task id); with
                          configuration.returnImmediately it queues the task
                          (mode async) and answers it `submitted`; in a context
                          (contextId) it is the conversation's next turn; with a
                          taskId it gives the approval the task waits for
                          (edge/continuation.py)
    SendStreamingMessage  runs a task like POST /v1/tasks/stream: the task
                          (`working`), a status update per plan and step, then the
                          final Task
    GetTask               reads the stored task (the caller's own, or any for an
                          operator: orchestrator/tasks/ownership.py; another's is not found)
    ListTasks             the caller's recent tasks (an operator's: everyone's), as
                          GET /v1/tasks lists them, filtered and paged (edge/listing.py)
    CancelTask            cancels the caller's task (orchestrator/tasks/cancellation.py):
                          the task `canceled`; TaskNotCancelableError once it has ended
    SubscribeToTask       a running task's updates (orchestrator/edge/updates.py), from
                          any replica; a final task: UnsupportedOperationError
    *PushNotificationConfig  webhooks of a task (orchestrator/edge/push/configs.py), also from
                          SendMessage's configuration.taskPushNotificationConfig
    GetExtendedAgentCard  the extended card (orchestrator/edge/card.py), to any
                          authenticated caller: the routes authenticate every call

A task made here is owned by the caller, as one made by POST /v1/tasks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Protocol

from a2a.auth.user import User
from a2a.server.context import ServerCallContext
from a2a.server.events.event_queue import Event
from a2a.server.request_handlers.request_handler import RequestHandler, validate_request_params
from a2a.types import (
    AgentCard,
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTaskPushNotificationConfigsResponse,
    ListTasksRequest,
    ListTasksResponse,
    Message,
    SendMessageRequest,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
)
from a2a.utils.errors import (
    A2AError,
    ExtendedAgentCardNotConfiguredError,
    InternalError,
    InvalidParamsError,
    PushNotificationNotSupportedError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
)

from chassis.errors import ServiceError
from orchestrator.callers import Caller
from orchestrator.edge.continuation import TaskApprovals, continue_task
from orchestrator.edge.listing import TaskLister, list_tasks
from orchestrator.edge.mapping import progress, task_request, to_a2a_task, working_task
from orchestrator.edge.push.configs import PushConfigs
from orchestrator.edge.updates import task_updates
from orchestrator.errors import TaskNotFound
from orchestrator.tasks.cancellation import TaskNotCancelable
from orchestrator.tasks.models import TaskRecord, TaskRequest
from orchestrator.tasks.ownership import OwnedTaskReader, owner_filter
from orchestrator.tasks.runs import TaskEvent

__all__ = ["CallerUser", "HubRequestHandler", "HubTasks"]

log = logging.getLogger(__name__)
_TASK_ID = re.compile(r"^[0-9a-f]{32}$")


def _not_run(refusal: ServiceError) -> A2AError:
    """A refusal before any task was made (nothing stored): a JSON-RPC error, not a Task.

    4xx (an unknown agent named, a deadline over the maximum) is the request's
    fault: invalid params; anything else (the named agent is unhealthy) internal.
    """
    if 400 <= refusal.status < 500:
        return InvalidParamsError(message=refusal.detail)
    return InternalError(message=refusal.detail)


class HubTasks(Protocol):
    """The task service, as the A2A edge uses it (orchestrator.tasks.service.TaskService)."""

    def check(self, request: TaskRequest) -> None: ...

    async def submit(self, request: TaskRequest, *, owner: str | None = None) -> TaskRecord: ...

    async def accept(self, request: TaskRequest, *, owner: str | None = None) -> TaskRecord: ...

    def stream(
        self, request: TaskRequest, *, owner: str | None = None
    ) -> AsyncIterator[TaskEvent]: ...

    async def get(self, task_id: str) -> TaskRecord: ...

    async def cancel(self, task_id: str) -> TaskRecord: ...


class CallerUser(User):
    """The authenticated caller of the public API, as the SDK's call context names it."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def user_name(self) -> str:
        return self.caller.name


def _caller(context: ServerCallContext) -> Caller:
    # The routes authenticate before the SDK runs; a context without our caller is a bug.
    if not isinstance(context.user, CallerUser):
        raise InternalError(message="the call reached the A2A handler unauthenticated")
    return context.user.caller


class HubRequestHandler(RequestHandler):
    """A2A requests -> Hubspoke tasks, each read through `owned` (the caller's own only)."""

    def __init__(
        self,
        tasks: HubTasks,
        owned: OwnedTaskReader,
        *,
        max_parts: int,
        lister: TaskLister,
        extended_card: Callable[[], AgentCard] | None = None,
        push: PushConfigs | None = None,
        updates_interval_s: float = 0.5,
        approvals: TaskApprovals | None = None,
    ) -> None:
        self._tasks = tasks
        self._owned = owned
        self._max_parts = max_parts
        self._lister = lister
        self._extended_card = extended_card
        self._push = push
        self._updates_interval_s = updates_interval_s
        # Decides what a message in a waiting task says (edge/continuation.py).
        self._approvals = approvals

    def _pushes(self) -> PushConfigs:
        if self._push is None:
            raise PushNotificationNotSupportedError
        return self._push

    async def _continued(self, message: Message, context: ServerCallContext, *, wait: bool) -> Task:
        """A message in an existing task: the approval it waits for (continuation.py)."""
        task = await self._stored(message.task_id, context)
        if self._approvals is None:
            raise UnsupportedOperationError(message="this hub takes no message in a task")
        record = await continue_task(
            task, message, _caller(context), approvals=self._approvals, tasks=self._tasks, wait=wait
        )
        return to_a2a_task(record)

    async def _ended(self, refusal: ServiceError) -> Task:
        """The stored task a failure ended, or an A2A error when no task was made."""
        task_id = refusal.extra.get("task_id")
        if isinstance(task_id, str):
            return to_a2a_task(await self._tasks.get(task_id))
        raise _not_run(refusal) from refusal

    @validate_request_params
    async def on_message_send(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> Task | Message:
        queue = params.configuration.return_immediately
        if params.message.task_id:
            return await self._continued(params.message, context, wait=not queue)
        request = task_request(params.message, queue=queue, max_parts=self._max_parts)
        owner = _caller(context).id
        webhook = None
        if params.configuration.HasField("task_push_notification_config"):
            webhook = params.configuration.task_push_notification_config
            await self._pushes().check(webhook)  # refused before any task is made
        try:
            if queue:
                task = await self._tasks.accept(request, owner=owner)
            else:
                task = await self._tasks.submit(request, owner=owner)
        except ServiceError as refusal:
            return await self._ended(refusal)
        if webhook is not None:
            await self._pushes().create(task, webhook)
        return to_a2a_task(task)

    @validate_request_params
    async def on_message_send_stream(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event]:
        if params.message.task_id:
            yield await self._continued(params.message, context, wait=True)
            return
        request = task_request(params.message, queue=False, max_parts=self._max_parts)
        try:
            self._tasks.check(request)  # refused before the stream starts, like the REST route
        except ServiceError as refusal:
            raise _not_run(refusal) from refusal
        webhook = None
        if params.configuration.HasField("task_push_notification_config"):
            webhook = params.configuration.task_push_notification_config
            await self._pushes().check(webhook)
        task_id = ""
        async for event in self._tasks.stream(request, owner=_caller(context).id):
            if event.name == "task":
                task_id = str(event.data["id"])
                if webhook is not None:  # the streamed task is stored before this event
                    await self._pushes().create(await self._tasks.get(task_id), webhook)
                yield working_task(task_id, request.context_id)
            elif event.name == "answer":
                yield to_a2a_task(TaskRecord.model_validate(event.data))
            elif event.name == "error":
                problem_task = event.data.get("task_id")
                if not isinstance(problem_task, str):
                    raise InternalError(message=str(event.data.get("detail")))
                yield to_a2a_task(await self._tasks.get(problem_task))
            else:
                yield progress(task_id, event, request.context_id)

    @validate_request_params
    async def on_get_task(self, params: GetTaskRequest, context: ServerCallContext) -> Task | None:
        return to_a2a_task(await self._stored(params.id, context), history=params)

    async def _stored(self, task_id: str, context: ServerCallContext) -> TaskRecord:
        if not _TASK_ID.match(task_id):
            raise TaskNotFoundError(message=f"no task with id {task_id!r}")
        try:
            return await self._owned.get(task_id, _caller(context))
        except TaskNotFound as exc:
            raise TaskNotFoundError(message=exc.detail) from exc

    @validate_request_params
    async def on_cancel_task(
        self, params: CancelTaskRequest, context: ServerCallContext
    ) -> Task | None:
        task = await self._stored(params.id, context)  # the caller's own, or an operator's
        try:
            return to_a2a_task(await self._tasks.cancel(task.id))
        except TaskNotCancelable as exc:
            raise TaskNotCancelableError(message=exc.detail) from exc

    @validate_request_params
    async def on_list_tasks(
        self, params: ListTasksRequest, context: ServerCallContext
    ) -> ListTasksResponse:
        return await list_tasks(self._lister, owner_filter(_caller(context)), params, context)

    @validate_request_params
    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event]:
        task = await self._stored(params.id, context)
        if task.status.final:
            raise UnsupportedOperationError(
                message=f"task {task.id} is {task.status} already; read it with GetTask"
            )
        async for update in task_updates(self._tasks, task, interval_s=self._updates_interval_s):
            yield update

    @validate_request_params
    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        pushes = self._pushes()
        return await pushes.create(await self._stored(params.task_id, context), params)

    @validate_request_params
    async def on_get_task_push_notification_config(
        self, params: GetTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        pushes = self._pushes()
        return await pushes.get(await self._stored(params.task_id, context), params.id)

    @validate_request_params
    async def on_list_task_push_notification_configs(
        self, params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext
    ) -> ListTaskPushNotificationConfigsResponse:
        pushes = self._pushes()
        return await pushes.list(await self._stored(params.task_id, context))

    @validate_request_params
    async def on_delete_task_push_notification_config(
        self, params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> None:
        pushes = self._pushes()
        await pushes.delete(await self._stored(params.task_id, context), params.id)

    async def on_get_extended_agent_card(
        self, params: GetExtendedAgentCardRequest, context: ServerCallContext
    ) -> AgentCard:
        _caller(context)  # only for authenticated callers (A2A 1.0, 3.1.11)
        if self._extended_card is None:
            raise ExtendedAgentCardNotConfiguredError
        return self._extended_card()
