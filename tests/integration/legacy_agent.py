"""A test agent: speaks an older contract, and records every call that reaches it.

The recorder is how the boundary tests prove that a call Dapr denied never
reached the app at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request

from chassis import serve
from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.dapr import DaprPort
from chassis.settings import AgentSettings

AGENT = AgentDescription(
    name="Legacy",
    description="Speaks a contract version this orchestrator does not.",
    version="2.0.0",
    contract_version="hubspoke.agent/v2",
    skills=(Skill(id="legacy", name="Legacy", description="Does things the old way."),),
)
router = APIRouter()


@router.post("/v1/invoke")
async def invoke(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    request.app.state.calls.append(body)
    return {"agent": "legacy", "output": "recorded", "data": {}}


@router.get("/v1/calls")
async def calls(request: Request) -> list[dict[str, Any]]:
    return list(request.app.state.calls)


def build_app() -> FastAPI:
    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.calls = []

    return create_agent_app(agent=AGENT, settings=AgentSettings(), routers=[router], setup=setup)


if __name__ == "__main__":
    serve("tests.integration.legacy_agent:build_app", AgentSettings())
