"""A test agent: speaks contract v1 (so the registry refuses it), and records every call
that reaches it.

The recorder is how the boundary tests prove that a call Dapr denied never
reached the app at all: `/v1/calls` lists the bodies `POST /a2a` received (the
route the agents' access policy lets the orchestrator call; here a plain
recorder, not an A2A server, ahead of the chassis's), `/v1/strays` the paths of
requests that matched no route of the app.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from chassis import serve
from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.dapr import DaprPort
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest

AGENT = AgentDescription(
    name="Legacy",
    description="Speaks a contract version this orchestrator does not.",
    version="1.0.0",
    contract_version="hubspoke.agent/v1",
    skills=(
        Skill(id="legacy", name="Legacy", description="Does things the old way.", tags=("old",)),
    ),
)
router = APIRouter()


@router.post("/a2a")
async def record(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    request.app.state.calls.append(body)
    return {"jsonrpc": "2.0", "id": body.get("id"), "result": {"recorded": True}}


@router.get("/v1/calls")
async def calls(request: Request) -> list[dict[str, Any]]:
    return list(request.app.state.calls)


@router.get("/v1/strays")
async def strays(request: Request) -> list[str]:
    return list(request.app.state.strays)


async def stray(request: Request) -> Response:
    request.app.state.strays.append(request.url.path)
    return Response(status_code=404)


async def never(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    raise AssertionError("the recorder answers POST /a2a before the chassis's A2A server")


def build_app() -> FastAPI:
    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.calls = []
        app.state.strays = []

    app = create_agent_app(
        agent=AGENT, settings=AgentSettings(), answer=never, routers=[router], setup=setup
    )
    # Last, after every route of the app (the card's included): whatever else arrives.
    app.add_api_route("/{path:path}", stray, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    return app


if __name__ == "__main__":
    serve("tests.integration.legacy_agent:build_app", AgentSettings())
