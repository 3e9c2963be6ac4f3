"""The labelled requests: each request, the exact set of agents that should answer it, and
what the final answer must contain (or that it must be a refusal).

The set is the YAML files of `eval/sets/`, one per area (calculator, units, ...),
each a list of:

    - request: "multiply 23 by 19"
      expect: [calculator]      # the exact set of agents; [] = no agent can do it
      answer: ["437"]           # each must appear in the final answer (case-insensitive)
    - request: "delete all agents"
      expect: []
      refusal: true             # the task must end refused, not answered
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

__all__ = ["SETS_DIR", "Part", "RoutingCase", "load_cases"]

SETS_DIR = Path(__file__).parent / "sets"
# Out of every 10 hash buckets, this many are held out from tuning (about 30%).
_HELD_OUT_BUCKETS = 3


class Part(StrEnum):
    """Which part of the set a case is in: the planner is tuned on one, judged on both."""

    TUNING = "tuning"
    HELD_OUT = "held-out"


class RoutingCase(BaseModel):
    """One request, the app-ids that should answer it (empty: no agent can), and the
    strings its final answer must contain, or `refusal`: it must end refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request: str = Field(min_length=1, max_length=2000)
    expect: frozenset[str]
    answer: tuple[str, ...] = ()
    refusal: bool = False

    @model_validator(mode="after")
    def _answer_or_refusal(self) -> Self:
        if self.refusal and self.answer:
            raise ValueError("a case is answered (answer) or refused (refusal), not both")
        return self

    @property
    def part(self) -> Part:
        """The case's part, from a hash of its request: stable, and chosen by nobody."""
        bucket = hashlib.sha256(self.request.encode()).digest()[0] % 10
        return Part.HELD_OUT if bucket < _HELD_OUT_BUCKETS else Part.TUNING


_CASES = TypeAdapter(list[RoutingCase])


def load_cases(path: Path = SETS_DIR) -> list[RoutingCase]:
    """The cases of a YAML file, or of every `*.yaml` file of a folder (in name order);
    raises pydantic's ValidationError on a malformed case and ValueError on a request
    listed twice (in one file or across files)."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    cases: list[RoutingCase] = []
    seen: dict[str, str] = {}
    for file in files:
        for case in _CASES.validate_python(yaml.safe_load(file.read_text()) or []):
            if case.request in seen:
                raise ValueError(
                    f"{file.name}: request listed twice (also in {seen[case.request]}): "
                    f"{case.request!r}"
                )
            seen[case.request] = file.name
            cases.append(case)
    return cases
