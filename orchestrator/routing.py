"""Which agent gets a task: an explicit choice, else a keyword rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chassis.errors import UnprocessableError

__all__ = ["UnknownAgent", "choose_agent"]

# Digits joined by an operator, or "N% of": arithmetic the calculator can do.
_ARITHMETIC = re.compile(
    r"\d\s*(?:[-+*/^x\N{MULTIPLICATION SIGN}\N{DIVISION SIGN}]|%\s*of|\*\*)\s*\(?\s*[-+]?\d"
)
CALCULATOR = "calculator"
SUMMARIZER = "summarizer"


class UnknownAgent(UnprocessableError):
    """The task names an agent this orchestrator does not know."""


def choose_agent(text: str, requested: str | None, known: Sequence[str]) -> str:
    """Return the app-id of the agent that should handle `text`."""
    if requested is not None:
        if requested not in known:
            raise UnknownAgent(
                f"unknown agent {requested!r}; known agents: {', '.join(sorted(known))}",
                known_agents=sorted(known),
            )
        return requested
    wanted = CALCULATOR if _ARITHMETIC.search(text) else SUMMARIZER
    if wanted not in known:
        raise UnknownAgent(f"no agent can take this task: {wanted!r} is not available")
    return wanted
