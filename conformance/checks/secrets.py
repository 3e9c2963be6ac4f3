"""No secret of the run in anything the agent answered (`secrets`).

The run's credentials (API key, every app's tokens, every Redis password)
come from the launcher's `run-secrets.json`, labelled by what they are; a
leak is reported by label and by the request that drew it, never by value.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.ports import Transcript
from conformance.results import CheckResult, failed, passed, skipped

__all__ = ["check_no_secrets"]

NAME = "secrets"


def check_no_secrets(transcript: Transcript, secrets: Mapping[str, str]) -> CheckResult:
    """FAIL naming each (secret label, request) pair where an answer contained a secret."""
    if not secrets:
        return skipped(NAME, "not checked: the stack description lists no secrets of the run")
    leaks = [
        f"{label} in the answer to {what}"
        for what, text in transcript.entries
        for label, value in secrets.items()
        if value and value in text
    ]
    if leaks:
        return failed(
            NAME,
            "; ".join(dict.fromkeys(leaks))
            + ": never echo credentials, environment variables or request headers into answers",
        )
    return passed(
        NAME,
        f"none of the run's {len(secrets)} secrets in {len(transcript.entries)} answers",
    )
