"""Plan each labelled request with the orchestrator's own planner and record the agents called.

The registry and planner are the orchestrator's (`orchestrator.main.build_registry`,
`Planner`, `build_chat_service`), on an in-memory Dapr port: the cards go
through the same checks and catalog, the skills reach the kernel as the
orchestrator offers them, and the chat model is the configured one (the
local model unless `ORCHESTRATOR_AI_PROVIDER` says otherwise). The kernel
functions record each call and hand it to an `Answerer`: by default none
runs (each answers "done", all routing needs); `eval.inprocess` runs the
agents' own domain code, so the answers can be judged too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.testing import InMemoryDapr
from eval.answers import Outcome, is_right_answer
from eval.cases import RoutingCase
from orchestrator.main import build_registry
from orchestrator.planning.chat_services import build_chat_service
from orchestrator.planning.planner import NoAgentCanDo, Planner
from orchestrator.ports import AgentSkill
from orchestrator.settings import OrchestratorSettings

__all__ = ["Answerer", "Call", "Refused", "Routed", "plannable_skills", "route_all"]


@dataclass(frozen=True)
class Call:
    """One agent call the planner made: which agent and skill, with which part of the request."""

    app_id: str
    skill_id: str
    input: str
    refused: bool = False  # the agent rejected it (the input was the problem)


class Refused(Exception):
    """An agent's refusal of its part (an A2A `rejected` task), with the reason."""


# (app_id, skill_id, text, the skill's arguments as filled) -> the agent's answer; raises Refused.
Answerer = Callable[[str, str, str, dict[str, Any]], Awaitable[str]]


@dataclass(frozen=True)
class Routed:
    """A case and what the system did with it: the calls made, the final text (the answer,
    or why not), and whether the task ended refused (no call, or every call rejected)."""

    case: RoutingCase
    calls: tuple[Call, ...]
    answer: str
    refused: bool = False

    @property
    def agents(self) -> frozenset[str]:
        return frozenset(c.app_id for c in self.calls)

    @property
    def right(self) -> bool:
        """Routed right: exactly the expected agents were called."""
        return self.agents == self.case.expect

    @property
    def answered_right(self) -> bool:
        """Answered right: the right agents, and the right answer or refusal."""
        return is_right_answer(self.case, Outcome(self.agents, self.answer, self.refused))


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


async def _done(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
    # No digits: a routing-only answer must never pass for an expected number.
    return f"done by {app_id}"


@dataclass
class _Recorder:
    answerer: Answerer
    calls: list[Call] = field(default_factory=list)

    async def __call__(
        self, app_id: str, skill_id: str, text: str, arguments: dict[str, Any]
    ) -> str:
        try:
            output = await self.answerer(app_id, skill_id, text, arguments)
        except Refused as refusal:
            # As the orchestrator does: the reason goes to the model as the call's result.
            self.calls.append(Call(app_id, skill_id, text, refused=True))
            return f"({refusal})"
        self.calls.append(Call(app_id, skill_id, text))
        return output


async def route_all(
    cases: Sequence[RoutingCase],
    skills: list[AgentSkill],
    settings: OrchestratorSettings,
    answerer: Answerer = _done,
) -> list[Routed]:
    """Each case planned in turn by one planner over `skills`, its calls answered by
    `answerer`; a task is refused when no call was made or every call was rejected
    (as the orchestrator stores it)."""
    recorder = _Recorder(answerer)
    planner = Planner(build_chat_service(settings), recorder)
    planner.refresh(skills)
    routed: list[Routed] = []
    for case in cases:
        recorder.calls = []
        try:
            answer = await planner.answer(case.request)
        except NoAgentCanDo as refusal:
            answer = str(refusal)
        calls = tuple(recorder.calls)
        refused = all(c.refused for c in calls)
        routed.append(Routed(case, calls, answer, refused))
    return routed
