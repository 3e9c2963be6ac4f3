"""The orchestrator's public API, version 1 (routes only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from chassis.problems import PROBLEM_RESPONSES
from orchestrator.deps import TaskServiceDep, require_caller
from orchestrator.models import TaskRecord, TaskRequest

__all__ = ["router"]

router = APIRouter(
    prefix="/v1",
    tags=["tasks"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_caller)],
)


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
async def create_task(body: TaskRequest, service: TaskServiceDep, response: Response) -> TaskRecord:
    """Run a task on an agent and return it with the agent's answer."""
    task = await service.submit(body)
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return task


@router.get("/tasks/{task_id}")
async def get_task(
    task_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], service: TaskServiceDep
) -> TaskRecord:
    """Read a task back from the state store."""
    return await service.get(task_id)
