"""FastAPI dependencies of the orchestrator's API, filled in by the lifespan.

All `async def`: FastAPI runs a plain `def` dependency in its thread pool,
a thread hop per dependency per request that cost more than the work.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orchestrator.auth import Authenticator
from orchestrator.registry.service import RegistryService
from orchestrator.tasks.approvals import ApprovalService
from orchestrator.tasks.feed import TaskFeed
from orchestrator.tasks.service import TaskService
from orchestrator.tasks.step_results import StepResults
from orchestrator.tasks.store import DeadLetterLog
from orchestrator.tasks.traces import TraceQuery

__all__ = [
    "ApprovalServiceDep",
    "DeadLetterLogDep",
    "RegistryDep",
    "StepResultsDep",
    "TaskFeedDep",
    "TaskServiceDep",
    "TraceQueryDep",
    "require_caller",
]

# Declared for the OpenAPI document; the checks are the authenticator's.
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


async def get_task_service(request: Request) -> TaskService:
    return cast(TaskService, request.app.state.task_service)


async def get_registry(request: Request) -> RegistryService:
    return cast(RegistryService, request.app.state.registry)


async def get_step_results(request: Request) -> StepResults:
    return cast(StepResults, request.app.state.step_results)


async def get_dead_letters(request: Request) -> DeadLetterLog:
    return cast(DeadLetterLog, request.app.state.dead_letters)


async def get_task_feed(request: Request) -> TaskFeed:
    return cast(TaskFeed, request.app.state.task_feed)


async def get_trace_query(request: Request) -> TraceQuery:
    return cast(TraceQuery, request.app.state.trace_query)


TaskFeedDep = Annotated[TaskFeed, Depends(get_task_feed)]
TraceQueryDep = Annotated[TraceQuery, Depends(get_trace_query)]


async def get_approvals(request: Request) -> ApprovalService:
    return cast(ApprovalService, request.app.state.approvals)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]
ApprovalServiceDep = Annotated[ApprovalService, Depends(get_approvals)]
RegistryDep = Annotated[RegistryService, Depends(get_registry)]
StepResultsDep = Annotated[StepResults, Depends(get_step_results)]
DeadLetterLogDep = Annotated[DeadLetterLog, Depends(get_dead_letters)]


async def require_caller(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Guards the public routes: the caller's name, or 401."""
    authenticator = cast(Authenticator, request.app.state.authenticator)
    if bearer is None:
        return authenticator.authenticate(api_key, None)
    # A token may need the issuer's signing keys, fetched over the network.
    return await run_in_threadpool(authenticator.authenticate, api_key, bearer.credentials)
