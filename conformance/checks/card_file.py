"""`card.file`: the card an agent ships (`agents/<app-id>/card.json`) is the card it serves.

`make eval` reads a shipped card instead of starting the agent
(eval/cards.py), so the file must not drift from what the agent answers.
The comparison leaves out `signatures`: an agent signs its card with its own key
at start (docs/security.md, "Signed agent cards"), which differs per deployment
(the launcher makes new keys each run), so the shipped file is the unsigned card.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.ports import HttpAnswer
from conformance.results import CheckResult, failed, passed

__all__ = ["check_card_file"]


def check_card_file(served: HttpAnswer, shipped: str, shipped_name: str) -> CheckResult:
    """PASS when `shipped` (the file's text, named `shipped_name`) is the served card's JSON."""
    try:
        on_file: Any = json.loads(shipped)
    except ValueError as exc:
        return failed("card.file", f"{shipped_name} is not JSON ({exc}): write the served card")
    try:
        answered: Any = served.json()
    except ValueError:
        return failed("card.file", "the served card is not JSON (see card.fetch)")
    on_file, answered = _unsigned(on_file), _unsigned(answered)
    if on_file == answered:
        return passed("card.file", f"{shipped_name} is the card the agent serves")
    where = "its type"
    if isinstance(on_file, dict) and isinstance(answered, dict):
        keys = {*on_file, *answered}
        where = ", ".join(sorted(k for k in keys if on_file.get(k) != answered.get(k)))
    return failed(
        "card.file",
        f"{shipped_name} differs from the served card in {where}: "
        "write the served card to it (GET /.well-known/agent-card.json)",
    )


def _unsigned(card: Any) -> Any:
    """`card` without its `signatures` (made at start, with the deployment's key)."""
    if isinstance(card, dict):
        return {key: value for key, value in card.items() if key != "signatures"}
    return card
