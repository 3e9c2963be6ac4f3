"""A test agent whose version 1.0.0 answers its evaluation example wrongly; 1.0.1 is fixed.

It reverses the order of words. Version 1.0.0 has a bug (it gives the words
back unchanged), so the registry quarantines it; the version it starts as is
read from the file named by `DRIFTING_VERSION_FILE` (a test writes 1.0.1
there and restarts it). Registered by pull (it is in no pub/sub scope);
`GET /v1/calls` says how many A2A messages reached it (evaluations included;
counting_agent.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from chassis import serve
from chassis.agent import AgentDescription, EvaluationExample, ExampleExpectation, Skill
from chassis.settings import AgentSettings
from chassis.skills import SkillAnswer, SkillRequest
from tests.integration.counting_agent import counting_agent_app

BUGGY = "1.0.0"


def description(version: str) -> AgentDescription:
    return AgentDescription(
        name="Word reverser",
        description="Reverses the order of the words of a text.",
        version=version,
        skills=(
            Skill(
                id="reverse-words",
                name="Reverse words",
                description="Reverse the order of words: backwards word order of a sentence.",
                tags=("reverse", "backwards", "words"),
                examples=("reverse the words one two three",),
            ),
        ),
        evaluation=(
            EvaluationExample(
                skill="reverse-words",
                input="one two three",
                expect=ExampleExpectation(contains=["three two one"]),
            ),
        ),
    )


def reversed_words(text: str, version: str) -> str:
    words = text.removeprefix("reverse the words").split()
    return " ".join(words if version == BUGGY else reversed(words))


def build_app() -> FastAPI:
    version = Path(os.environ["DRIFTING_VERSION_FILE"]).read_text().strip() or BUGGY

    async def reverse(request: SkillRequest) -> SkillAnswer:
        return SkillAnswer(output=reversed_words(request.input, version))

    return counting_agent_app(description(version), reverse)


if __name__ == "__main__":
    serve("tests.integration.drifting_agent:build_app", AgentSettings())
