"""Unit tests post hand-built, unsigned CloudEvents to the apps' subscribers.

Signature checks are off here unless a test turns them on
(`tests/unit/chassis/test_signatures.py`, `tests/unit/orchestrator/test_signed_events.py`);
the integration tests run with them on, as `make run` does.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _unsigned_events_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOKE_VERIFY_SIGNATURES", "false")
