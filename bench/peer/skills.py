"""The peer agents' tools: Hubspoke's agents' own domain code, called in process.

Runs in the peer environment (bench/peer/requirements.txt), which holds what
these layers import (lark, semantic-kernel, pydantic-settings) but not the
service stack of `chassis` (FastAPI app factory, A2A, OpenTelemetry).

What is the same as Hubspoke's agents: the calculator's parser, limits and
answer text (`agents.calculator.arithmetic.evaluate`); the summarizer's
extractive summary (`agents.summarizer.summarize.summarize`); the knowledge
agent's service, documents, chunking, hashing embeddings and index
(`agents.knowledge.service.KnowledgeService`, settings' defaults).
What differs: Hubspoke's calculator evaluates in a worker process under a
per-task budget, here it runs in the activity's thread; no A2A message, skill
contract or refusal status: a tool returns text, a refusal is its reason.
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import importlib.util
import sys
import threading
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["SKILLS", "calculator_evaluate", "knowledge_answer", "summarizer_summarize"]

_REPO = Path(__file__).resolve().parents[2]


def _bare_chassis() -> None:
    # chassis/__init__.py wires the whole service stack, which this environment
    # does not have; the layers used here import only chassis.errors, .skills,
    # .contract and .settings (pydantic), so the package is registered without it.
    if "chassis" in sys.modules:
        return
    spec = importlib.machinery.ModuleSpec("chassis", None, is_package=True)
    module = importlib.util.module_from_spec(spec)
    module.__path__ = [str(_REPO / "chassis")]
    sys.modules["chassis"] = module


_bare_chassis()

from agents.calculator.arithmetic import ExpressionError, Limits, evaluate  # noqa: E402
from agents.knowledge.service import KnowledgeService, build_service  # noqa: E402
from agents.knowledge.settings import KnowledgeSettings  # noqa: E402
from agents.summarizer.summarize import summarize  # noqa: E402
from chassis.errors import UnprocessableError  # noqa: E402
from chassis.skills import SkillRequest  # noqa: E402

_LIMITS = Limits()
_knowledge: KnowledgeService | None = None
_T = TypeVar("_T")
_loops: list[asyncio.AbstractEventLoop] = []
_loop_lock = threading.Lock()


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    # The knowledge service is async, and dapr-agents may run a tool where a loop
    # already runs: its coroutines run on one loop of their own, in its own thread.
    with _loop_lock:
        if not _loops:
            _loops.append(asyncio.new_event_loop())
            threading.Thread(target=_loops[0].run_forever, daemon=True).start()
    return asyncio.run_coroutine_threadsafe(coroutine, _loops[0]).result()


def calculator_evaluate(task: str) -> str:
    """Evaluate the arithmetic expression in the task, e.g. 'what is 2 + 3'."""
    try:
        return evaluate(task, _LIMITS).answer
    except ExpressionError as exc:
        return f"refused: {exc}"


def summarizer_summarize(task: str) -> str:
    """Summarize the text of the task in at most two sentences."""
    return summarize(task) or "refused: the input has no text to summarize"


def _knowledge_service() -> KnowledgeService:
    global _knowledge
    if _knowledge is None:
        _knowledge = _run(build_service(KnowledgeSettings(), _REPO))
    return _knowledge


def knowledge_answer(task: str) -> str:
    """Answer a question about Hubspoke from its documentation, with citations."""
    request = SkillRequest(task_id=uuid.uuid4().hex, input=task)
    try:
        return _run(_knowledge_service().answer(request)).output
    except UnprocessableError as exc:
        return f"refused: {exc}"


# app-id -> (what the orchestrator's model is told the agent does, the agent's one tool)
SKILLS: dict[str, tuple[str, Callable[[str], str]]] = {
    "calculator": ("Evaluates arithmetic in the task's text.", calculator_evaluate),
    "summarizer": ("Summarizes the task's text in at most two sentences.", summarizer_summarize),
    "knowledge": ("Answers questions from the project's documentation.", knowledge_answer),
}
