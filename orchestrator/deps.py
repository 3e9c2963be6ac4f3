"""FastAPI dependencies of the orchestrator's API, filled in by the lifespan."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from orchestrator.service import TaskService

__all__ = ["TaskServiceDep"]


def get_task_service(request: Request) -> TaskService:
    return cast(TaskService, request.app.state.task_service)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]
