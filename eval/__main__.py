"""`python -m eval`: the router evaluation (docs/planning-and-evaluation.md).

Prints the report and writes it to `--report`; exits 1 when the accuracy on
the cases evaluated is below `--min-accuracy`.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from pathlib import Path

from pydantic import SecretStr

from eval.cards import agent_cards
from eval.cases import CASES_FILE, Part, load_cases
from eval.report import accuracy, render
from eval.routing import plannable_skills, route_all
from orchestrator.settings import OrchestratorSettings

REPORT_FILE = Path(__file__).parent / "results" / "routing.txt"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    parser.add_argument("--cases", type=Path, default=CASES_FILE, help="the labelled requests")
    parser.add_argument(
        "--part",
        choices=[p.value for p in Part],
        help="evaluate one part only (tune the planner on 'tuning'); default: all",
    )
    parser.add_argument("--report", type=Path, default=REPORT_FILE, help="where to write it")
    parser.add_argument(
        "--min-accuracy", type=float, default=95.0, help="percent below which to exit 1"
    )
    return parser.parse_args(argv)


async def _main(arguments: argparse.Namespace) -> int:
    cases = load_cases(arguments.cases)
    if arguments.part:
        cases = [c for c in cases if c.part.value == arguments.part]
    # The orchestrator's settings from the environment (the chat model's too); the
    # evaluation serves no API and no agent runs to compare cards with.
    settings = OrchestratorSettings(
        verify_cards=False, api_keys=SecretStr(secrets.token_urlsafe(32))
    )
    skills = await plannable_skills(agent_cards(), settings)
    routed = await route_all(cases, skills, settings)
    report = render(routed, model=settings.ai_provider)
    sys.stdout.write(report)
    arguments.report.parent.mkdir(parents=True, exist_ok=True)
    arguments.report.write_text(report)
    score = accuracy(routed)
    return 0 if score.percent >= arguments.min_accuracy else 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(_arguments(argv)))


if __name__ == "__main__":
    sys.exit(main())
