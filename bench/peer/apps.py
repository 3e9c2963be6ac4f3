"""The dapr-agents peer: an orchestrator and three agents, each a DurableAgent beside its daprd.

Wiring as dapr-agents 1.0 documents "agents as tools" across apps: the
orchestrator's tools are the three agents (`agent_to_tool(..., target_app_id=)`),
so its model's tool calls become child workflows on the agents' apps (Dapr
Workflows: placement, scheduler, the actor state store); each agent's model
calls its one tool (bench/peer/skills.py) and answers. Every model call goes
through dapr-agents' `OpenAIChatClient` to the benchmark's deterministic
planner (bench/planner_server.py), as Hubspoke's planner does.

The orchestrator's app also serves `POST /run` `{"input": text}`: it starts
the orchestrator's workflow and waits for its end (AgentRunner.run, wait=True),
answering `{"answer": text}`, so one request is one whole
task and its latency is end-to-end. `GET /healthz` on every app.
Runs in the peer environment only (bench/peer/environment.py):

    python -m bench.peer.apps orchestrator|calculator|summarizer|knowledge
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from dapr_agents import AgentRunner, DurableAgent, OpenAIChatClient, tool
from dapr_agents.tool.workflow import agent_to_tool
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bench.peer.skills import SKILLS

__all__ = ["PeerSettings", "build_agent", "build_orchestrator"]

ORCHESTRATOR = "orchestrator"


class PeerSettings(BaseSettings):
    """From the environment the launcher gives every app (APP_PORT) and PEER_* of the setup."""

    model_config = SettingsConfigDict(env_prefix="PEER_", extra="ignore", populate_by_name=True)

    app_port: int = Field(validation_alias="APP_PORT")
    planner_url: str = "http://127.0.0.1:8090/v1"
    model: str = "bench-planner"
    task_timeout_s: int = 60


class RunRequest(BaseModel):
    input: str = Field(min_length=1, max_length=8000)


class RunAnswer(BaseModel):
    answer: str


def _llm(settings: PeerSettings) -> Any:
    # The planner needs no key; the OpenAI client refuses to start without one.
    return OpenAIChatClient(model=settings.model, base_url=settings.planner_url, api_key="bench")


def _agent(settings: PeerSettings, name: str, role: str, tools: list[Any]) -> Any:
    return DurableAgent(name=name, role=role, llm=_llm(settings), tools=tools)


def _answer_text(output: str | None) -> str:
    """The final assistant message's text, from the workflow's serialized output."""
    if output is None:
        raise HTTPException(504, "the orchestrator's workflow did not finish in time")
    try:
        message = json.loads(output)
    except json.JSONDecodeError:
        return output
    if isinstance(message, dict):
        return str(message.get("content") or "")
    return str(message)


def build_orchestrator(settings: PeerSettings) -> FastAPI:
    """The orchestrator: the three agents as its tools, and `POST /run` to start and await."""
    runner = AgentRunner(name="bench-peer", timeout_in_seconds=settings.task_timeout_s)
    agents: list[Any] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # AgentRunner waits for each workflow in a thread of the loop's default
        # executor (min(32, cores + 4) threads): sized so the front app never caps
        # the peer's concurrency below what the benchmark sends.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=64))
        tools = [
            agent_to_tool(app_id, description, target_app_id=app_id)
            for app_id, (description, _skill) in SKILLS.items()
        ]
        # Construction asks the sidecar for its metadata (blocking): off the event loop.
        agent = await asyncio.to_thread(_agent, settings, ORCHESTRATOR, "Orchestrator", tools)
        agents.append(agent)
        yield
        runner.shutdown(agent)

    app = FastAPI(title="dapr-agents peer orchestrator", lifespan=lifespan)

    @app.post("/run")
    async def run(request: RunRequest) -> RunAnswer:
        output = await runner.run(
            agents[0], {"task": request.input}, wait=True,
            timeout_in_seconds=settings.task_timeout_s, log=False,
        )  # fmt: skip
        return RunAnswer(answer=_answer_text(output))

    _healthz(app)
    return app


def build_agent(settings: PeerSettings, app_id: str) -> FastAPI:
    """One agent with its one tool; its workflow is started by the orchestrator's."""
    description, skill = SKILLS[app_id]
    started: list[Any] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        agent = await asyncio.to_thread(_agent, settings, app_id, description, [tool(skill)])
        # The knowledge index is built once, before the first task.
        await asyncio.to_thread(skill, "warm up")
        await asyncio.to_thread(agent.start)
        started.append(agent)
        yield
        agent.stop()

    app = FastAPI(title=f"dapr-agents peer {app_id}", lifespan=lifespan)
    _healthz(app)
    return app


def _healthz(app: FastAPI) -> None:
    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}


def main() -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role != ORCHESTRATOR and role not in SKILLS:
        sys.exit(f"usage: python -m bench.peer.apps {ORCHESTRATOR}|{'|'.join(SKILLS)}")
    logging.basicConfig(level=logging.WARNING)
    settings = PeerSettings()
    app = build_orchestrator(settings) if role == ORCHESTRATOR else build_agent(settings, role)
    uvicorn.run(app, host="127.0.0.1", port=settings.app_port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
