"""A test agent with the calculator's skill that answers too slowly, and counts its calls.

Registered by pull (it is in no pub/sub scope); the fault tests give its
app-id a short Dapr timeout and an eager circuit breaker
(tests/integration/resources/slow-agent.yaml). `GET /v1/calls` counts the
calls that reached it (counting_agent.py).
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from chassis import serve
from chassis.agent import AgentDescription, Skill
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest
from tests.integration.counting_agent import counting_agent_app

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


async def too_late(request: SkillRequest) -> SkillAnswer:
    """Every A2A message, answered after DELAY_S (if its deadline allows)."""
    await asyncio.sleep(DELAY_S)
    return SkillAnswer(output="too late")


def build_app() -> FastAPI:
    return counting_agent_app(AGENT, too_late)


if __name__ == "__main__":
    serve("tests.integration.slow_agent:build_app", AgentSettings())
