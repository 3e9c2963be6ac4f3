"""A test agent whose one skill changes something: its card says calls need approval.

It counts the calls it gets (`GET /v1/calls`, counting_agent.py), so a test can
tell that a step waiting for approval was not run, and that an approved one ran
once. Registered by pull (it is in no pub/sub scope).
"""

from __future__ import annotations

from fastapi import FastAPI

from chassis import serve
from chassis.agent import AgentDescription, Skill
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest
from tests.integration.counting_agent import counting_agent_app

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


async def post_entry(request: SkillRequest) -> SkillAnswer:
    return SkillAnswer(output=f"posted: {request.input}")


def build_app() -> FastAPI:
    return counting_agent_app(AGENT, post_entry)


if __name__ == "__main__":
    serve("tests.integration.ledger_agent:build_app", AgentSettings())
