"""Write an agent as: describe it, write its service logic, run it.

`create_agent_app` adds to the plain app factory what every agent has: its
card at `/.well-known/agent-card.json`, the sidecar connection,
self-registration (register, heartbeat, deregister) on `agents.registry`,
the inbox for asynchronous work on `agent.requests.<app-id>`, a pool of
worker processes for CPU-heavy jobs with a time budget (`app.state.work`,
a `chassis.work.WorkPort`), and refusals
by construction: an `UnprocessableError` raised while the agent handles
`POST /v1/invoke` is answered 200 with `outcome: refused` and its reason,
so a refused input is never retried and never counts against the agent's
circuit breaker (Dapr counts every status outside 200-399 as a failure).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chassis.app import create_app
from chassis.card import CARD_PATH, HUBSPOKE_EXTENSION_URI
from chassis.contract import (
    AGENT_INVOKE_METHOD,
    CONTRACT_VERSION,
    DEAD_LETTER_TOPIC,
    AgentRequest,
    AgentResponse,
    agent_requests_topic,
)
from chassis.dapr import DaprPort, open_sidecar
from chassis.errors import UnprocessableError
from chassis.inbox import WorkInbox
from chassis.problems import problem_response
from chassis.registration import Registrar
from chassis.settings import AgentSettings
from chassis.subscriptions import subscriptions
from chassis.work import WorkPort, open_work

__all__ = ["AgentDescription", "Skill", "build_card", "create_agent_app"]


@dataclass(frozen=True)
class Skill:
    """One thing the agent can do; the router ranks tasks against these texts."""

    id: str
    name: str
    description: str
    tags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    input_model: type[BaseModel] = AgentRequest
    output_model: type[BaseModel] = AgentResponse


@dataclass(frozen=True)
class AgentDescription:
    name: str
    description: str
    version: str
    skills: tuple[Skill, ...]
    contract_version: str = CONTRACT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)


def build_card(agent: AgentDescription, settings: AgentSettings) -> dict[str, Any]:
    """The agent's A2A card as JSON, with the Hubspoke extension."""
    url = settings.public_url or f"http://{settings.app_host}:{settings.app_port}/v1"
    skills = [
        {
            "id": s.id,
            "name": s.name,
            "description": s.description,
            "tags": list(s.tags),
            "examples": list(s.examples),
            "inputModes": ["application/json"],
            "outputModes": ["application/json"],
        }
        for s in agent.skills
    ]
    schemas = {
        s.id: {
            "inputSchema": s.input_model.model_json_schema(),
            "outputSchema": s.output_model.model_json_schema(),
        }
        for s in agent.skills
    }
    return {
        "name": agent.name,
        "description": agent.description,
        "version": agent.version,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}
        ],
        "provider": {"organization": settings.owner},
        "capabilities": {
            "streaming": False,
            "pushNotifications": False,
            "extensions": [
                {
                    "uri": HUBSPOKE_EXTENSION_URI,
                    "description": "Hubspoke contract: Dapr app-id, contract version, schemas",
                    "required": False,
                    "params": {
                        "appId": settings.app_id,
                        "contractVersion": agent.contract_version,
                        "owner": settings.owner,
                        "skills": schemas,
                        "asyncWork": settings.async_work,
                    },
                }
            ],
        },
        "defaultInputModes": ["application/json"],
        "defaultOutputModes": ["application/json"],
        "skills": skills,
        **agent.extra,
    }


def create_agent_app(
    *,
    agent: AgentDescription,
    settings: AgentSettings,
    routers: Sequence[APIRouter],
    setup: Callable[[FastAPI, DaprPort], Awaitable[None] | None],
    dapr: DaprPort | None = None,
    work: WorkPort | None = None,
    work_modules: Sequence[str] = (),
) -> FastAPI:
    """An agent app: `setup(app, sidecar)` (sync or async) builds its service once the
    sidecar is ready; `app.state.work` is set by then (`work`, or a process pool whose
    workers import `work_modules`, the agent's job code, when they start)."""
    card = build_card(agent, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_sidecar(dapr) as sidecar, open_work(work, settings, work_modules) as pool:
            app.state.work = pool
            prepared = setup(app, sidecar)
            if inspect.isawaitable(prepared):  # e.g. an index to build before serving
                await prepared
            token = settings.app_api_token
            app.state.inbox = WorkInbox(
                dapr=sidecar,
                store=settings.state_store,
                pubsub=settings.pubsub,
                app_id=settings.app_id,
                app=app,
                app_token=None if token is None else token.get_secret_value(),
            )
            registrar = None
            if settings.self_register:
                registrar = Registrar(
                    dapr=sidecar,
                    pubsub=settings.pubsub,
                    app_id=settings.app_id,
                    card=card,
                    interval_s=settings.heartbeat_seconds,
                )
                registrar.start()
            yield
            if registrar is not None:
                await registrar.stop()
            await app.state.inbox.aclose()

    app = create_app(
        settings=settings,
        title=f"Hubspoke agent: {agent.name}",
        version=agent.version,
        description=agent.description,
        routers=routers,
        lifespan=lifespan,
    )

    @app.get(CARD_PATH, tags=["agent"], summary="The agent's A2A card")
    async def agent_card() -> dict[str, Any]:
        return card

    app.add_exception_handler(UnprocessableError, _refusal_handler(settings.app_id))
    if settings.async_work:
        _subscribe_inbox(app, settings)
    return app


def _refusal_handler(app_id: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """Answer a refused task as a successful call with outcome `refused` (elsewhere: 422)."""
    invoke_path = f"/{AGENT_INVOKE_METHOD}"

    async def on_refusal(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, UnprocessableError)
        if request.url.path != invoke_path:
            return problem_response(exc.status, exc.detail, **exc.extra)
        refusal = AgentResponse.refused(app_id, exc.detail, exc.extra)
        return JSONResponse(refusal.model_dump(mode="json"))

    return on_refusal


def _subscribe_inbox(app: FastAPI, settings: AgentSettings) -> None:
    """Serve work from agent.requests.<app-id>; what cannot be read goes to the dead letters."""

    async def on_work(request: Request, event: Annotated[Any, Body()]) -> dict[str, str]:
        inbox: WorkInbox = request.app.state.inbox
        return {"status": await inbox.handle(event)}

    subscriptions(app).subscribe(
        pubsub=settings.pubsub,
        topic=agent_requests_topic(settings.app_id),
        dead_letter_topic=DEAD_LETTER_TOPIC,
    )(on_work)
