"""The planner, built on a thread at start-up so that readiness does not wait for it.

Semantic Kernel cannot be imported in parts: any `semantic_kernel.*` import
runs the package's `__init__`, which imports the kernel and with it every
prompt-template engine (pybars compiles its Handlebars grammar at import,
about 0.7 s; jinja2), the content types (numpy) and openai's types (about
1 s), some 2.5-3 s on a 2-core machine. The orchestrator is ready once its
registry is back; only a task that needs a plan needs the kernel. So the
planner is built on a thread started with the task service, while the
sidecar handshake and the registry load run, and a task that comes first
awaits the rest of that build instead of paying all of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from orchestrator.ports import AgentSkill, TaskPlanner

__all__ = ["DeferredPlanner"]

log = logging.getLogger(__name__)


class DeferredPlanner:
    """A `TaskPlanner` that builds the real one on a thread and hands calls to it once built.

    `build` runs once, on a thread of its own, from construction; an error it
    raises is logged and raised again by every `answer`. `refresh` before the
    build is done is kept and applied to the built planner.
    """

    def __init__(self, build: Callable[[], TaskPlanner]) -> None:
        self._skills: Sequence[AgentSkill] | None = None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planner-build")
        self._building: Future[TaskPlanner] = pool.submit(build)
        pool.shutdown(wait=False)  # takes no more work; the build runs on
        self._building.add_done_callback(_log_failure)

    def refresh(self, skills: Sequence[AgentSkill]) -> None:
        """Offer exactly these skills from now on (to the built planner, or once it is built)."""
        self._skills = skills
        if self._building.done() and self._building.exception() is None:
            self._building.result().refresh(skills)

    async def answer(self, request: str) -> str:
        """The built planner's answer; waits for the build first if it is still running."""
        planner = await asyncio.wrap_future(self._building)
        if self._skills is not None:
            planner.refresh(self._skills)  # cheap when nothing changed
        return await planner.answer(request)


def _log_failure(building: Future[TaskPlanner]) -> None:
    error = building.exception()
    if error is not None:
        log.error("planner not built: tasks that need a plan will fail", exc_info=error)
