"""Write an agent as: describe it, write its service logic, run it.

`create_agent_app` adds to the plain app factory what every agent has: an
A2A server (the official SDK's JSON-RPC endpoint at exactly `POST /a2a`,
running the agent's skill handler; see `chassis.a2a_server`), its card at
`/.well-known/agent-card.json` (complete, and checked with the SDK's
required-field validation when the app is built), the sidecar connection,
self-registration (register, heartbeat, deregister) on `agents.registry.<app-id>`,
the inbox for asynchronous work on `agent.requests.<app-id>` (the same A2A
messages over pub/sub), and a pool of worker processes for CPU-heavy jobs
with a time budget (`app.state.work`, a `chassis.work.WorkPort`).
Refusals are by construction: an `UnprocessableError` raised by the skill
handler ends the A2A task `rejected` in a successful exchange, so a refused
input is never retried and never counts against the agent's circuit breaker
(Dapr counts every status outside 200-399 as a failure).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from pydantic import BaseModel, Field, RootModel

from chassis.a2a_server import mount_a2a
from chassis.app import create_app
from chassis.card import (
    A2A_PATH,
    A2A_PROTOCOL_VERSION,
    CARD_PATH,
    DAPR_DEFAULT_HTTP_PORT,
    HUBSPOKE_EXTENSION_URI,
    PUBSUB_BINDING_URI,
    EvaluationExample,
    ExampleExpectation,
    validate_a2a_card,
)
from chassis.card_signing import sign_own_card_json
from chassis.contract import (
    CONTRACT_VERSION,
    MAX_INPUT_CHARS,
    agent_dead_letter_topic,
    agent_requests_topic,
)
from chassis.dapr import DaprPort, open_sidecar
from chassis.inbox import WorkInbox
from chassis.provenance import signer_from, verifier_from
from chassis.registration import Registrar
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest
from chassis.subscriptions import subscriptions
from chassis.work import WorkPort, open_work

__all__ = [
    "AgentDescription",
    "Answer",
    "EvaluationExample",
    "ExampleExpectation",
    "Skill",
    "TextInput",
    "build_card",
    "create_agent_app",
]

# The agent's skill handler, given its app (where `setup` left its service).
Answer = Callable[[FastAPI, SkillRequest], Awaitable[SkillAnswer]]


class TextInput(RootModel[str]):
    """A step's input: the text part of one A2A message."""

    root: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)


@dataclass(frozen=True)
class Skill:
    """One thing the agent can do; the router ranks tasks against these texts."""

    id: str
    name: str
    description: str
    tags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    input_model: type[BaseModel] = TextInput
    output_model: type[BaseModel] = SkillAnswer
    # The skill's structured arguments (a data part beside the text), if it takes any:
    # the card states their schema as argumentsSchema, the tool parameters a model fills.
    arguments_model: type[BaseModel] | None = None
    # Its calls wait for a person's approval in the orchestrator (the card says so).
    approval: bool = False


@dataclass(frozen=True)
class AgentDescription:
    name: str
    description: str
    version: str
    skills: tuple[Skill, ...]
    contract_version: str = CONTRACT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    # Examples with their expected answers: the registry routes to the agent only once
    # they all pass (run again on every new version).
    evaluation: tuple[EvaluationExample, ...] = ()


_SECURITY_SCHEMES = {
    "daprMtls": {
        "mtlsSecurityScheme": {
            "description": (
                "Dapr mTLS between sidecars: the caller's identity is its SPIFFE ID from Dapr "
                "Sentry, and the agent's access policy lets only the orchestrator's identity "
                "call POST /a2a, GET the card and GET /healthz."
            )
        }
    },
    "daprApiToken": {
        "apiKeySecurityScheme": {
            "description": "The caller's own Dapr sidecar API token (DAPR_API_TOKEN).",
            "location": "header",
            "name": "dapr-api-token",
        }
    },
}


def _interfaces(settings: AgentSettings) -> list[dict[str, str]]:
    """What the agent really serves: JSON-RPC through Dapr, and work over pub/sub if it takes it."""
    sidecar = f"http://localhost:{DAPR_DEFAULT_HTTP_PORT}/v1.0/invoke/{settings.app_id}/method"
    interfaces = [
        {
            "url": f"{sidecar}{A2A_PATH}",
            "protocolBinding": "JSONRPC",
            "protocolVersion": A2A_PROTOCOL_VERSION,
        }
    ]
    if settings.async_work:
        interfaces.append(
            {
                "url": f"dapr-pubsub://{settings.pubsub}/{agent_requests_topic(settings.app_id)}",
                "protocolBinding": PUBSUB_BINDING_URI,
                "protocolVersion": A2A_PROTOCOL_VERSION,
            }
        )
    return interfaces


