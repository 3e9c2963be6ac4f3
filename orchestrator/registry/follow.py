"""How one replica's in-memory registry follows the shared state store.

Start-up loads every record (`load`). After that a replica reads only what
changed: the change log's new entries name the agents other replicas
changed, and only those records are read again (`catch_up`); a record whose
liveness this replica has not seen lately (its heartbeats went to another
replica) is read again too, so health and expiry are never judged on an
old copy. Nothing here grows with the registry's size unless the registry
itself changes that much.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from orchestrator.registry.policy import AgentRecord
from orchestrator.registry.store import RegistryStore, Stored

__all__ = ["StoreFollower"]


class StoreFollower:
    """Applies stored records to a replica's view through `remember` / `forget`.

    `records` is the view itself (read only here): a record it holds that
    was replaced while the store was being read was written by this replica
    meanwhile, and is newer than what was read, so it is kept.
    """

    def __init__(
        self,
        store: RegistryStore,
        records: Mapping[str, AgentRecord],
        remember: Callable[[AgentRecord], None],
        forget: Callable[[str], None],
    ) -> None:
        self._store = store
        self._records = records
        self._remember = remember
        self._forget = forget
        self.position = 0  # the change-log entry this view is at least as new as

    async def load(self) -> None:
        """Replace the view with every stored record (start-up; after a long absence)."""
        before = dict(self._records)
        snapshot = await self._store.load_all()
        stale = set(self._records) - set(snapshot.records)
        self._apply(before, snapshot.records, stale | set(snapshot.records))
        self.position = snapshot.position

    async def catch_up(self, silent: Iterable[str] = ()) -> int:
        """Apply the changes other replicas logged since the last call, and re-read the
        records of `silent` agents; returns how many records were read."""
        changes = await self._store.changes_since(self.position)
        if changes is None:
            await self.load()
            return len(self._records)
        wanted = set(changes.app_ids) | set(silent)
        if wanted:
            before = dict(self._records)
            self._apply(before, await self._store.get_many(wanted), wanted)
        self.position = changes.position
        return len(wanted)

    def _apply(
        self, before: dict[str, AgentRecord], stored: dict[str, Stored], app_ids: set[str]
    ) -> None:
        for app_id in app_ids:
            if self._records.get(app_id) is not before.get(app_id):
                continue  # written by this replica while the store was read
            found = stored.get(app_id)
            if found is None:
                self._forget(app_id)
            else:
                self._remember(found[0])
