"""Which agents the state store holds: their app-ids, spread over a fixed set of keys.

Dapr's state API cannot list keys (the SQLite store has no query API), so
start-up needs the app-ids to bulk-read the records. One key holding them
all would be rewritten whole by every new agent (a cost growing with the
registry); here an app-id lives in one of `BUCKETS` keys chosen by a hash of
it, so a registration rewrites one bucket of about N / BUCKETS ids, and
writers of different buckets never race. Heartbeats never touch the index.

Records registered before the buckets existed are listed under the single
key of old (`agent-index`); `read_ids` moves them into their buckets.
"""

from __future__ import annotations

import contextlib
import zlib
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field

from chassis.dapr import DaprError, DaprPort, StateItem, StateWrite

__all__ = ["BUCKETS", "IndexBucket", "bucket_key", "bucket_writes", "read_ids"]

BUCKETS = 64
LEGACY_INDEX = "agent-index"


class IndexBucket(BaseModel):
    """One bucket of the index: sorted app-ids."""

    ids: list[str] = Field(default_factory=list)


def bucket_key(app_id: str) -> str:
    """The state key of the bucket listing `app_id` (crc32: stable across processes)."""
    return f"registry-index-{zlib.crc32(app_id.encode()) % BUCKETS:02d}"


def bucket_writes(
    found: dict[str, StateItem], added: Iterable[str], removed: Iterable[str]
) -> list[StateWrite]:
    """The ETag-checked writes putting `added` into and taking `removed` out of their buckets.

    `found` holds the buckets as just read (a missing one is created only if
    still absent); buckets that would not change are not written.
    """
    changes: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for app_id in added:
        changes[bucket_key(app_id)][0].add(app_id)
    for app_id in removed:
        changes[bucket_key(app_id)][1].add(app_id)
    writes = []
    for key, (plus, minus) in sorted(changes.items()):
        item = found.get(key)
        ids = set() if item is None else set(IndexBucket.model_validate_json(item.data).ids)
        wanted = (ids | plus) - minus
        if wanted == ids:
            continue
        data = IndexBucket(ids=sorted(wanted)).model_dump_json().encode()
        etag = None if item is None else item.etag
        writes.append(StateWrite(key, data, etag=etag, create_only=item is None))
    return writes


def _all_bucket_keys() -> list[str]:
    return [f"registry-index-{b:02d}" for b in range(BUCKETS)]


async def read_ids(dapr: DaprPort, store: str) -> set[str]:
    """Every indexed app-id: one bulk read of all buckets (and the old single key)."""
    found = await dapr.get_many(store, [*_all_bucket_keys(), LEGACY_INDEX])
    ids: set[str] = set()
    for key, item in found.items():
        if key != LEGACY_INDEX:
            ids.update(IndexBucket.model_validate_json(item.data).ids)
    legacy = found.get(LEGACY_INDEX)
    if legacy is not None:
        old = set(IndexBucket.model_validate_json(legacy.data).ids)
        ids |= old
        await _move_legacy(dapr, store, found, old, legacy)
    return ids


async def _move_legacy(
    dapr: DaprPort, store: str, found: dict[str, StateItem], old: set[str], legacy: StateItem
) -> None:
    """Move the old single key's ids into their buckets, in one transaction with its deletion."""
    writes = bucket_writes(found, old, ())
    writes.append(StateWrite(LEGACY_INDEX, None, etag=legacy.etag))
    # On failure another replica moved them meanwhile, or the next start-up will.
    with contextlib.suppress(DaprError):
        await dapr.transact(store, writes)
