"""The registry's API, version 1, and its `agents.registry.<agent>` subscriptions (routes only)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, status
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import ValidationError

from chassis.contract import CloudEvent, RegistrationMessage, agent_registry_topic
from chassis.dapr import DaprError
from chassis.errors import BadRequestError
from chassis.problems import problem_responses
from chassis.provenance import EventVerifierDep
from chassis.subscriptions import subscriptions
from orchestrator.deps import OperatorDep, RegistryDep, require_caller, require_operator
from orchestrator.registry.evaluation import EvaluationState
from orchestrator.registry.models import (
    AgentList,
    AgentMatch,
    AgentView,
    ExternalRegistration,
    PauseRequest,
    PullRegistration,
    RefusalList,
    ResumeRequest,
)
from orchestrator.registry.policy import Health

__all__ = ["router", "subscribe"]

log = logging.getLogger(__name__)
router = APIRouter(
    prefix="/v1/agents",
    tags=["agents"],
    responses=problem_responses(401),
    dependencies=[Depends(require_caller)],
)
AppId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
# Reading the registry needs a caller; changing it, and its refusals, the operator role.


def _versions(spec: str | None) -> SpecifierSet | None:
    if spec is None:
        return None
    try:
        return SpecifierSet(spec)
    except InvalidSpecifier as exc:
        raise BadRequestError(f"version: {spec!r} is not a version range like '>=1.0,<2'") from exc


@router.get("", responses=problem_responses(400))
async def list_agents(
    registry: RegistryDep,
    skill: str | None = None,
    tag: str | None = None,
    health: Health | None = None,
    version: Annotated[str | None, Query(description="A range such as '>=1.0,<2'.")] = None,
    evaluation: EvaluationState | None = None,
) -> AgentList:
    """Registered agents, filtered by skill, tag, health, version range and evaluation state."""
    agents = registry.find(
        skill=skill,
        tag=tag,
        health=health,
        versions=_versions(version),
        evaluation=evaluation,
    )
    return AgentList(count=len(agents), agents=agents)


@router.get("/search")
async def search_agents(
    registry: RegistryDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[AgentMatch]:
    """Agents ranked by how well their skills match a text (what the router uses)."""
    return registry.search(q, limit)


@router.get("/refusals", responses=problem_responses(403), dependencies=[Depends(require_operator)])
async def list_refusals(registry: RegistryDep) -> RefusalList:
    """Registrations the orchestrator refused, newest first, with the reason."""
    return RefusalList(refusals=await registry.refusals())


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    # 409: the name is taken by a Hubspoke agent; 422: the card (or URL) was refused;
    # 502: no card came back.
    responses=problem_responses(403, 409, 422, 502),
    dependencies=[Depends(require_operator)],
)
async def register_agent(
    body: PullRegistration | ExternalRegistration, registry: RegistryDep
) -> AgentView:
    """Register an agent that does not self-register: its card is fetched through Dapr.

    `{"app_id": ...}`: a Hubspoke agent beside its own sidecar. `{"card_url": ...}`:
    a third-party A2A agent under an allowlisted base URL, called through the
    orchestrator's sidecar by its Dapr HTTPEndpoint.
    """
    if isinstance(body, ExternalRegistration):
        return await registry.register_external(body.card_url)
    return await registry.register_pull(body.app_id)


@router.get("/{app_id}", responses=problem_responses(404))
async def get_agent(app_id: AppId, registry: RegistryDep) -> AgentView:
    return registry.view(app_id)


@router.delete(
    "/{app_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409),
    dependencies=[Depends(require_operator)],
)
async def remove_agent(app_id: AppId, registry: RegistryDep) -> None:
    """Remove an agent registered by app-id or card URL (409 for a self-registering one)."""
    await registry.remove(app_id)


@router.post("/{app_id}/pause", responses=problem_responses(403, 404))
async def pause_agent(
    app_id: AppId, body: PauseRequest, registry: RegistryDep, caller: OperatorDep
) -> AgentView:
    """Stop routing tasks to the agent (sync and async) until it is resumed; records who and why."""
    return await registry.pause(app_id, by=caller.name, reason=body.reason)


@router.post("/{app_id}/resume", responses=problem_responses(403, 404))
async def resume_agent(
    app_id: AppId, registry: RegistryDep, caller: OperatorDep, body: ResumeRequest | None = None
) -> AgentView:
    """Route tasks to a paused agent again; records who and why."""
    reason = "" if body is None else body.reason
    return await registry.resume(app_id, by=caller.name, reason=reason)


@router.get("/{app_id}/card", responses=problem_responses(404))
async def get_agent_card(app_id: AppId, registry: RegistryDep) -> dict[str, Any]:
    """The agent's A2A card as it registered."""
    return registry.card(app_id)


def _registration_handler(agent: str) -> Callable[..., Coroutine[Any, Any, dict[str, str]]]:
    """The subscriber of `agents.registry.<agent>`: every message there is `agent`'s.

    Only `agent`'s sidecar may publish on that topic and only its Redis user may
    append to the stream, so the sender is the topic, never the CloudEvent
    `source` (whatever a message written straight into Redis says)."""

    async def on_registration(
        registry: RegistryDep,
        verifier: EventVerifierDep,
        event: Annotated[dict[str, Any], Body()],
    ) -> dict[str, str]:
        try:
            envelope = CloudEvent[RegistrationMessage].model_validate(event)
        except ValidationError as exc:
            log.warning("dropping malformed registration: %s", exc.errors()[:3])
            return {"status": "DROP"}
        refused = verifier.passes(event, producer=agent, topic=agent_registry_topic(agent))
        if refused is not None:
            try:
                await registry.refuse_message(agent, refused)
            except DaprError:
                return {"status": "RETRY"}
            return {"status": "DROP"}
        try:
            await registry.handle(envelope.data, sender=agent)
        except DaprError:
            log.exception("registration of %s not stored; asking for redelivery", agent)
            return {"status": "RETRY"}
        return {"status": "SUCCESS"}

    return on_registration


def subscribe(app: FastAPI, pubsub: str, *, agents: list[str]) -> None:
    """Receive register/heartbeat/deregister messages on each of `agents`' own
    `agents.registry.<agent>`."""
    dapr = subscriptions(app)
    for agent in agents:
        dapr.subscribe(pubsub=pubsub, topic=agent_registry_topic(agent))(
            _registration_handler(agent)
        )
