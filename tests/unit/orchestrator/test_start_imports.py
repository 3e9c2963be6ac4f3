"""What the orchestrator imports before it can be ready, and the planner built off the loop."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from orchestrator.planning.deferred import DeferredPlanner
from orchestrator.ports import AgentSkill

REPO_ROOT = Path(__file__).resolve().parents[3]
# Packages only a cloud provider needs (Semantic Kernel itself imports openai's types).
CLOUD_PACKAGES = ("openai", "azure", "semantic_kernel", "aiortc")


def _imported_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after `code` runs in a fresh interpreter."""
    listing = "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    probe = f"{code}\nimport json, sys\n{listing}"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_orchestrator_imports_no_model_client() -> None:
    imported = _imported_after("import orchestrator.main")
    assert "fastapi" in imported  # the probe sees what was imported
    assert imported.isdisjoint(CLOUD_PACKAGES), imported & set(CLOUD_PACKAGES)


def test_the_local_model_loads_no_cloud_provider_client() -> None:
    imported = _imported_after(
        "from orchestrator.planning.chat_services import build_chat_service\n"
        "from tests.unit.orchestrator.conftest import orchestrator_settings\n"
        "build_chat_service(orchestrator_settings())\n"
    )
    assert "semantic_kernel" in imported  # the local model runs on Semantic Kernel
    assert imported.isdisjoint({"azure", "aiortc"}), imported & {"azure", "aiortc"}


class RecordingPlanner:
    """A TaskPlanner that records what it was offered and answers with it."""

    def __init__(self) -> None:
        self.offered: Sequence[AgentSkill] = ()

    def refresh(self, skills: Sequence[AgentSkill]) -> None:
        self.offered = skills

    async def answer(self, request: str) -> str:
        return f"{request}: {len(self.offered)} skills"


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
    assert await asyncio.wait_for(answering, timeout=30) == "plan: 2 skills"


async def test_refresh_after_the_build_reaches_the_built_planner() -> None:
    built = RecordingPlanner()
    planner = DeferredPlanner(lambda: built)
    assert await asyncio.wait_for(planner.answer("first"), timeout=30) == "first: 0 skills"
    planner.refresh([_skill("a")])
    assert built.offered == [_skill("a")]


async def test_a_failed_build_fails_each_task_that_needs_a_plan() -> None:
    def build() -> RecordingPlanner:
        raise RuntimeError("no model")

    planner = DeferredPlanner(build)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="no model"):
            await asyncio.wait_for(planner.answer("plan"), timeout=30)
