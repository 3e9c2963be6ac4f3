"""The agents one replica knows: records, catalog, liveness evidence, and what holds them.

`KnownAgents` is the in-memory registry every part of the service shares
(registration, liveness, routing, operators): records as last stored, the
catalog built from their cards, the probes they answered, and the rules
that say whether one is healthy and whether a task may go to it. It changes
records only through `change` (read-modify-write under the record's ETag)
and follows the store through the change log (follow.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from chassis.card import HubspokeCard
from chassis.dapr import EtagMismatch
from chassis.errors import ConflictError
from orchestrator.registry.catalog import Catalog
from orchestrator.registry.errors import (
    AgentEvaluating,
    AgentNotFound,
    AgentPaused,
    AgentQuarantined,
    NoAgentAvailable,
)
from orchestrator.registry.evaluation import Evaluation, EvaluationState, current_evaluation
from orchestrator.registry.external import catalog_card
from orchestrator.registry.follow import StoreFollower
from orchestrator.registry.models import AgentView, EvaluationView, SkillView
from orchestrator.registry.policy import AgentRecord, Health, Registration, RegistryPolicy
from orchestrator.registry.store import RegistryStore

__all__ = ["Clock", "KnownAgents", "RecordChange"]

Clock = Callable[[], datetime]
RecordChange = Callable[[AgentRecord | None], AgentRecord | None]


class KnownAgents:
    """One replica's view of the registry. `evaluates`: cards' examples are run (else
    every card version passes as it registers)."""

    def __init__(
        self, store: RegistryStore, policy: RegistryPolicy, clock: Clock, *, evaluates: bool
    ) -> None:
        self.store = store
        self.policy = policy
        self.now = clock
        self.evaluates = evaluates
        # Heartbeats sent before this replica listened could not be heard (policy.py).
        self.listening_since = clock()
        self.records: dict[str, AgentRecord] = {}
        self.catalog = Catalog()
        self.probe_failures: dict[str, int] = {}
        self.probed_at: dict[str, datetime] = {}  # last probe the agent answered
        self.gate_changes = 0  # bumped when an agent is paused, resumed, evaluated
        self._follower = StoreFollower(store, self.records, self.remember, self.forget)
        self._writing: dict[str, asyncio.Lock] = {}  # one read-modify-write per record

    # -- following the store ----------------------------------------------------

    async def load(self) -> None:
        """Rebuild the view from every stored record (start-up)."""
        await self._follower.load()

    async def catch_up(self) -> int:
        """Read what other replicas changed since the last call (by the change log), and
        the records of agents this replica has not heard from lately; returns how
        many records were read (a sweep's reload: see follow.py)."""
        now = self.now()
        window = self.policy.unhealthy_after / 2
        silent = [
            app_id
            for app_id, record in self.records.items()
            if now - max(record.last_seen, self.listening_since) > window
        ]
        return await self._follower.catch_up(silent)

    def remember(self, record: AgentRecord) -> None:
        gated = self.gated(record.app_id)
        known = self.records.get(record.app_id)
        self.records[record.app_id] = record
        # Liveness alone leaves the catalog entry standing (parsing a card is costly).
        if not (
            known is not None
            and known.card == record.card
            and known.registration is record.registration
        ):
            if record.registration is Registration.EXTERNAL:
                self.catalog.put(catalog_card(record.card, record.app_id))
            else:
                self.catalog.put(HubspokeCard.parse(record.card))
        if self.gated(record.app_id) != gated:
            self.gate_changes += 1

    def forget(self, app_id: str) -> None:
        self.records.pop(app_id, None)
        self.probe_failures.pop(app_id, None)
        self.probed_at.pop(app_id, None)
        self.catalog.remove(app_id)

    async def change(self, app_id: str, change: RecordChange) -> AgentRecord | None:
        """Read-modify-write one record under its ETag, retrying on a concurrent write;
        returns the record as stored (None: there is none). EtagMismatch if still
        contended after 20 tries.

        One change per record at a time in this replica: a change reading the
        record while another one's write is being committed would send a stale
        ETag, and a state transaction that loses its race fails whole (see
        writes.py). Races are then only with other replicas.
        """
        async with self._writing.setdefault(app_id, asyncio.Lock()):
            for _ in range(20):
                found = await self.store.get(app_id)
                current, etag = found if found is not None else (None, None)
                wanted = change(current)
                try:
                    if wanted is None and current is not None:
                        await self.store.delete(app_id, etag)
                    elif wanted is not None and wanted is not current:
                        # An agent this replica did not know may be unknown to others too.
                        unknown = app_id not in self.records
                        await self.store.save(wanted, etag, replaces=current, announce=unknown)
                except EtagMismatch:
                    continue
                if wanted is None:
                    self.forget(app_id)
                else:
                    self.remember(wanted)
                return wanted
        raise EtagMismatch(f"registry record {app_id!r} still contended")

    # -- health and gates -------------------------------------------------------

    def health(self, app_id: str) -> Health:
        return self.policy.health(
            self.records[app_id],
            self.now(),
            self.probe_failures.get(app_id, 0),
            self.listening_since,
            self.probed_at.get(app_id),
        )

    def evaluation(self, app_id: str) -> Evaluation:
        """The evaluation that holds for the agent's current card version."""
        record = self.records[app_id]
        entry = self.catalog.get(app_id)
        examples = 0
        if entry is not None and self.evaluates:
            examples = len(entry.card.hubspoke.evaluation)
        version = entry.card.card.version if entry is not None else ""
        return current_evaluation(record.evaluation, version, examples)

    def gated(self, app_id: str) -> bool:
        """Whether the agent is held back whatever its health: paused or not passed."""
        return app_id in self.records and self.blocked(app_id) is not None

    def blocked(self, app_id: str) -> NoAgentAvailable | ConflictError | None:
        """Why no task may go to a registered agent, health aside (None: nothing holds it)."""
        record = self.records[app_id]
        if record.paused is not None:
            return AgentPaused(
                f"agent {app_id!r} is paused by {record.paused.by}: {record.paused.reason}"
            )
        evaluation = self.evaluation(app_id)
        if evaluation.state is EvaluationState.QUARANTINED:
            failure = evaluation.failure
            said = (
                ""
                if failure is None
                else f": example {failure.input!r} ({failure.skill}) answered "
                f"{failure.answer!r}; {failure.reason}"
            )
            return AgentQuarantined(
                f"agent {app_id!r} is quarantined (version {evaluation.version}){said}"
            )
        if evaluation.state is EvaluationState.EVALUATING:
            return AgentEvaluating(
                f"agent {app_id!r} version {evaluation.version} is being evaluated: "
                "it takes tasks once its evaluation examples pass"
            )
        return None

    def routable(self, app_id: str) -> bool:
        """Healthy, its evaluation passed and not paused: tasks may go to it."""
        return not self.gated(app_id) and self.health(app_id) is Health.HEALTHY

    def view(self, app_id: str) -> AgentView:
        """What the API shows of one agent; AgentNotFound if it is not registered."""
        record = self.records.get(app_id)
        entry = self.catalog.get(app_id)
        if record is None or entry is None:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        card = entry.card
        return AgentView(
            app_id=app_id,
            name=card.card.name,
            description=card.card.description,
            version=card.card.version,
            contract_version=card.hubspoke.contract_version,
            owner=card.hubspoke.owner,
            registration=record.registration,
            health=self.health(app_id),
            live_instances=self.policy.live_instances(record, self.now(), self.listening_since),
            skills=[
                SkillView(id=s.id, name=s.name, description=s.description, tags=s.tags)
                for s in card.card.skills
            ],
            registered_at=record.registered_at,
            last_seen=record.last_seen,
            evaluation=EvaluationView.model_validate(
                self.evaluation(app_id).model_dump(exclude={"claimed_by", "claimed_at"})
            ),
            paused=record.paused,
            resumed=record.resumed,
            routable=self.routable(app_id),
        )
