"""A test agent that implements an older contract than the orchestrator supports."""

from __future__ import annotations

from fastapi import FastAPI

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


def build_app() -> FastAPI:
    def setup(app: FastAPI, _: DaprPort) -> None:
        pass

    return create_agent_app(agent=AGENT, settings=AgentSettings(), routers=[], setup=setup)


if __name__ == "__main__":
    serve("tests.integration.legacy_agent:build_app", AgentSettings())
