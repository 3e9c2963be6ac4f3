"""The registry's change log: how a replica learns what others changed, without a full reload.

Every write that changes what an agent is (new, removed, another card,
registration or set of instances) appends an entry naming its app-ids, in
the same state transaction as the record: entry `registry-change-<seq>` is
created only if absent, and `registry-changes-head` set to `seq`. Two
writers taking the same `seq` cannot both commit, so entries are numbered
without gaps and the head is always the newest. Heartbeats that only move
`last_seen` append nothing (replicas re-read a record whose liveness they
have not seen lately instead).

A replica remembers the last `seq` it applied; each sweep reads the head
and bulk-reads the entries after its position, then the records they name.
Entries expire after `ENTRY_TTL_S`: a replica that finds one missing below
the head has been away longer than that and reloads in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from chassis.dapr import DaprPort, StateItem, StateWrite
from orchestrator.registry.policy import AgentRecord

__all__ = [
    "HEAD",
    "ChangeEntry",
    "Changes",
    "announces",
    "entry_writes",
    "head_of",
    "read_changes",
]

HEAD = "registry-changes-head"
ENTRY_TTL_S = 3600
_READ_CHUNK = 500  # entries per bulk read
# Liveness: what heartbeats and probes move, and other replicas need not hear about at once.
_LIVENESS = {"last_seen", "instances"}


class ChangeEntry(BaseModel):
    """One committed batch of changes: by which replica, to which agents."""

    writer: str
    app_ids: list[str]


class _Head(BaseModel):
    seq: int = 0


@dataclass(frozen=True)
class Changes:
    """App-ids changed by other replicas, and the position they bring the reader to."""

    app_ids: frozenset[str]
    position: int


def entry_key(seq: int) -> str:
    return f"registry-change-{seq}"


def head_of(item: StateItem | None) -> int:
    """The newest entry's `seq` (0: none yet), from the head as read."""
    return 0 if item is None else _Head.model_validate_json(item.data).seq


def announces(current: AgentRecord | None, wanted: AgentRecord | None) -> bool:
    """Whether replacing `current` by `wanted` is a change other replicas must hear of:
    anything but the time an agent or one of its known instances was last heard from."""
    if current is None or wanted is None:
        return current is not wanted
    if set(current.instances) != set(wanted.instances):
        return True
    return current.model_dump(exclude=_LIVENESS) != wanted.model_dump(exclude=_LIVENESS)


def entry_writes(head: int, writer: str, app_ids: list[str]) -> list[StateWrite]:
    """The two writes appending entry `head + 1` (to commit with the records it names)."""
    seq = head + 1
    entry = ChangeEntry(writer=writer, app_ids=sorted(set(app_ids)))
    return [
        StateWrite(
            entry_key(seq),
            entry.model_dump_json().encode(),
            create_only=True,
            ttl_s=ENTRY_TTL_S,
        ),
        StateWrite(HEAD, _Head(seq=seq).model_dump_json().encode()),
    ]


async def read_head(dapr: DaprPort, store: str) -> int:
    return head_of(await dapr.get_state(store, HEAD))


async def read_changes(dapr: DaprPort, store: str, position: int, writer: str) -> Changes | None:
    """What changed after `position`, leaving out `writer`'s own entries (its replica
    applied them as it wrote them). None: entries expired, or the store was emptied
    (the head is behind us): the reader must reload in full."""
    head = await read_head(dapr, store)
    if head < position:
        return None
    changed: set[str] = set()
    for start in range(position + 1, head + 1, _READ_CHUNK):
        keys = [entry_key(seq) for seq in range(start, min(start + _READ_CHUNK, head + 1))]
        found = await dapr.get_many(store, keys)
        if len(found) < len(keys):
            return None
        for item in found.values():
            entry = ChangeEntry.model_validate_json(item.data)
            if entry.writer != writer:
                changed.update(entry.app_ids)
    return Changes(frozenset(changed), head)
