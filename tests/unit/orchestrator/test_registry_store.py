"""The registry's storage: bucketed index, change log, batched writes (in-memory Dapr port)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from agents.calculator.main import AGENT as CALCULATOR
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.dapr import DaprError, EtagMismatch, StateWrite
from chassis.testing import InMemoryDapr
from orchestrator.registry.changes import HEAD, announces
from orchestrator.registry.index import BUCKETS, LEGACY_INDEX, IndexBucket, bucket_key
from orchestrator.registry.policy import AgentRecord, Registration, RegistryPolicy
from orchestrator.registry.service import RegistryService
from orchestrator.registry.store import RegistryStore
from orchestrator.registry.writes import RecordWrite, RecordWriter
from tests.unit.orchestrator.conftest import card_for

STORE = "statestore"
T0 = datetime(2026, 11, 30, tzinfo=UTC)
# One real card, stamped with each test agent's app-id (building one costs tens of ms).
TEMPLATE = json.dumps(card_for(CALCULATOR, "agent-template"))


class RecordingDapr(InMemoryDapr):
    """Keeps the bytes each state transaction wrote."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[int] = []

    async def transact(self, store: str, writes: list[StateWrite]) -> None:
        await super().transact(store, writes)
        self.written.append(sum(len(w.data or b"") for w in writes))


def record(app_id: str, seen: datetime = T0) -> AgentRecord:
    return AgentRecord(
        app_id=app_id,
        card={"name": app_id},
        registration=Registration.PUSH,
        instances={"i1": seen},
        registered_at=T0,
        last_seen=seen,
    )


def replica(dapr: InMemoryDapr, now: list[datetime]) -> RegistryService:
    return RegistryService(
        store=RegistryStore(dapr, STORE),
        dapr=dapr,
        policy=RegistryPolicy(),
        verify_cards=False,
        clock=lambda: now[0],
    )


def beat(app_id: str, kind: RegistrationKind, at: datetime) -> RegistrationMessage:
    card = json.loads(TEMPLATE.replace("agent-template", app_id))
    return RegistrationMessage(kind=kind, app_id=app_id, instance_id="i1", card=card, sent_at=at)


def head(dapr: InMemoryDapr) -> str | None:
    item = dapr.state.get((STORE, HEAD))
    return None if item is None else item.etag


async def test_a_new_agent_costs_the_same_write_with_ten_or_a_thousand_registered() -> None:
    dapr = RecordingDapr()
    store = RegistryStore(dapr, STORE)
    for i in range(1000):
        await store.save(record(f"agent-{i:04d}"), None)
    # Before: one index key listing every app-id (~14 bytes each), rewritten whole by
    # each new agent; now one bucket of about 1000 / BUCKETS of them.
    assert dapr.written[-1] - dapr.written[9] < 1000 * 14 / 10
    largest = max(len(dapr.state[(STORE, bucket_key(f"agent-{i:04d}"))].data) for i in range(9))
    assert largest < 1000 * 14 / BUCKETS * 2


async def test_every_registered_agent_is_listed_in_exactly_one_bucket() -> None:
    dapr = InMemoryDapr()
    store = RegistryStore(dapr, STORE)
    await asyncio.gather(*(store.save(record(f"a{i}"), None) for i in range(300)))
    listed = [
        app_id
        for (_, key), item in dapr.state.items()
        if key.startswith("registry-index-")
        for app_id in IndexBucket.model_validate_json(item.data).ids
    ]
    assert sorted(listed) == sorted(f"a{i}" for i in range(300))
    assert len((await RegistryStore(dapr, STORE).load_all()).records) == 300


async def test_concurrent_registrations_share_a_few_transactions() -> None:
    dapr = InMemoryDapr()
    store = RegistryStore(dapr, STORE)
    await asyncio.gather(*(store.save(record(f"a{i}"), None) for i in range(200)))
    assert dapr.transactions <= 4  # batches of at most 100, not 200 writes


async def test_heartbeats_touch_neither_the_index_nor_the_change_log() -> None:
    dapr = InMemoryDapr()
    now = [T0]
    registry = replica(dapr, now)
    await registry.handle(beat("calc", RegistrationKind.REGISTER, T0), sender="calc")
    index_etag = dapr.state[(STORE, bucket_key("calc"))].etag
    log_etag = head(dapr)
    now[0] = T0 + timedelta(seconds=5)
    await registry.handle(beat("calc", RegistrationKind.HEARTBEAT, now[0]), sender="calc")
    assert dapr.state[(STORE, bucket_key("calc"))].etag == index_etag
    assert head(dapr) == log_etag
    assert registry.view("calc").last_seen == now[0]


async def test_a_second_replica_learns_registrations_and_removals_by_change() -> None:
    dapr = InMemoryDapr()
    now = [T0]
    first, second = replica(dapr, now), replica(dapr, now)
    await second.load()
    await first.handle(beat("calc", RegistrationKind.REGISTER, T0), sender="calc")
    assert await second.catch_up() == 1  # the one record that changed, nothing else
    assert [a.app_id for a in second.find()] == ["calc"]
    assert await second.catch_up() == 0
    await first.handle(beat("calc", RegistrationKind.DEREGISTER, T0), sender="calc")
    assert await second.catch_up() == 1
    assert second.find() == []


async def test_a_replica_does_not_read_back_its_own_changes() -> None:
    dapr = InMemoryDapr()
    now = [T0]
    registry = replica(dapr, now)
    await registry.handle(beat("calc", RegistrationKind.REGISTER, T0), sender="calc")
    assert await registry.catch_up() == 0
    assert [a.app_id for a in registry.find()] == ["calc"]


