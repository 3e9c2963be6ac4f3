"""Smoke evaluation and operator pauses of agents: the registry's rules (no I/O).

An agent with evaluation examples on its card (the Hubspoke extension's
`evaluation`) is routable only once every example has passed for the card's
version: until then it is `evaluating`; a wrong answer makes it `quarantined`
with the example and the answer it gave. The outcome is kept on the agent's
record (shared by every orchestrator replica through the state store) and
holds until the card's version changes. An agent whose card declares no
example has nothing to run and passes as it registers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from chassis.card import EvaluationExample, ExampleExpectation
from orchestrator.ports import ExampleAnswer

__all__ = [
    "Evaluation",
    "EvaluationState",
    "ExampleFailure",
    "OperatorAction",
    "current_evaluation",
    "due",
    "judge",
]


class EvaluationState(StrEnum):
    EVALUATING = "evaluating"
    PASSED = "passed"
    QUARANTINED = "quarantined"


class ExampleFailure(BaseModel):
    """The example that failed and what the agent answered."""

    skill: str
    input: str
    expected: ExampleExpectation
    answer: str = Field(description="The answer's text ('' when no answer came back).")
    reason: str


class Evaluation(BaseModel):
    """The evaluation of one card version, as stored on the agent's record."""

    state: EvaluationState
    version: str = Field(description="The card version evaluated.")
    evaluated_at: datetime | None = None
    failure: ExampleFailure | None = None
    # The replica running it and since when: an abandoned run (its replica stopped)
    # is taken over once the claim is older than the registry's claim time-out.
    claimed_by: str | None = None
    claimed_at: datetime | None = None


class OperatorAction(BaseModel):
    """Who paused (or resumed) an agent, why, and when."""

    by: str
    reason: str
    at: datetime


def current_evaluation(stored: Evaluation | None, version: str, examples: int) -> Evaluation:
    """The evaluation that holds for card `version` declaring `examples` examples.

    A stored outcome for another version no longer counts: the new version is
    `evaluating` until its own run ends (or `passed` when it declares none).
    """
    if stored is not None and stored.version == version:
        return stored
    if examples == 0:
        return Evaluation(state=EvaluationState.PASSED, version=version)
    return Evaluation(state=EvaluationState.EVALUATING, version=version)


def due(
    stored: Evaluation | None,
    version: str,
    examples: int,
    now: datetime,
    *,
    claim_ttl: timedelta,
    retry_after: timedelta,
) -> bool:
    """Whether a run of the examples should start now.

    Yes for a version never run; for a run whose replica went quiet (claim older
    than `claim_ttl`); and `retry_after` after a run that got no answer (the agent
    was unreachable: that says nothing about its answers, so it is tried again).
    """
    current = current_evaluation(stored, version, examples)
    if current.state is not EvaluationState.EVALUATING:
        return False
    if current.claimed_at is not None:
        return now - current.claimed_at > claim_ttl
    return current.evaluated_at is None or now - current.evaluated_at >= retry_after


def judge(example: EvaluationExample, answer: ExampleAnswer) -> str | None:
    """Why `answer` fails `example`, or None if it passes.

    The state must be the expected one; every `contains` text must appear in the
    answer, ignoring case.
    """
    expected = example.expect
    if answer.state != expected.state:
        return f"the task ended {answer.state}, expected {expected.state}"
    text = answer.text.casefold()
    missing = [c for c in expected.contains if c.casefold() not in text]
    if missing:
        return f"the answer lacks {', '.join(repr(m) for m in missing)}"
    return None
