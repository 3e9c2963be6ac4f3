"""The planner is built on a thread: readiness does not wait for it, a task does."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from orchestrator.planning.deferred import DeferredPlanner
from orchestrator.ports import AgentSkill, ConversationTurn


class RecordingPlanner:
    """A TaskPlanner that records what it was offered and answers with it."""

    def __init__(self) -> None:
        self.offered: Sequence[AgentSkill] = ()

    def refresh(self, skills: Sequence[AgentSkill]) -> None:
        self.offered = skills

    async def answer(self, request: str, history: Sequence[ConversationTurn] = ()) -> str:
        return f"{request}: {len(self.offered)} skills, {len(history)} turns before"


def _skill(app_id: str) -> AgentSkill:
    return AgentSkill(app_id=app_id, skill_id="s", description="d", tags=())


async def test_a_task_waits_for_the_planner_still_being_built() -> None:
    release = threading.Event()
    built = RecordingPlanner()

    def build() -> RecordingPlanner:
        release.wait(timeout=30)
        return built

    planner = DeferredPlanner(build)
    planner.refresh([_skill("a"), _skill("b")])
    answering = asyncio.ensure_future(planner.answer("plan"))
    await asyncio.sleep(0.05)
    assert not answering.done()  # built on a thread; the loop is free meanwhile
    release.set()
    assert await asyncio.wait_for(answering, timeout=30) == "plan: 2 skills, 0 turns before"


async def test_refresh_after_the_build_reaches_the_built_planner() -> None:
    built = RecordingPlanner()
    planner = DeferredPlanner(lambda: built)
    answer = await asyncio.wait_for(planner.answer("first"), timeout=30)
    assert answer == "first: 0 skills, 0 turns before"
    planner.refresh([_skill("a")])
    assert built.offered == [_skill("a")]


async def test_a_conversation_reaches_the_built_planner() -> None:
    planner = DeferredPlanner(RecordingPlanner)
    turn = ConversationTurn("what is 2+3", "5", "t1")
    answer = await asyncio.wait_for(planner.answer("and times 4?", [turn]), timeout=30)
    assert answer == "and times 4?: 0 skills, 1 turns before"


async def test_a_failed_build_fails_each_task_that_needs_a_plan() -> None:
    def build() -> RecordingPlanner:
        raise RuntimeError("no model")

    planner = DeferredPlanner(build)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="no model"):
            await asyncio.wait_for(planner.answer("plan"), timeout=30)
