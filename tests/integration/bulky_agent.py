"""A test agent whose answers can be far larger than any subscriber takes.

`repeat <n>` answers n characters. It runs under the app-id `knowledge` (its
card and skills replace the stock agent's) because only the run file's agents
are in the pub/sub scopes, and the size limit under test is the one on the
asynchronous path: the chassis refuses to publish a result its subscriber
could not take, and records why on the agent's dead-letter topic.
"""

from __future__ import annotations

from fastapi import FastAPI

from chassis import serve
from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.dapr import DaprPort
from chassis.errors import UnprocessableError
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest

AGENT = AgentDescription(
    name="Bulky",
    description="Repeats a letter as many times as asked.",
    version="0.1.0",
    skills=(
        Skill(
            id="repeat",
            name="Repeat",
            description="Repeat the letter x n times: repeat 10, repeat 3000000.",
            tags=("repeat",),
            examples=("repeat 10",),
        ),
    ),
)


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    """`repeat <n>`: n times the letter x."""
    words = request.input.split()
    if len(words) != 2 or words[0] != "repeat" or not words[1].isdigit():
        raise UnprocessableError("say: repeat <n>")
    return SkillAnswer(output="x" * int(words[1]))


def _nothing(app: FastAPI, sidecar: DaprPort) -> None:
    """No service to build: the answer needs nothing."""


def build_app() -> FastAPI:
    return create_agent_app(agent=AGENT, settings=AgentSettings(), answer=answer, setup=_nothing)


if __name__ == "__main__":
    serve("tests.integration.bulky_agent:build_app", AgentSettings())
