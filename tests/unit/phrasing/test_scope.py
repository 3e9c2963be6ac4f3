"""Orders to change the system are recognised; ordinary requests with the same verbs are not."""

from __future__ import annotations

import pytest

from phrasing.scope import is_system_change


@pytest.mark.parametrize(
    "text",
    [
        "delete all agents",
        "please remove every task",
        "shut down the orchestrator",
        "wipe the database",
        "drop all tables",
        "deregister the calculator agent",
    ],
)
def test_orders_to_change_the_system_are_recognised(text: str) -> None:
    assert is_system_change(text)


@pytest.mark.parametrize(
    "text",
    [
        "what happens when an agent is deleted?",
        "summarize this: we removed the old agents last week and it went well",
        "remove 5 from 12",
        "how do I stop worrying",
    ],
)
def test_requests_that_only_use_the_words_are_not(text: str) -> None:
    assert not is_system_change(text)
