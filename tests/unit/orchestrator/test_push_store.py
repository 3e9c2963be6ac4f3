"""The webhooks of each task in the state store (orchestrator/edge/push/store.py)."""

from __future__ import annotations

import pytest

from chassis.testing import InMemoryDapr
from orchestrator.edge.push.models import PushConfig
from orchestrator.edge.push.store import MAX_CONFIGS_PER_TASK, PushConfigStore, TooManyConfigs

TASK = "a" * 32


def config(config_id: str, task_id: str = TASK) -> PushConfig:
    return PushConfig(
        id=config_id,
        task_id=task_id,
        url=f"https://hooks.example.org/a2a/{config_id}",
        token="tok",
        endpoint="hooks",
        path=config_id,
    )


async def test_configs_are_kept_per_task_in_registration_order_and_replaced_by_id() -> None:
    store = PushConfigStore(InMemoryDapr(), "state")
    await store.put(config("one"))
    await store.put(config("two"))
    await store.put(config("other", task_id="b" * 32))
    await store.put(config("one").model_copy(update={"token": "new"}))
    assert [(c.id, c.token) for c in await store.list(TASK)] == [("two", "tok"), ("one", "new")]
    assert await store.get(TASK, "missing") is None


async def test_a_task_takes_a_bounded_number_of_configs() -> None:
    store = PushConfigStore(InMemoryDapr(), "state")
    for i in range(MAX_CONFIGS_PER_TASK):
        await store.put(config(f"c{i}"))
    with pytest.raises(TooManyConfigs):
        await store.put(config("one-too-many"))
    await store.put(config("c0"))  # replacing one is not adding one
    assert len(await store.list(TASK)) == MAX_CONFIGS_PER_TASK


async def test_removing_one_config_or_all_of_a_task() -> None:
    store = PushConfigStore(InMemoryDapr(), "state")
    await store.put(config("one"))
    await store.put(config("two"))
    assert await store.remove(TASK, "one")
    assert not await store.remove(TASK, "one")
    assert [c.id for c in await store.list(TASK)] == ["two"]
    await store.delete(TASK)
    assert await store.list(TASK) == []
