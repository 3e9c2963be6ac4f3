"""The hub's A2A routes on the public edge (routes and wiring only).

    GET  /.well-known/agent-card.json   the hub's card (open: it holds no secret
                                        and says how to authenticate)
    POST /a2a                           A2A JSON-RPC 2.0 (the SDK's dispatcher),
                                        authenticated exactly like /v1 (API key or
                                        Entra ID; 401 problem JSON otherwise)
         /a2a/rest/...                  A2A HTTP+JSON (the SDK's REST routes:
                                        message:send, message:stream, tasks/{id},
                                        tasks/{id}:cancel, ...), authenticated the same

They stay out of the OpenAPI document: the card and the A2A specification
describe them, and JSON-RPC answers its errors with HTTP 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from a2a.auth.user import User
from a2a.server.routes import (
    DefaultServerCallContextBuilder,
    create_agent_card_routes,
    create_rest_routes,
)
from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
from a2a.types import AgentCard
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from chassis.errors import UnauthorizedError
from chassis.problems import send_problem
from orchestrator.auth import Authenticator
from orchestrator.callers import Caller
from orchestrator.deps import require_caller
from orchestrator.edge.card import A2A_PATH, A2A_REST_PATH, HubCard, SkillSource
from orchestrator.edge.continuation import TaskApprovals
from orchestrator.edge.handler import CallerUser, HubRequestHandler, HubTasks
from orchestrator.edge.listing import TaskLister
from orchestrator.edge.push.configs import PushConfigs
from orchestrator.settings import OrchestratorSettings
from orchestrator.tasks.ownership import OwnedTaskReader

__all__ = ["A2AEdge", "build_edge", "install"]


class _CallerContext(DefaultServerCallContextBuilder):
    def build_user(self, request: Request) -> User:
        return CallerUser(cast(Caller, request.state.caller))


@dataclass(frozen=True)
class A2AEdge:
    """What the A2A routes serve: the card, and the dispatchers onto tasks."""

    card: HubCard
    dispatcher: JsonRpcDispatcher
    rest: ASGIApp


def build_edge(
    settings: OrchestratorSettings,
    version: str,
    tasks: HubTasks,
    owned: OwnedTaskReader,
    skills: SkillSource,
    push: PushConfigs | None = None,
    approvals: TaskApprovals | None = None,
    *,
    lister: TaskLister,
) -> A2AEdge:
    """The edge over the task service, the ownership check (which tasks a caller reads),
    the registry's skills, the tasks' webhooks, `approvals`, which decides what a
    message in a waiting task says, and `lister`, which lists the recent tasks
    (ListTasks) (called in the lifespan)."""
    card = HubCard(settings, version, skills)
    handler = HubRequestHandler(
        tasks,
        owned,
        max_parts=settings.max_message_parts,
        extended_card=card.extended,
        push=push,
        updates_interval_s=settings.task_updates_interval_seconds,
        approvals=approvals,
        lister=lister,
    )
    context = _CallerContext()
    # A request without an A2A-Version header is an A2A 0.3 client's (A2A 1.0, 3.6.2):
    # the SDK's 0.3 layer (a2a.compat.v0_3) serves 0.3 method names and paths beside 1.0.
    dispatcher = JsonRpcDispatcher(
        request_handler=handler, context_builder=context, enable_v0_3_compat=True
    )
    rest = Router(
        routes=create_rest_routes(handler, context_builder=context, enable_v0_3_compat=True)
    )
    return A2AEdge(card=card, dispatcher=dispatcher, rest=rest)


def _edge(request: Request) -> A2AEdge:
    return cast(A2AEdge, request.app.state.a2a_edge)


router = APIRouter(include_in_schema=False)


@router.post(A2A_PATH)
async def a2a(request: Request, caller: Annotated[Caller, Depends(require_caller)]) -> Response:
    """A2A JSON-RPC: SendMessage, SendStreamingMessage, GetTask, CancelTask, ..."""
    request.state.caller = caller
    return await _edge(request).dispatcher.handle_requests(request)


class _AuthenticatedRest:
    """The SDK's HTTP+JSON routes behind the public API's authentication (401 problem JSON)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope)
        authorization = request.headers.get("authorization", "")
        bearer = authorization[7:] if authorization[:7].lower() == "bearer " else None
        authenticator = cast(Authenticator, self._app.state.authenticator)
        api_key = request.headers.get("x-api-key")
        try:  # as orchestrator.deps.require_caller does for /v1
            if bearer is None:
                caller = authenticator.authenticate(api_key, None)
            else:  # a token may need the issuer's signing keys, fetched over the network
                caller = await run_in_threadpool(authenticator.authenticate, api_key, bearer)
        except UnauthorizedError as exc:
            await send_problem(send, exc.status, exc.detail)
            return
        scope.setdefault("state", {})["caller"] = caller
        await cast(A2AEdge, self._app.state.a2a_edge).rest(scope, receive, send)


def install(app: FastAPI, settings: OrchestratorSettings, version: str) -> None:
    """Add the card, the JSON-RPC route and the HTTP+JSON routes to the orchestrator's app."""
    # The SDK's card route serves a fixed card unless a modifier swaps it: ours is
    # the card of the registry as it is now.
    empty = HubCard(settings, version, lambda: ()).current()

    async def current(_: AgentCard) -> AgentCard:
        return cast(A2AEdge, app.state.a2a_edge).card.current()

    app.router.routes.extend(create_agent_card_routes(empty, card_modifier=current))
    app.include_router(router)
    app.router.routes.append(Mount(A2A_REST_PATH, app=_AuthenticatedRest(app)))
