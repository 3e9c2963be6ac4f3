"""No credential of the run reaches a trace or a log file, and the run's files are private.

Issue 12, part 5: a sidecar that refuses a call with 401 used to record the
token it was shown as a span attribute, and traces.jsonl was world-readable.
This module runs after every other test on the shared stack (conftest.py
orders it last), so it scans what the whole session wrote, boundary tests
included, after provoking 401s with valid tokens sent to the wrong place.
"""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from chassis.redaction import REDACTED
from launcher import LocalStack
from launcher.stackfile import API_KEY_FILE
from launcher.traces import load_spans


def provoke_refusals(stack: LocalStack) -> list[int]:
    """Valid credentials presented where they do not belong; every one must be refused."""
    calculator = stack.tokens["calculator"]
    statuses = []
    wrong_sidecar = {"dapr-api-token": calculator.dapr_api_token}
    with httpx.Client(base_url=stack.endpoints["summarizer"].dapr_url, timeout=30) as sidecar:
        statuses.append(sidecar.get("/v1.0/metadata", headers=wrong_sidecar).status_code)
        statuses.append(
            sidecar.post("/v1.0/publish/pubsub/agents.registry.summarizer", json={},
                         headers=wrong_sidecar)
            .status_code
        )  # fmt: skip
        statuses.append(
            sidecar.post(
                "/v1.0/invoke/calculator/method/a2a", json={}, headers=wrong_sidecar
            ).status_code
        )
        bearer = {"authorization": f"Bearer {calculator.dapr_api_token}"}
        statuses.append(sidecar.get("/v1.0/metadata", headers=bearer).status_code)
    with httpx.Client(base_url=stack.endpoints["summarizer"].app_url, timeout=30) as app:
        wrong_app = {"dapr-api-token": calculator.app_api_token, "x-api-key": stack.api_key}
        statuses.append(app.post("/a2a", json={}, headers=wrong_app).status_code)
    return statuses


def refused_spans(stack: LocalStack, skip: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    """The summarizer sidecar's spans of refused calls written after the first `skip` spans.

    They carry the presented token under `dapr-api-token` (daprd 1.18), so
    they show the redaction worked where a leak would be; daprd batches its
    spans for up to 5 s.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        refused = [
            s for s in load_spans(stack.traces_file)[skip:]
            if (s["service"], s["process"]) == ("summarizer", "daprd")
            and s["attributes"].get("dapr.status_code") == "401"
        ]  # fmt: skip
        shown = sum("dapr-api-token" in s["attributes"] for s in refused)
        if shown >= 3 or time.monotonic() > deadline:
            return refused
        time.sleep(0.5)


def files_of(run_dir: Path) -> list[Path]:
    return sorted(p for p in run_dir.rglob("*") if p.is_file() and not p.is_symlink())


def test_no_token_of_the_run_appears_in_any_trace_or_log_file(stack: LocalStack) -> None:
    before = len(load_spans(stack.traces_file))
    assert provoke_refusals(stack) == [401] * 5
    shown = [s for s in refused_spans(stack, before) if "dapr-api-token" in s["attributes"]]
    assert len(shown) >= 3, "the sidecar recorded no span of the refused calls with a token"
    assert {s["attributes"]["dapr-api-token"] for s in shown} == {REDACTED}
    # traces, logs, and whatever else the run wrote, but the sidecars' own secret files
    # (and the API key's own file, for the user and the conformance kit, 0600)
    kept = stack.redis_users.folder
    key_file = stack.run_dir / API_KEY_FILE
    scanned = [p for p in files_of(stack.run_dir) if kept not in p.parents and p != key_file]
    assert len(scanned) < len(files_of(stack.run_dir))  # the secret files exist, and are skipped
    assert stack.traces_file in scanned
    assert len([p for p in scanned if p.suffix == ".log"]) >= 2 * len(stack.runfile.apps)
    secrets = [t.encode() for t in stack.secrets]
    leaks = []
    for path in scanned:
        content = path.read_bytes()
        leaks += [f"{path.name}: secret #{i}" for i, t in enumerate(secrets) if t in content]
    assert leaks == []


@pytest.mark.parametrize("kind", ["folders", "files"])
def test_the_run_folder_is_private_to_the_user(stack: LocalStack, kind: str) -> None:
    if kind == "folders":
        paths = [stack.run_dir, *(p for p in stack.run_dir.rglob("*") if p.is_dir())]
        wanted = 0o700
    else:
        paths = files_of(stack.run_dir)
        names = {p.name for p in paths}
        # traces, logs, sentry's keys and the SQLite databases daprd created are all there
        assert {"traces.jsonl", "state.sqlite", "issuer.key", "orchestrator.log"} <= names
        wanted = 0o600
    loose = {str(p.relative_to(stack.run_dir)): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths}
    assert {p: m for p, m in loose.items() if m != oct(wanted)} == {}
