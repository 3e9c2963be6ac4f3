"""The orchestrator's public API, version 1 (routes only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from chassis.errors import UnprocessableError
from chassis.problems import problem_responses
from orchestrator.deps import CallerDep, OwnedTasksDep, TaskServiceDep, require_caller
from orchestrator.tasks.models import TaskMode, TaskRecord, TaskRequest, TaskStatus

__all__ = ["document_limits", "router"]

router = APIRouter(
    prefix="/v1",
    tags=["tasks"],
    responses=problem_responses(401),
    dependencies=[Depends(require_caller)],
)
_LOCATION = {"Location": {"description": "The task: GET it.", "schema": {"type": "string"}}}


@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"description": "The task, answered (mode=sync).", "headers": _LOCATION},
        202: {
            "model": TaskRecord,
            "description": (
                "Accepted (mode=async): the queued task; or a step waits for a person's "
                "approval (status input_required, see /v1/approvals). Poll Location."
            ),
            "headers": _LOCATION,
        },
        # 403: context_id names another caller's conversation; 422: unknown agent, no
        # agent can do this, the agent refused the input, the plan is too long; 502: the
        # agent failed; 503: no healthy agent, the planning model does not answer, or the
        # queue is down; 504: the deadline passed.
        **problem_responses(403, 422, 502, 503, 504),
    },
)
async def create_task(
    body: TaskRequest, service: TaskServiceDep, caller: CallerDep, response: Response
) -> TaskRecord:
    """Run a task and answer with the agents' answer; with `mode: async`, queue it and
    answer 202 at once (the task runs over pub/sub; GET /v1/tasks/{id} shows its progress).
    A task whose step needs a person's approval answers 202 too, `input_required`.
    The caller owns the task: only it and operators read it back."""
    if body.mode is TaskMode.ASYNC:
        task = await service.accept(body, owner=caller.id)
        response.status_code = status.HTTP_202_ACCEPTED
    else:
        task = await service.submit(body, owner=caller.id)
        if task.status is TaskStatus.INPUT_REQUIRED:
            # A step waits for a person's approval: the task goes on once decided.
            response.status_code = status.HTTP_202_ACCEPTED
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return task


async def _runnable(body: TaskRequest, service: TaskServiceDep) -> TaskRequest:
    # A dependency runs before the stream starts: refusals stay plain 4xx/5xx responses.
    if body.mode is TaskMode.ASYNC:
        raise UnprocessableError("a streamed task runs in the request: leave mode out")
    service.check(body)
    return body


@router.post(
    "/tasks/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "Server-sent events: task, plan, step.*, answer or error."},
        **problem_responses(422, 503),
    },
)
async def stream_task(
    body: Annotated[TaskRequest, Depends(_runnable)], service: TaskServiceDep, caller: CallerDep
) -> AsyncIterator[ServerSentEvent]:
    """Run a task and stream its progress as server-sent events.

    Events: `task` (its id), `plan` (the agent calls chosen for a round),
    `step.started` / `step.finished` (each agent call, with its output: the
    partial answer), then `answer` (the stored task) or `error` (problem JSON).
    """
    async for event in service.stream(body, owner=caller.id):
        yield ServerSentEvent(event=event.name, data=event.data)


@router.get("/tasks/{task_id}", responses=problem_responses(404))
async def get_task(
    task_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    tasks: OwnedTasksDep,
    caller: CallerDep,
) -> TaskRecord:
    """Read a task back from the state store (404 for another caller's, unless an operator)."""
    return await tasks.get(task_id, caller)


@router.post(
    "/tasks/{task_id}/cancel",
    # 404: no such task, or another caller's (unless an operator); 409: it has ended.
    responses=problem_responses(404, 409),
)
async def cancel_task(
    task_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    tasks: OwnedTasksDep,
    caller: CallerDep,
    service: TaskServiceDep,
) -> TaskRecord:
    """Cancel a queued, running or waiting task: it ends `canceled` and starts no further
    agent call (orchestrator/tasks/cancellation.py). The owner or an operator only."""
    await tasks.get(task_id, caller)
    return await service.cancel(task_id)


def document_limits(app: FastAPI, *, max_deadline_s: float, max_input_chars: int) -> None:
    """State the configured maxima of `deadline_seconds` and of `input`'s length in the
    OpenAPI document (the model cannot know them; `TaskService.check` enforces them)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        deadline = document["components"]["schemas"]["TaskRequest"]["properties"]
        for choice in deadline["deadline_seconds"]["anyOf"]:
            if choice.get("type") == "number":
                choice["maximum"] = max_deadline_s
        deadline["input"]["maxLength"] = max_input_chars
        return document

    app.openapi = openapi  # type: ignore[method-assign]
