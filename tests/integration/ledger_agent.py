"""A test agent whose one skill changes something: its card says calls need approval.

It counts the calls it gets (`GET /v1/calls`), so a test can tell that a
step waiting for approval was not run, and that an approved one ran once.
Registered by pull (it is in no pub/sub scope).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from chassis import serve
from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.dapr import DaprPort
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest

AGENT = AgentDescription(
    name="Ledger",
    description="Posts entries to the company ledger.",
    version="0.1.0",
    skills=(
        Skill(
            id="post-entry",
            name="Post a ledger entry",
            description="Post an entry (an amount and what it is for) to the ledger.",
            tags=("ledger", "bookkeeping"),
            examples=("post 120 EUR for printer paper",),
            approval=True,  # money moves: a person approves every call
        ),
    ),
)
router = APIRouter()


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    app.state.calls += 1
    return SkillAnswer(output=f"posted: {request.input}")


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
    serve("tests.integration.ledger_agent:build_app", AgentSettings())
