"""FastAPI dependencies of the orchestrator's API, filled in by the lifespan."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from orchestrator.registry_service import RegistryService
from orchestrator.service import TaskService

__all__ = ["RegistryDep", "TaskServiceDep"]


def get_task_service(request: Request) -> TaskService:
    return cast(TaskService, request.app.state.task_service)


def get_registry(request: Request) -> RegistryService:
    return cast(RegistryService, request.app.state.registry)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]
RegistryDep = Annotated[RegistryService, Depends(get_registry)]