def build_card(agent: AgentDescription, settings: AgentSettings) -> dict[str, Any]:
    """The agent's A2A card as JSON (camelCase proto JSON), with the Hubspoke extension."""
    skills = [
        {
            "id": s.id,
            "name": s.name,
            "description": s.description,
            "tags": list(s.tags),
            "examples": list(s.examples),
            "inputModes": ["text/plain"],
            "outputModes": ["text/plain", "application/json"],
        }
        for s in agent.skills
    ]
    schemas: dict[str, dict[str, Any]] = {
        s.id: {
            "inputSchema": s.input_model.model_json_schema(),
            "outputSchema": s.output_model.model_json_schema(),
            **(
                {"argumentsSchema": s.arguments_model.model_json_schema()}
                if s.arguments_model
                else {}
            ),
            **({"approval": "required"} if s.approval else {}),
        }
        for s in agent.skills
    }
    return {
        "name": agent.name,
        "description": agent.description,
        "version": agent.version,
        "supportedInterfaces": _interfaces(settings),
        "provider": {"organization": settings.owner, "url": settings.provider_url},
        "capabilities": {
            "streaming": False,
            "pushNotifications": False,
            "extensions": [
                {
                    "uri": HUBSPOKE_EXTENSION_URI,
                    "description": (
                        "Hubspoke contract: Dapr app-id, contract version, per-skill schemas. "
                        "Interface URLs name the CALLER's own Dapr sidecar at Dapr's default "
                        f"HTTP port {DAPR_DEFAULT_HTTP_PORT}; use your sidecar's port."
                    ),
                    "required": False,
                    "params": {
                        "appId": settings.app_id,
                        "contractVersion": agent.contract_version,
                        "owner": settings.owner,
                        "skills": schemas,
                        "asyncWork": settings.async_work,
                        "evaluation": [
                            e.model_dump(mode="json", by_alias=True) for e in agent.evaluation
                        ],
                    },
                }
            ],
        },
        "securitySchemes": _SECURITY_SCHEMES,
        "securityRequirements": [
            {"schemes": {"daprMtls": {"list": []}, "daprApiToken": {"list": []}}}
        ],
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain", "application/json"],
        "skills": skills,
        **agent.extra,
    }


def create_agent_app(
    *,
    agent: AgentDescription,
    settings: AgentSettings,
    answer: Answer,
    setup: Callable[[FastAPI, DaprPort], Awaitable[None] | None],
    routers: Sequence[APIRouter] = (),
    dapr: DaprPort | None = None,
    work: WorkPort | None = None,
    work_modules: Sequence[str] = (),
) -> FastAPI:
    """An agent app serving A2A at POST /a2a with `answer(app, request)` as its skill handler.

    `setup(app, sidecar)` (sync or async) builds its service once the sidecar is
    ready; `app.state.work` is set by then (`work`, or a process pool whose
    workers import `work_modules`, the agent's job code, when they start).
    Raises `chassis.card.CardError` if the card fails the A2A SDK's validation.
    """
    card = sign_own_card_json(build_card(agent, settings), settings)
    a2a_card = validate_a2a_card(card)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        signer = signer_from(settings)
        async with (
            open_sidecar(dapr, signer=signer) as sidecar,
            open_work(work, settings, work_modules) as pool,
        ):
            app.state.event_verifier = verifier_from(settings)
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
                verifier=app.state.event_verifier,
                hub=settings.hub_app_id,
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

    async def handle(request: SkillRequest) -> SkillAnswer:
        return await answer(app, request)

    mount_a2a(app, card=a2a_card, handler=handle)
    if settings.async_work:
        _subscribe_inbox(app, settings)
    return app


def _subscribe_inbox(app: FastAPI, settings: AgentSettings) -> None:
    """Serve work from agent.requests.<app-id>; what cannot be read goes to the dead letters."""

    async def on_work(request: Request, event: Annotated[Any, Body()]) -> dict[str, str]:
        inbox: WorkInbox = request.app.state.inbox
        return {"status": await inbox.handle(event)}

    subscriptions(app).subscribe(
        pubsub=settings.pubsub,
        topic=agent_requests_topic(settings.app_id),
        dead_letter_topic=agent_dead_letter_topic(settings.app_id),
    )(on_work)
