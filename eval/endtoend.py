"""Every labelled request sent to the running stack's public API, and what came back.

A `LocalStack` (launcher/) starts Redis, Sentry, every app of `dapr.yaml`
beside its own daprd, exactly as `make run` does (on free ports, in a run
folder of its own). Once every agent is routable, each request is
`POST /v1/tasks` as a person's client sends it; the stored task (`GET
/v1/tasks/{id}`, named by the answer or by the refusal's problem JSON) gives
the steps (which agents were called, which refused) and the final text.
A task is refused when it ended `failed` with a 4xx status (no agent can do
it, or every agent called rejected its part).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from eval.cards import ROOT
from eval.cases import RoutingCase
from eval.routing import Call, Routed
from launcher.stack import LocalStack, StackOptions

__all__ = ["RUN_DIR", "ask_all", "running_stack"]

RUN_DIR = ROOT / ".run" / "eval"
HUB = "orchestrator"
# Start-up on a loaded machine (builds nothing; every process and sidecar, and the
# registry's evaluation of each agent's examples) and one task's answer.
_READY_TIMEOUT_S = 240.0
_TASK_TIMEOUT_S = 120.0


@contextmanager
def running_stack(run_dir: Path = RUN_DIR) -> Iterator[httpx.Client]:
    """The stack started, every agent routable: a client of the public API (with its key)."""
    options = StackOptions(run_dir=run_dir, free_ports=True, echo=False)
    with LocalStack(options) as stack:
        url = stack.endpoints[HUB].app_url
        headers = {"X-API-Key": stack.api_key}
        with httpx.Client(base_url=url, headers=headers, timeout=_TASK_TIMEOUT_S) as client:
            agents = {a.app_id for a in stack.runfile.apps} - {HUB}
            _wait_routable(client, agents)
            yield client


def _wait_routable(client: httpx.Client, agents: set[str]) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while True:
        listed = client.get("/v1/agents", params={"health": "healthy"}).json()["agents"]
        missing = agents - {a["app_id"] for a in listed if a["routable"]}
        if not missing:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"agents never became routable: {', '.join(sorted(missing))}")
        time.sleep(0.5)


def _routed(case: RoutingCase, task: dict[str, Any]) -> Routed:
    calls = tuple(
        Call(s["agent"], s.get("skill") or "", s.get("input") or "", s["status"] == "refused")
        for s in task.get("steps", [])
    )
    refused = task["status"] == "failed" and 400 <= (task.get("error_status") or 500) < 500
    text = task.get("output") or task.get("error") or ""
    return Routed(case, calls, text, refused)


def ask(client: httpx.Client, case: RoutingCase) -> Routed:
    """Send one request and read back the stored task."""
    created = client.post("/v1/tasks", json={"input": case.request})
    body = created.json()
    task_id = body.get("id") or body.get("task_id")
    if task_id is None:  # refused before a task was stored (e.g. a malformed input)
        return Routed(case, (), str(body.get("detail", body)), created.is_client_error)
    stored = client.get(f"/v1/tasks/{task_id}")
    stored.raise_for_status()
    return _routed(case, stored.json())


def ask_all(client: httpx.Client, cases: Sequence[RoutingCase]) -> list[Routed]:
    """Each case in turn (one at a time: the figures are of answers, not of load)."""
    return [ask(client, case) for case in cases]
