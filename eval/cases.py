"""The labelled requests: each request and the exact set of agents that should answer it."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = ["CASES_FILE", "Part", "RoutingCase", "load_cases"]

CASES_FILE = Path(__file__).parent / "routing.yaml"
# Out of every 10 hash buckets, this many are held out from tuning (about 30%).
_HELD_OUT_BUCKETS = 3


class Part(StrEnum):
    """Which part of the set a case is in: the planner is tuned on one, judged on both."""

    TUNING = "tuning"
    HELD_OUT = "held-out"


class RoutingCase(BaseModel):
    """One request and the app-ids that should answer it (empty: no agent can: a refusal)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request: str = Field(min_length=1, max_length=2000)
    expect: frozenset[str]

    @property
    def part(self) -> Part:
        """The case's part, from a hash of its request: stable, and chosen by nobody."""
        bucket = hashlib.sha256(self.request.encode()).digest()[0] % 10
        return Part.HELD_OUT if bucket < _HELD_OUT_BUCKETS else Part.TUNING


_CASES = TypeAdapter(list[RoutingCase])


def load_cases(path: Path = CASES_FILE) -> list[RoutingCase]:
    """The cases of a YAML file (a list of {request, expect}); raises pydantic's
    ValidationError on a malformed case and ValueError on a request listed twice."""
    cases = _CASES.validate_python(yaml.safe_load(path.read_text()))
    seen: set[str] = set()
    for case in cases:
        if case.request in seen:
            raise ValueError(f"{path.name}: request listed twice: {case.request!r}")
        seen.add(case.request)
    return cases
