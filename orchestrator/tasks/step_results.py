"""Agents' answers to asynchronous work, kept in the state store and awaited by
(agent, step id).

A result may reach any orchestrator replica (one consumer group per app), so
it is stored first, create-only under its agent and step id: a duplicate
delivery or a second publication changes nothing. The agent is part of the
key, so an answer another app publishes for a step it was not sent is stored
where nobody looks: `deliver` must only be given results whose `agent` is
the app that produced them (the topic they arrived on says so). The replica
running the task wakes at once if the result reached it, else finds it in
the store at its next look.
A result can also come late: one that reached a sidecar while its app was
restarting is handed out again only after the pub/sub processingTimeout.

Which steps' work was published is kept too (`sent`): a task run again while
its step still waits (the task queue hands a long task out again after its
processingTimeout) waits for the same work instead of sending another copy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from chassis.contract import AgentResult
from chassis.dapr import DaprPort, EtagMismatch

__all__ = ["StepResults"]

RESULT_TTL_S = 24 * 3600


class StepResults:
    def __init__(self, dapr: DaprPort, store: str, *, poll_s: float = 1.0) -> None:
        self._dapr = dapr
        self._store = store
        self._poll_s = poll_s
        self._waiting: dict[str, asyncio.Future[AgentResult]] = {}

    async def lookup(self, agent: str, step_id: str) -> AgentResult | None:
        """The stored result `agent` gave for a step, if any."""
        item = await self._dapr.get_state(self._store, _key(agent, step_id))
        return None if item is None else AgentResult.model_validate_json(item.data)

    async def sent(self, step_id: str) -> bool:
        """Whether the step's work was published already, by any replica."""
        return await self._dapr.get_state(self._store, f"sent-{step_id}") is not None

    async def note_sent(self, step_id: str) -> None:
        """Remember that the step's work was published (raises `DaprError` if not stored)."""
        await self._dapr.save_state(self._store, f"sent-{step_id}", b"{}", ttl_s=RESULT_TTL_S)

    async def wait(
        self,
        agent: str,
        step_id: str,
        timeout_s: float,
        *,
        give_up: Callable[[], bool] = lambda: False,
    ) -> AgentResult | None:
        """The step's result from `agent`, or None if none came within `timeout_s`
        or `give_up()` said so.

        A result that arrived before this call is in the store already:
        `deliver` stores before it wakes anyone.
        """
        key = _key(agent, step_id)
        future = self._waiting.setdefault(key, asyncio.get_running_loop().create_future())
        end = time.monotonic() + timeout_s
        try:
            while True:
                stored = await self.lookup(agent, step_id)
                if stored is not None:
                    return stored
                left = end - time.monotonic()
                if left <= 0 or give_up():
                    return None
                try:
                    return await asyncio.wait_for(asyncio.shield(future), min(self._poll_s, left))
                except TimeoutError:
                    continue
        finally:
            self._waiting.pop(key, None)

    async def deliver(self, result: AgentResult) -> bool:
        """Store a result under its agent (False if that agent's step had one already)
        and wake its waiter here."""
        key = _key(result.agent, result.step_id)
        try:
            await self._dapr.save_state(
                self._store,
                key,
                result.model_dump_json().encode(),
                create_only=True,
                ttl_s=RESULT_TTL_S,
            )
        except EtagMismatch:
            return False
        future = self._waiting.get(key)
        if future is not None and not future.done():
            future.set_result(result)
        return True


def _key(agent: str, step_id: str) -> str:
    return f"result-{agent}-{step_id}"
