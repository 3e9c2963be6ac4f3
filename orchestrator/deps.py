"""FastAPI dependencies of the orchestrator's API, filled in by the lifespan."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orchestrator.auth import Authenticator
from orchestrator.registry_service import RegistryService
from orchestrator.service import TaskService

__all__ = ["RegistryDep", "TaskServiceDep", "require_caller"]

# Declared for the OpenAPI document; the checks are the authenticator's.
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


def get_task_service(request: Request) -> TaskService:
    return cast(TaskService, request.app.state.task_service)


def get_registry(request: Request) -> RegistryService:
    return cast(RegistryService, request.app.state.registry)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]
RegistryDep = Annotated[RegistryService, Depends(get_registry)]


def require_caller(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Guards the public routes: the caller's name, or 401."""
    authenticator = cast(Authenticator, request.app.state.authenticator)
    return authenticator.authenticate(api_key, bearer.credentials if bearer else None)
