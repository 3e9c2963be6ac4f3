"""`python -m eval` (`make eval`): the answer evaluation (see docs/planning-and-evaluation.md).

By default every labelled request goes through the running stack's public
API (`eval.endtoend`: real sidecars, every agent); `--in-process` plans them
with the orchestrator's planner and answers them with the agents' domain code
in this process (no knowledge agent: its cases are left out). Prints the report
and writes it to `--report`; exits 1 when the answer accuracy is below
`--min-accuracy` on the whole set or `--min-held-out` on the held-out part.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from pathlib import Path

from pydantic import SecretStr

from eval.cards import agent_cards
from eval.cases import SETS_DIR, Part, RoutingCase, load_cases
from eval.endtoend import ask_all, running_stack
from eval.inprocess import IN_PROCESS_AGENTS, domain_answerer
from eval.report import answer_accuracy, render
from eval.routing import Routed, plannable_skills, route_all
from orchestrator.settings import OrchestratorSettings

REPORT_FILE = Path(__file__).parent / "results" / "answers.txt"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("--cases", type=Path, default=SETS_DIR, help="a set file or folder")
    parser.add_argument(
        "--part",
        choices=[p.value for p in Part],
        help="evaluate one part only (tune on 'tuning'); default: all",
    )
    parser.add_argument(
        "--in-process", action="store_true", help="no stack: planner and domain code here"
    )
    parser.add_argument("--report", type=Path, default=REPORT_FILE, help="where to write it")
    parser.add_argument("--min-accuracy", type=float, default=95.0, help="percent, whole set")
    parser.add_argument("--min-held-out", type=float, default=90.0, help="percent, held-out")
    return parser.parse_args(argv)


def settings() -> OrchestratorSettings:
    """The orchestrator's settings from the environment (the chat model's too); the
    in-process evaluation serves no API, has no running agent to compare cards with, and
    reads each card from the agent's own code, so there is no signature to check."""
    return OrchestratorSettings(
        verify_cards=False,
        verify_signatures=False,
        api_keys=SecretStr(secrets.token_urlsafe(32)),
    )


async def answer_in_process(cases: list[RoutingCase]) -> list[Routed]:
    """The cases whose agents all run in-process, planned and answered here."""
    wanted = [c for c in cases if c.expect <= IN_PROCESS_AGENTS]
    skills = await plannable_skills(agent_cards(), settings())
    with domain_answerer() as answerer:
        return await route_all(wanted, skills, settings(), answerer)


def _main(arguments: argparse.Namespace) -> int:
    cases = load_cases(arguments.cases)
    if arguments.part:
        cases = [c for c in cases if c.part.value == arguments.part]
    if arguments.in_process:
        routed = asyncio.run(answer_in_process(cases))
        how = "in-process (planner + agents' domain code; knowledge cases left out)"
    else:
        with running_stack() as client:
            routed = ask_all(client, cases)
        how = "end to end through the public API of a running stack"
    report = render(routed, model=settings().ai_provider, how=how)
    sys.stdout.write(report)
    arguments.report.parent.mkdir(parents=True, exist_ok=True)
    arguments.report.write_text(report)
    whole = answer_accuracy(routed)
    held_out = answer_accuracy(r for r in routed if r.case.part is Part.HELD_OUT)
    passed = whole.percent >= arguments.min_accuracy and (
        held_out.total == 0 or held_out.percent >= arguments.min_held_out
    )
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    return _main(_arguments(argv))


if __name__ == "__main__":
    sys.exit(main())
