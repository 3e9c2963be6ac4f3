"""The agents' own domain code, answering in this process: the quick answer evaluation.

The calculator's and summarizer's services run as their apps run them (the
calculator's jobs inline instead of in a worker process); the TypeScript units
agent runs its own `convert` in one Node process (`dist/convert-lines.js`, one
JSON line per request). A refusal is `Refused`, as an A2A `rejected` task is
to the orchestrator. The knowledge agent needs its index built from the
documents, so its cases are judged by the end-to-end run (`python -m eval`).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agents.calculator.arithmetic import Limits
from agents.calculator.service import CalculatorService
from agents.summarizer.summarize import summarize
from chassis.errors import UnprocessableError
from chassis.skills import SkillRequest
from chassis.testing import InlineWork
from eval.cards import ROOT
from eval.routing import Answerer, Refused

__all__ = ["IN_PROCESS_AGENTS", "domain_answerer"]

IN_PROCESS_AGENTS = frozenset({"calculator", "summarizer", "units"})
_UNITS = ROOT / "agents" / "units"


class _Units:
    """The units agent's `convert`, in one Node process spoken to by JSON lines."""

    def __init__(self, folder: Path) -> None:
        script = folder / "dist" / "convert-lines.js"
        if not script.exists():
            raise RuntimeError(f"{script} is missing: build the agent first (make bootstrap)")
        self._process = subprocess.Popen(
            ["node", str(script.relative_to(folder))],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def convert(self, text: str) -> str:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None  # both are pipes (Popen above)
        assert stdout is not None
        stdin.write(json.dumps({"input": text}) + "\n")
        stdin.flush()
        answer = json.loads(stdout.readline())
        if "refused" in answer:
            raise Refused(answer["refused"])
        return str(answer["text"])

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


@contextmanager
def domain_answerer() -> Iterator[Answerer]:
    """An `Answerer` running the calculator, summarizer and units agents' domain code;
    a call of any other agent is answered with a placeholder (a routing miss anyway)."""
    calculator = CalculatorService("calculator", work=InlineWork(), limits=Limits())
    units = _Units(_UNITS)

    async def answer(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        # The arguments the planner filled, as the agents get them (the units agent's
        # Node process reads the text: its arguments are judged by `make eval`).
        try:
            if app_id == "calculator":
                request = SkillRequest(
                    task_id="eval", input=text, skill=skill_id, arguments=arguments
                )
                return (await calculator.answer(request, deadline=None)).output
            if app_id == "summarizer":
                summary = summarize(str(arguments.get("text") or text))
                if not summary:
                    raise Refused("the input has no text to summarize")
                return summary
        except UnprocessableError as exc:
            raise Refused(exc.detail) from exc
        if app_id == "units":
            return units.convert(text)
        return f"({app_id} does not run in-process)"

    try:
        yield answer
    finally:
        units.close()
