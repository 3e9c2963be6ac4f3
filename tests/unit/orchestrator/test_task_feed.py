"""The recent-task index, GET /v1/tasks, the live feed's events and a task's trace."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from chassis.errors import UpstreamError
from chassis.testing import InMemoryDapr
from orchestrator.tasks.feed import TaskFeed, changes_between
from orchestrator.tasks.models import StepStatus, TaskRecord, TaskStatus, TaskStep
from orchestrator.tasks.recent import RecentTasks
from orchestrator.tasks.store import TaskRepository
from orchestrator.tasks.traces import NoTraceBackend, TraceQuery

STORE = "statestore"


def _task(n: int, status: TaskStatus = TaskStatus.RUNNING) -> TaskRecord:
    return TaskRecord(
        id=f"{n:032x}",
        input=f"task {n}",
        status=status,
        created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n),
    )


def _listed(client: TestClient, count: int) -> list[dict[str, Any]]:
    """GET /v1/tasks once the index holds `count` tasks (it is written in the background)."""
    deadline = time.monotonic() + 10
    while (listed := client.get("/v1/tasks").json())["count"] < count:
        assert time.monotonic() < deadline, listed
        time.sleep(0.02)
    return list(listed["tasks"])


def test_tasks_are_listed_newest_first_with_their_trace_id(client: TestClient) -> None:
    sent = [client.post("/v1/tasks", json={"input": f"{n}+1"}).json() for n in range(3)]
    listed = _listed(client, 3)
    assert [t["id"] for t in listed] == [t["id"] for t in reversed(sent)]
    assert listed[0] == sent[-1]
    assert all(len(t["trace_id"] or "") == 32 for t in listed)
    assert client.get("/v1/tasks", params={"limit": 1}).json()["count"] == 1


@pytest.mark.parametrize("limit", [0, 201, "x"])
def test_a_bad_limit_is_a_422_problem(client: TestClient, limit: int | str) -> None:
    response = client.get("/v1/tasks", params={"limit": limit})
    assert response.status_code == 422


def test_listing_tasks_needs_the_api_key(client: TestClient) -> None:
    assert client.get("/v1/tasks", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/v1/tasks/events", headers={"X-API-Key": "wrong"}).status_code == 401


def test_a_trace_without_a_backend_is_a_404_problem(client: TestClient) -> None:
    task = client.post("/v1/tasks", json={"input": "2+3"}).json()
    response = client.get(f"/v1/tasks/{task['id']}/trace")
    assert response.status_code == 404
    assert "no trace backend configured" in response.json()["detail"]
    assert client.get(f"/v1/tasks/{'0' * 32}/trace").status_code == 404


async def test_the_index_keeps_the_newest_ids_once_each() -> None:
    dapr = InMemoryDapr()
    recent = RecentTasks(dapr, STORE, kept=3)
    for task_id in ["a", "b", "a", "c", "d"]:
        recent.note(task_id)
    await recent.drain()
    assert await recent.ids(10) == ["d", "c", "b"]
    assert await recent.ids(2) == ["d", "c"]


class _CountingDapr(InMemoryDapr):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def save_state(self, store: str, key: str, data: bytes, **options: Any) -> None:
        self.writes += 1
        await super().save_state(store, key, data, **options)


async def test_notes_made_close_together_are_written_in_one_write() -> None:
    dapr = _CountingDapr()
    recent = RecentTasks(dapr, STORE, linger_s=30)  # nothing is written before the drain
    for task_id in ["a", "b", "c"]:
        recent.note(task_id)
        await asyncio.sleep(0)  # the writer runs between notes, as between requests
    assert dapr.writes == 0
    await recent.drain()
    assert dapr.writes == 1
    assert await recent.ids(10) == ["c", "b", "a"]
    recent.note("d")  # after a drain, notes linger again
    await asyncio.sleep(0)
    assert dapr.writes == 1
    await recent.drain()
    assert (dapr.writes, await recent.ids(10)) == (2, ["d", "c", "b", "a"])


async def test_the_index_is_shared_by_replicas() -> None:
    dapr = InMemoryDapr()
    one, other = RecentTasks(dapr, STORE), RecentTasks(dapr, STORE)
    one.note("a")
    other.note("b")
    await asyncio.gather(one.drain(), other.drain())
    assert sorted(await one.ids(10)) == ["a", "b"] == sorted(await other.ids(10))


def test_changes_name_a_new_task_its_steps_and_its_end() -> None:
    before = _task(1)
    step = TaskStep(agent="calculator", input="2+3", status=StepStatus.COMPLETED, output="5")
    after = before.model_copy(update={"steps": [step], "status": TaskStatus.COMPLETED})
    assert [e.name for e in changes_between(None, before)] == ["task.created"]
    assert list(changes_between(before, before)) == []
    events = list(changes_between(before, after))
    assert [e.name for e in events] == ["task.step", "task.completed"]
    assert events[0].data == {"task_id": before.id, "index": 0, "step": step.model_dump()}
    assert events[1].data["status"] == "completed"
    running = before.model_copy(update={"output": "partial"})
    assert [e.name for e in changes_between(before, running)] == ["task.updated"]


async def test_the_feed_shows_every_replica_s_tasks_as_they_change() -> None:
    dapr = InMemoryDapr()
    recent = RecentTasks(dapr, STORE)
    writer = TaskRepository(dapr, STORE, recent)  # another replica's, same store
    feed = TaskFeed(tasks=TaskRepository(dapr, STORE), recent=recent, interval_s=0.01)
    await writer.save(_task(1))
    await writer.save(_task(2, TaskStatus.COMPLETED))
    await recent.drain()
    events = feed.changes(limit=10)
    first = [await anext(events), await anext(events)]
    assert [(e.name, e.data["id"]) for e in first] == [
        ("task.created", _task(1).id),  # oldest first: a reader prepends each new one
        ("task.created", _task(2).id),
    ]
    await writer.save(_task(1, TaskStatus.FAILED))
    changed = await anext(events)
    assert (changed.name, changed.data["status"]) == ("task.completed", "failed")
    await events.aclose()  # type: ignore[attr-defined]  # an async generator
    assert [t.id for t in await feed.latest(10)] == [_task(2).id, _task(1).id]


async def test_a_trace_is_read_from_the_backend_earliest_span_first() -> None:
    def backend(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/traces/" + "ab" * 16
        span = {"span_id": "s", "name": "n", "service": "orchestrator", "kind": "server"}
        spans = [
            {**span, "span_id": "late", "start_unix_nano": 5, "end_unix_nano": 9},
            {**span, "span_id": "early", "start_unix_nano": 1, "end_unix_nano": 9},
        ]
        return httpx.Response(200, json={"trace_id": "ab" * 16, "spans": spans})

    http = httpx.AsyncClient(base_url="http://traces", transport=httpx.MockTransport(backend))
    found = await TraceQuery(http).trace("ab" * 16)
    assert [s.span_id for s in found.spans] == ["early", "late"]


async def test_a_missing_or_failing_trace_backend_is_named() -> None:
    with pytest.raises(NoTraceBackend):
        await TraceQuery(None).trace("ab" * 16)
    failing = httpx.MockTransport(lambda _: httpx.Response(500))
    http = httpx.AsyncClient(base_url="http://traces", transport=failing)
    with pytest.raises(UpstreamError):
        await TraceQuery(http).trace("ab" * 16)
