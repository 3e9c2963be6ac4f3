"""FastAPI dependencies of the orchestrator's API, filled in by the lifespan.

All `async def`: FastAPI runs a plain `def` dependency in its thread pool,
a thread hop per dependency per request that cost more than the work.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from chassis.errors import ForbiddenError
from orchestrator.auth import Authenticator
from orchestrator.callers import OPERATOR, Caller
from orchestrator.registry.service import RegistryService
from orchestrator.tasks.approvals import ApprovalService
from orchestrator.tasks.feed import TaskFeed
from orchestrator.tasks.ownership import OwnedTaskReader
from orchestrator.tasks.service import TaskService
from orchestrator.tasks.step_results import StepResults
from orchestrator.tasks.store import DeadLetterLog
from orchestrator.tasks.traces import TraceQuery

__all__ = [
    "ApprovalServiceDep",
    "CallerDep",
    "DeadLetterLogDep",
    "OperatorDep",
    "OwnedTasksDep",
    "RegistryDep",
    "StepResultsDep",
    "TaskFeedDep",
    "TaskServiceDep",
    "TraceQueryDep",
    "require_caller",
    "require_operator",
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


async def get_owned_tasks(request: Request) -> OwnedTaskReader:
    return cast(OwnedTaskReader, request.app.state.owned_tasks)


TaskFeedDep = Annotated[TaskFeed, Depends(get_task_feed)]
OwnedTasksDep = Annotated[OwnedTaskReader, Depends(get_owned_tasks)]
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
) -> Caller:
    """Guards the public routes: the caller, or 401."""
    authenticator = cast(Authenticator, request.app.state.authenticator)
    if bearer is None:
        return authenticator.authenticate(api_key, None)
    # A token may need the issuer's signing keys, fetched over the network.
    return await run_in_threadpool(authenticator.authenticate, api_key, bearer.credentials)


CallerDep = Annotated[Caller, Depends(require_caller)]


async def require_operator(caller: CallerDep) -> Caller:
    """Guards the operator's routes: the caller if it holds the operator role, else 403."""
    if not caller.is_operator:
        raise ForbiddenError(
            f"{caller.name} lacks the {OPERATOR!r} role this needs "
            "(ORCHESTRATOR_API_KEY_ROLES for a key, the app role for an Entra ID token)"
        )
    return caller


OperatorDep = Annotated[Caller, Depends(require_operator)]
