"""Runs agents' evaluation examples in the background and records the outcome.

`AgentEvaluator.consider(record, card)` is called whenever the registry hears
of an agent (a heartbeat, a pull registration, each sweep) and returns at
once; a run that is due (`evaluation.due`) starts as a background task:

    wait for a free slot (bounded concurrency)
    -> claim the run on the record (ETag-checked: one replica runs it)
    -> send each example through the tasks' A2A path (`ExampleRunner`), a
       time-out per example
    -> record passed / quarantined (a wrong answer) / still evaluating
       (no answer, or the task failed: tried again later), unless the card's
       version changed
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chassis.card import EvaluationExample, HubspokeCard
from chassis.dapr import DaprError
from orchestrator.errors import unavailable_reason
from orchestrator.ports import AgentRoute, ExampleRunner
from orchestrator.registry.evaluation import (
    Evaluation,
    EvaluationState,
    ExampleFailure,
    due,
    judge,
)
from orchestrator.registry.policy import AgentRecord

__all__ = ["AgentEvaluator", "EvaluationLimits"]

log = logging.getLogger(__name__)

RecordChange = Callable[[AgentRecord | None], AgentRecord | None]
ChangeRecord = Callable[[str, RecordChange], Awaitable[AgentRecord | None]]


@dataclass(frozen=True)
class EvaluationLimits:
    """Seconds per example; runs at once per replica; when an unanswered run is tried again;
    when another replica may take over a run whose replica went quiet."""

    example_timeout_s: float = 20.0
    concurrency: int = 2
    retry_after: timedelta = timedelta(seconds=5)
    claim_ttl: timedelta = timedelta(seconds=120)


class AgentEvaluator:
    """Evaluates agents' cards in the background; outcomes go on their records."""

    def __init__(
        self,
        runner: ExampleRunner,
        *,
        change: ChangeRecord,
        route: Callable[[str], AgentRoute],
        clock: Callable[[], datetime],
        limits: EvaluationLimits | None = None,
    ) -> None:
        self._runner = runner
        self._change = change
        self._route = route
        self._now = clock
        self._limits = limits or EvaluationLimits()
        self._slots = asyncio.Semaphore(self._limits.concurrency)
        self._running: dict[str, asyncio.Task[None]] = {}
        self.replica = uuid.uuid4().hex[:12]

    def consider(self, record: AgentRecord, card: HubspokeCard) -> None:
        """Start evaluating the agent in the background if a run is due (returns at once)."""
        if record.app_id in self._running or not self._due(record, card):
            return
        run = asyncio.create_task(self._evaluate(record.app_id, card))
        self._running[record.app_id] = run
        run.add_done_callback(lambda _: self._running.pop(record.app_id, None))

    def _due(self, record: AgentRecord | None, card: HubspokeCard) -> bool:
        return (
            record is not None
            and record.card.get("version") == card.card.version
            and due(
                record.evaluation,
                card.card.version,
                len(card.hubspoke.evaluation),
                self._now(),
                claim_ttl=self._limits.claim_ttl,
                retry_after=self._limits.retry_after,
            )
        )

    async def _evaluate(self, app_id: str, card: HubspokeCard) -> None:
        version = card.card.version
        try:
            async with self._slots:
                if not await self._claim(app_id, card):
                    return
                log.info("evaluating agent", extra={"app_id": app_id, "version": version})
                outcome = await self._run(app_id, card)

                def conclude(record: AgentRecord | None) -> AgentRecord | None:
                    running = None if record is None else record.evaluation
                    if (
                        record is None
                        or running is None
                        or running.version != version
                        or running.claimed_by != self.replica
                    ):
                        return record  # gone, a new card, or another replica took over
                    return record.model_copy(update={"evaluation": outcome})

                await self._change(app_id, conclude)
                log.info(
                    "agent evaluated: %s",
                    outcome.state,
                    extra={"app_id": app_id, "version": version},
                )
        except DaprError as exc:
            # The state store failed us: the claim expires and a later sweep tries again.
            log.warning("evaluation of %s not recorded: %s", app_id, exc)

    async def _claim(self, app_id: str, card: HubspokeCard) -> bool:
        claimed = False
        now = self._now()

        def claim(record: AgentRecord | None) -> AgentRecord | None:
            nonlocal claimed
            claimed = self._due(record, card)
            if not claimed or record is None:
                return record
            return record.model_copy(
                update={
                    "evaluation": Evaluation(
                        state=EvaluationState.EVALUATING,
                        version=card.card.version,
                        claimed_by=self.replica,
                        claimed_at=now,
                    )
                }
            )

        await self._change(app_id, claim)
        return claimed

    async def _run(self, app_id: str, card: HubspokeCard) -> Evaluation:
        version = card.card.version
        timeout_s = self._limits.example_timeout_s
        for example in card.hubspoke.evaluation:
            try:
                async with asyncio.timeout(timeout_s + 1):
                    answer = await self._runner.run(
                        self._route(app_id), example.skill, example.input, timeout_s
                    )
            except (DaprError, TimeoutError) as exc:
                why = (
                    unavailable_reason(app_id, exc)
                    if isinstance(exc, DaprError)
                    else f"agent {app_id!r} did not answer in time"
                )
                return self._outcome(
                    EvaluationState.EVALUATING,
                    version,
                    _failure(example, "", f"no answer ({why}); tried again shortly"),
                )
            if answer.state == "failed":
                # The agent's own failure (e.g. its deadline passed on a busy machine) says
                # nothing about its answers: like no answer, it is tried again.
                why = f"the agent failed: {answer.text or 'no reason given'}; tried again shortly"
                return self._outcome(
                    EvaluationState.EVALUATING, version, _failure(example, answer.text, why)
                )
            reason = judge(example, answer)
            if reason is not None:
                return self._outcome(
                    EvaluationState.QUARANTINED, version, _failure(example, answer.text, reason)
                )
        return self._outcome(EvaluationState.PASSED, version, None)

    def _outcome(
        self, state: EvaluationState, version: str, failure: ExampleFailure | None
    ) -> Evaluation:
        return Evaluation(state=state, version=version, evaluated_at=self._now(), failure=failure)

    async def aclose(self) -> None:
        """Stop runs still going (their claims expire; another replica takes over)."""
        runs = list(self._running.values())
        for run in runs:
            run.cancel()
        for run in runs:
            with contextlib.suppress(asyncio.CancelledError):
                await run


def _failure(example: EvaluationExample, answer: str, reason: str) -> ExampleFailure:
    return ExampleFailure(
        skill=example.skill,
        input=example.input,
        expected=example.expect,
        answer=answer[:2000],
        reason=reason,
    )
