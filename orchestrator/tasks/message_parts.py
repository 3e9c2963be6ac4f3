"""The parts of the A2A message that carries one step to an agent.

The text always goes (any agent reads it); the skill's structured arguments,
when the planner filled them, go beside it as a data part, which agents that
state an `argumentsSchema` read first (`chassis.a2a_server`, the units agent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from a2a.helpers.proto_helpers import new_data_part
from a2a.types import Part

__all__ = ["step_parts"]


def step_parts(text: str, arguments: Mapping[str, Any]) -> list[Part]:
    """A text part with `text`, and a data part with `arguments` unless they are empty."""
    parts = [Part(text=text)]
    if arguments:
        parts.append(new_data_part(dict(arguments)))
    return parts
