"""What one Hubspoke task did through Dapr, counted from its trace.

The apps trace every call to their sidecar (an OpenTelemetry client span with
the sidecar URL) and every delivery from it (a server span on
`/events/<pubsub>/<topic>`), all under the trace of `POST /v1/tasks`; the
sidecars' own spans of the same calls are left out. Reading
the spans the local receiver wrote (`traces.jsonl`, launcher/collector.py)
gives the task's invocations, state reads and writes, publishes and
deliveries: the facts the same-work floor is built to match.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TaskOperations", "count_operations", "operations_of"]

_ROOT = "POST /v1/tasks"


@dataclass(frozen=True)
class TaskOperations:
    invocations: int = 0
    state_reads: int = 0
    state_writes: int = 0
    publishes: int = 0
    deliveries: int = 0

    def text(self) -> str:
        return (
            f"{self.invocations} invocation(s), {self.state_writes} state write(s), "
            f"{self.state_reads} state read(s), {self.publishes} publish(es), "
            f"{self.deliveries} delivery(ies)"
        )


def _kind(span: dict[str, Any]) -> str | None:
    if span.get("process") == "daprd":  # the sidecars' spans of the same calls
        return None
    attributes = span.get("attributes", {})
    url = str(attributes.get("url.full") or attributes.get("http.url") or "")
    if span.get("kind") == "server":
        return "deliveries" if "/events/" in url else None
    if span.get("kind") != "client" or "/v1.0/" not in url:
        return None
    method = span.get("name", "").split(" ")[0]
    if "/v1.0/invoke/" in url:
        return "invocations"
    if "/v1.0/publish/" in url:
        return "publishes"
    if "/v1.0/state/" in url:
        return "state_reads" if method == "GET" else "state_writes"
    return None


def operations_of(spans: list[dict[str, Any]], since_ns: int) -> TaskOperations | None:
    """The Dapr calls of the first task whose `POST /v1/tasks` began at or after `since_ns`."""
    roots = sorted(
        (s for s in spans if s.get("name") == _ROOT and int(s.get("start_ns", 0)) >= since_ns),
        key=lambda s: int(s["start_ns"]),
    )
    if not roots:
        return None
    trace = roots[0]["trace_id"]
    kinds = Counter(_kind(s) for s in spans if s.get("trace_id") == trace)
    return TaskOperations(**{k: n for k, n in kinds.items() if k is not None})


def count_operations(
    traces_file: Path, since_ns: int, *, settle_s: float = 3.0, timeout_s: float = 20.0
) -> TaskOperations | None:
    """Read `traces_file` until the task's count stops changing for `settle_s` seconds
    (apps export spans in batches; the delivery comes after the answer); None if no task."""
    deadline = time.monotonic() + timeout_s
    last: TaskOperations | None = None
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        lines = traces_file.read_text().splitlines() if traces_file.exists() else []
        found = operations_of([json.loads(x) for x in lines if x.strip()], since_ns)
        if found != last:
            last, stable_since = found, time.monotonic()
        elif found is not None and found.deliveries and time.monotonic() - stable_since > settle_s:
            return found
        time.sleep(0.5)
    return last