async def test_a_replica_behind_the_expired_change_log_reloads_in_full() -> None:
    dapr = InMemoryDapr()
    now = [T0]
    first, second = replica(dapr, now), replica(dapr, now)
    await second.load()
    await first.handle(beat("calc", RegistrationKind.REGISTER, T0), sender="calc")
    await first.handle(beat("calc-2", RegistrationKind.REGISTER, T0), sender="calc-2")
    del dapr.state[(STORE, "registry-change-1")]  # the store expired it (TTL)
    await second.catch_up()
    assert [a.app_id for a in second.find()] == ["calc", "calc-2"]


async def test_a_replica_reads_again_an_agent_it_has_not_heard_from_lately() -> None:
    dapr = InMemoryDapr()
    now = [T0]
    first, second = replica(dapr, now), replica(dapr, now)
    await first.handle(beat("calc", RegistrationKind.REGISTER, T0), sender="calc")
    await second.load()
    now[0] = T0 + timedelta(seconds=10)  # heartbeats reach the first replica only
    await first.handle(beat("calc", RegistrationKind.HEARTBEAT, now[0]), sender="calc")
    assert await second.catch_up() == 1  # silent for longer than half the health window
    assert second.view("calc").last_seen == now[0]


async def test_a_lost_race_fails_only_the_stale_write_of_a_batch() -> None:
    dapr = InMemoryDapr()
    store = RegistryStore(dapr, STORE)
    await store.save(record("a"), None)
    stored = await store.get("a")
    assert stored is not None
    await store.save(record("a", T0 + timedelta(seconds=1)), stored[1])  # someone else wrote
    writer = RecordWriter(dapr, STORE, "w")
    stale = RecordWrite("a", record("a").model_dump_json().encode(), stored[1], announce=False)
    fresh = RecordWrite("b", record("b").model_dump_json().encode(), None, announce=True)
    results = await asyncio.gather(writer.write(stale), writer.write(fresh), return_exceptions=True)
    assert isinstance(results[0], EtagMismatch)
    assert results[1] is None
    assert set((await RegistryStore(dapr, STORE).load_all()).records) == {"a", "b"}


async def test_a_write_retried_after_an_injected_conflict_is_committed_once() -> None:
    dapr = InMemoryDapr()
    store = RegistryStore(dapr, STORE)
    dapr.conflicts_to_inject = 2
    await store.save(record("a"), None, announce=True)
    snapshot = await RegistryStore(dapr, STORE).load_all()
    assert list(snapshot.records) == ["a"]
    assert snapshot.position == 1


async def test_agents_listed_under_the_old_single_index_key_are_moved_into_buckets() -> None:
    dapr = InMemoryDapr()
    old = RegistryStore(dapr, STORE)
    await old.save(record("a"), None)
    del dapr.state[(STORE, bucket_key("a"))]  # as stored before the buckets existed
    await dapr.save_state(STORE, LEGACY_INDEX, IndexBucket(ids=["a"]).model_dump_json().encode())
    assert list((await RegistryStore(dapr, STORE).load_all()).records) == ["a"]
    assert (STORE, LEGACY_INDEX) not in dapr.state
    assert IndexBucket.model_validate_json(dapr.state[(STORE, bucket_key("a"))].data).ids == ["a"]


@pytest.mark.parametrize(
    ("change", "told"),
    [
        ({"last_seen": T0 + timedelta(seconds=5)}, False),
        ({"instances": {"i1": T0 + timedelta(seconds=5)}}, False),
        ({"instances": {"i1": T0, "i2": T0}}, True),
        ({"card": {"name": "other"}}, True),
        ({"registration": Registration.PULL}, True),
    ],
)
def test_only_changes_beyond_liveness_are_announced(change: dict[str, object], told: bool) -> None:
    current = record("a")
    assert announces(current, current.model_copy(update=change)) is told


class SlowCommits(InMemoryDapr):
    """Commits take a while (as through a real sidecar) and lost races are counted.

    A state transaction that loses an ETag race is what the sidecar retried for
    seconds under the store's retry policy, holding every registry write behind it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.committing = asyncio.Event()
        self.lost = 0

    async def transact(self, store: str, writes: list[StateWrite]) -> None:
        self.committing.set()
        await asyncio.sleep(0.01)
        try:
            await super().transact(store, writes)
        except DaprError:
            self.lost += 1
            raise


async def test_one_replica_never_races_itself_on_a_record() -> None:
    dapr = SlowCommits()
    now = [T0]
    registry = replica(dapr, now)
    await registry.handle(beat("calc", RegistrationKind.REGISTER, T0), sender="calc")
    dapr.committing.clear()
    # An operator's pause (or an evaluation's claim) is being committed when the
    # agent's heartbeat arrives: the heartbeat must not write over a copy read
    # before that commit.
    pausing = asyncio.create_task(registry.pause("calc", by="ops", reason="maintenance"))
    await dapr.committing.wait()
    now[0] = T0 + timedelta(seconds=1)
    await registry.handle(beat("calc", RegistrationKind.HEARTBEAT, now[0]), sender="calc")
    await pausing
    assert dapr.lost == 0
    stored = await RegistryStore(dapr, STORE).get("calc")
    assert stored is not None
    assert stored[0].paused is not None
    assert stored[0].last_seen == now[0]
