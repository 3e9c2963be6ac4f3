"""Plan each labelled request with the orchestrator's own planner and record the agents called.

The registry and planner are the orchestrator's (`orchestrator.main.build_registry`,
`Planner`, `build_chat_service`), on an in-memory Dapr port: the cards go
through the same checks and catalog, the skills reach the kernel as the
orchestrator offers them, and the chat model is the configured one (the
local model unless `ORCHESTRATOR_AI_PROVIDER` says otherwise). No agent runs:
the kernel functions record the call and answer "done", which is all the
planner needs to finish its plan.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.testing import InMemoryDapr
from eval.cases import RoutingCase
from orchestrator.main import build_registry
from orchestrator.planning.chat_services import build_chat_service
from orchestrator.planning.planner import NoAgentCanDo, Planner
from orchestrator.ports import AgentSkill
from orchestrator.settings import OrchestratorSettings

__all__ = ["Call", "Routed", "plannable_skills", "route_all"]


@dataclass(frozen=True)
class Call:
    """One agent call the planner made: which agent and skill, with which part of the request."""

    app_id: str
    skill_id: str
    input: str


@dataclass(frozen=True)
class Routed:
    """A case and what the planner did with it (no calls: it refused, saying `answer`)."""

    case: RoutingCase
    calls: tuple[Call, ...]
    answer: str

    @property
    def agents(self) -> frozenset[str]:
        return frozenset(c.app_id for c in self.calls)

    @property
    def right(self) -> bool:
        return self.agents == self.case.expect


async def plannable_skills(
    cards: dict[str, dict[str, Any]], settings: OrchestratorSettings
) -> list[AgentSkill]:
    """The skills the orchestrator's registry offers the planner once these cards have
    registered; raises RuntimeError naming a card the registry refused."""
    registry = build_registry(settings, InMemoryDapr())
    for app_id, card in cards.items():
        message = RegistrationMessage(
            kind=RegistrationKind.REGISTER,
            app_id=app_id,
            instance_id="eval",
            card=card,
            sent_at=datetime.now(UTC),
        )
        await registry.handle(message, sender=app_id)
    refused = {r.app_id: r.reason for r in await registry.refusals()}
    if refused:
        raise RuntimeError(f"the registry refused cards: {refused}")
    return registry.plannable_skills()


@dataclass
class _Recorder:
    calls: list[Call] = field(default_factory=list)

    async def __call__(self, app_id: str, skill_id: str, text: str) -> str:
        self.calls.append(Call(app_id, skill_id, text))
        return f"done ({uuid.uuid4().hex[:6]})"


async def route_all(
    cases: Sequence[RoutingCase], skills: list[AgentSkill], settings: OrchestratorSettings
) -> list[Routed]:
    """Each case planned in turn by one planner over `skills`."""
    recorder = _Recorder()
    planner = Planner(build_chat_service(settings), recorder)
    planner.refresh(skills)
    routed: list[Routed] = []
    for case in cases:
        recorder.calls = []
        try:
            answer = await planner.answer(case.request)
        except NoAgentCanDo as refusal:
            answer = str(refusal)
        routed.append(Routed(case, tuple(recorder.calls), answer))
    return routed
