"""What one task did, counted the same way for any setup: sidecar metrics and model calls.

`TaskProbe.start()` reads every daprd's Prometheus counters (`/metrics` on
its metrics port) and the planner's answered completions
(bench/planner_server.py `GET /stats`) twice, `idle_s` apart, to learn what
grows with no task at all (health probes, agents' heartbeats); `finish()`,
`after_s` after the checked task answered (work that follows the answer:
events, workflow state), reads them again and gives what grew minus that
idle growth over the same time: workflows and activities run, state
operations, invocations, pub/sub messages, model calls. Both systems run
on the same daprd, so the same counters mean the same work. Approximate by
nature (the idle growth is a rate), hence whole numbers rounded.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx

__all__ = ["Counts", "TaskCounts", "TaskProbe", "count_groups", "parse_counters"]

_MODEL_CALLS = "planner_completions"  # the planner's count, kept beside the sidecars'
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")

# What the report shows, from which counters (names as daprd 1.18 exports them).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("workflows", ("dapr_runtime_workflow_execution_count",)),
    ("activities", ("dapr_runtime_workflow_activity_execution_count",)),
    ("state operations", ("dapr_component_state_count",)),
    ("outbound calls", ("dapr_grpc_io_client_completed_rpcs", "dapr_http_client_completed_count")),
    ("messages published", ("dapr_component_pubsub_egress_count",)),
    ("messages delivered", ("dapr_component_pubsub_ingress_count",)),
)


Counts = dict[str, float]


def parse_counters(text: str) -> Counts:
    """`name{labels}` -> value of every sample in a Prometheus text exposition."""
    found: Counts = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            try:
                key = match.group(1) + (match.group(2) or "")
                found[key] = found.get(key, 0.0) + float(match.group(3))
            except ValueError:
                continue
    return found


def count_groups(grown: Counts) -> dict[str, int]:
    """The GROUPS' totals in `grown` (samples of a counter, all labels summed)."""
    return {
        label: round(sum(v for k, v in grown.items() if k.split("{")[0] in names))
        for label, names in GROUPS
    }


@dataclass(frozen=True)
class TaskCounts:
    groups: dict[str, int]
    model_calls: int | None

    def text(self) -> str:
        parts = [f"{n} {label}" for label, n in self.groups.items() if n]
        if self.model_calls is not None:
            parts.append(f"{self.model_calls} model call(s)")
        return ", ".join(parts) or "nothing counted"


class TaskProbe:
    """Reads `metrics_urls` (every daprd of a setup) and `stats_url` (the planner, if any)."""

    def __init__(self, metrics_urls: list[str], stats_url: str | None) -> None:
        self._metrics_urls = metrics_urls
        self._stats_url = stats_url
        self._started: tuple[Counts, float] | None = None
        self._idle: Counts = {}  # growth per second with no task

    def _read(self) -> Counts:
        total: Counts = {}
        with httpx.Client(timeout=10) as client:
            for url in self._metrics_urls:
                for key, value in parse_counters(client.get(url).text).items():
                    total[key] = total.get(key, 0.0) + value
            if self._stats_url:
                total[_MODEL_CALLS] = float(client.get(self._stats_url).json()["completions"])
        return total

    def start(self, *, idle_s: float = 5.0) -> None:
        """Learn the idle growth for `idle_s` seconds, then mark the start of a task."""
        first = self._read()
        time.sleep(idle_s)
        second = self._read()
        self._idle = {k: (v - first.get(k, 0.0)) / idle_s for k, v in second.items()}
        self._started = (second, time.monotonic())

    def finish(self, *, after_s: float = 3.0) -> TaskCounts:
        """What the task made grow, read `after_s` seconds after it answered."""
        if self._started is None:
            raise RuntimeError("TaskProbe.finish() before start()")
        before, since = self._started
        time.sleep(after_s)
        now, elapsed = self._read(), time.monotonic() - since
        grown = {
            k: v - before.get(k, 0.0) - self._idle.get(k, 0.0) * elapsed for k, v in now.items()
        }
        return TaskCounts(
            groups=count_groups({k: v for k, v in grown.items() if v > 0}),
            model_calls=round(max(grown.get(_MODEL_CALLS, 0.0), 0.0)) if self._stats_url else None,
        )
