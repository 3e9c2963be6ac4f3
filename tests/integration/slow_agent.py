"""A test agent with the calculator's skill that answers too slowly, and counts its calls.

Registered by pull (it is in no pub/sub scope); the fault tests give its
app-id a short Dapr timeout and an eager circuit breaker
(tests/integration/resources/slow-agent.yaml).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, FastAPI, Request

from chassis import serve
from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.dapr import DaprPort
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest

DELAY_S = 3.0
AGENT = AgentDescription(
    name="Abacus",
    description="Evaluates arithmetic on an abacus, slowly.",
    version="0.1.0",
    skills=(
        Skill(
            id="arithmetic",
            name="Abacus arithmetic",
            # "compute" is in no other agent's card: "compute 2+3" is planned to the abacus
            # first, and the calculator (which reads the whole input) is its fallback.
            description="Compute abacus arithmetic: abacus sums and abacus products.",
            tags=("abacus", "compute"),
            examples=("compute 2+3",),
        ),
    ),
)
router = APIRouter()


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    """Every A2A message, answered after DELAY_S (if its deadline allows)."""
    app.state.calls += 1
    await asyncio.sleep(DELAY_S)
    return SkillAnswer(output="too late")


@router.get("/v1/calls")
async def calls(request: Request) -> int:
    return int(request.app.state.calls)


def build_app() -> FastAPI:
    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.calls = 0

    return create_agent_app(
        agent=AGENT, settings=AgentSettings(), answer=answer, routers=[router], setup=setup
    )


if __name__ == "__main__":
    serve("tests.integration.slow_agent:build_app", AgentSettings())
