"""The planner, built on a thread at start-up so that readiness does not wait for it.

Semantic Kernel cannot be imported in parts: any `semantic_kernel.*` import
runs the package's `__init__`, which imports the kernel and with it every
prompt-template engine (pybars compiles its Handlebars grammar at import,
about 0.7 s; jinja2), the content types (numpy) and openai's types (about
1 s), some 2.5-3 s on a 2-core machine. The orchestrator is ready once its
registry is back; only a task that needs a plan needs the kernel. So the
planner is built on a thread (`chassis.deferred`) started with the task
service, while the sidecar handshake and the registry load run, and a task
that comes first awaits the rest of that build instead of paying all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chassis.deferred import BuiltOnThread
from orchestrator.ports import AgentSkill, ConversationTurn, TaskPlanner

__all__ = ["DeferredPlanner"]


class DeferredPlanner:
    """A `TaskPlanner` that builds the real one on a thread and hands calls to it once built.

    An error `build` raises is raised again by every `answer`. `refresh`
    before the build is done is kept and applied to the built planner.
    """

    def __init__(self, build: Callable[[], TaskPlanner]) -> None:
        self._skills: Sequence[AgentSkill] | None = None
        self._planner = BuiltOnThread(build, name="planner")

    def refresh(self, skills: Sequence[AgentSkill]) -> None:
        """Offer exactly these skills from now on (to the built planner, or once it is built)."""
        self._skills = skills
        built = self._planner.built()
        if built is not None:
            built.refresh(skills)

    async def answer(self, request: str, history: Sequence[ConversationTurn] = ()) -> str:
        """The built planner's answer (`history`: the conversation's earlier turns, oldest
        first); waits for the build first if it is still running."""
        planner = await self._planner.get()
        if self._skills is not None:
            planner.refresh(self._skills)  # cheap when nothing changed
        return await planner.answer(request, history)
