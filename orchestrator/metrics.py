"""The orchestrator's OpenTelemetry metrics: tasks, agent calls, registry health."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

__all__ = ["TaskMetrics", "observe_registry"]

_meter = metrics.get_meter("hubspoke.orchestrator")


class TaskMetrics:
    """Counts and latencies the task service records."""

    def __init__(self) -> None:
        self._tasks = _meter.create_counter(
            "hubspoke.tasks", description="Tasks finished, by status."
        )
        self._calls = _meter.create_histogram(
            "hubspoke.agent.call.duration",
            unit="s",
            description="Agent calls through Dapr, by agent and outcome.",
        )

    def task_finished(self, status: str) -> None:
        self._tasks.add(1, {"status": status})

    def agent_called(self, agent: str, outcome: str, seconds: float) -> None:
        self._calls.record(seconds, {"agent": agent, "outcome": outcome})


def observe_registry(count_by_health: Callable[[], dict[str, int]]) -> None:
    """Publish the registry's size by health as an observable gauge."""

    def observe(_: CallbackOptions) -> Iterable[Observation]:
        return [Observation(n, {"health": h}) for h, n in count_by_health().items()]

    _meter.create_observable_gauge(
        "hubspoke.registry.agents", callbacks=[observe], description="Registered agents by health."
    )
