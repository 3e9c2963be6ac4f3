"""`python -m conformance <app-id>`: check one agent of the running stack; exit 1 on any FAIL.

Exit codes: 0 every check passed (some may be SKIP, not checked), 1 a check
failed, 2 the kit could not run (no stack description, stack not answering).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import redis

from conformance.runner import KitOptions, run_kit
from conformance.stackfile import StackFileError, load_stack


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m conformance",
        description="Check an agent, in any language, against Hubspoke's A2A wire, "
        "through the orchestrator's sidecar and pub/sub only.",
    )
    parser.add_argument("app_id", help="the agent's Dapr app-id")
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=Path(".run"),
        help="the run folder of the stack (holds stack.json); default .run",
    )
    parser.add_argument(
        "--heartbeat-wait",
        type=float,
        default=15.0,
        help="seconds to wait for the registry's last_seen to advance (default 15)",
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=30.0,
        help="each step's deadline in seconds (default 30)",
    )
    parser.add_argument(
        "--card-file",
        type=Path,
        default=None,
        help="the card file the agent ships, checked against the served card "
        "(default agents/<app-id>/card.json, when it exists)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        stack = load_stack(args.run_dir)
    except StackFileError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    options = KitOptions(
        step_timeout=timedelta(seconds=args.step_timeout),
        heartbeat_wait=timedelta(seconds=args.heartbeat_wait),
    )
    # The card file an agent may ship for `make eval` (eval/cards.py) must be the served one.
    card_file = args.card_file or Path("agents") / args.app_id / "card.json"
    shipped = (str(card_file), card_file.read_text()) if card_file.is_file() else None
    try:
        report = asyncio.run(run_kit(args.app_id, stack, options=options, shipped_card=shipped))
    except (httpx.TransportError, redis.ConnectionError) as exc:
        print(f"conformance: the stack does not answer ({exc!r}): is it running?", file=sys.stderr)
        return 2
    print(report.render())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
