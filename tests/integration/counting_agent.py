"""What the counting test agents share: an agent app that counts the A2A messages it gets.

`GET /v1/calls` says how many reached it, so a test can tell whether a step ran
(and how often) from the agent's side, not from the orchestrator's word. Each
test agent (ledger_agent.py, slow_agent.py, drifting_agent.py) gives its own
card and reply; these agents are registered by pull (in no pub/sub scope).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request

from chassis.agent import AgentDescription, create_agent_app
from chassis.dapr import DaprPort
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["Reply", "counting_agent_app"]

# The agent's own answer to one A2A message (counted before it runs).
Reply = Callable[[SkillRequest], Awaitable[SkillAnswer]]
_router = APIRouter()


@_router.get("/v1/calls")
async def _calls(request: Request) -> int:
    return int(request.app.state.calls)


def counting_agent_app(agent: AgentDescription, reply: Reply) -> FastAPI:
    """An agent app (settings from the environment) answering with `reply`, counting each call.

    The count goes up when a message arrives, before `reply` runs: a reply that
    is too slow for its caller's deadline is counted all the same.
    """

    async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
        app.state.calls += 1
        return await reply(request)

    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.calls = 0

    return create_agent_app(
        agent=agent, settings=AgentSettings(), answer=answer, routers=[_router], setup=setup
    )
