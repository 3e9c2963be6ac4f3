"""Registry use cases: registrations, liveness, queries, operators' pauses, and agent
choice for tasks.

`RegistryService` is what the rest of the orchestrator holds (the API, the
monitor, the tasks' `AgentDirectory` port). Each job lives in its own module
and shares one `KnownAgents` (known.py), this replica's view of the records:

    registration.py  push, pull and external registrations, removal
    liveness.py      the sweep: catch up with the store, probe, expire
    routing.py       which agent a task goes to, and where its calls go
    evaluator.py     evaluation examples run in the background
    here             queries, operators' pause and resume, the wiring
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from packaging.specifiers import SpecifierSet

from chassis.dapr import DaprPort
from orchestrator.ports import ExampleRunner
from orchestrator.registry.allowlist import ExternalAllowlist
from orchestrator.registry.catalog import Catalog
from orchestrator.registry.errors import (
    AgentEvaluating,
    AgentNotFound,
    AgentPaused,
    AgentQuarantined,
    NoAgentAvailable,
    UnknownAgent,
)
from orchestrator.registry.evaluation import EvaluationState, OperatorAction
from orchestrator.registry.evaluator import AgentEvaluator, EvaluationLimits
from orchestrator.registry.known import Clock, KnownAgents
from orchestrator.registry.liveness import Liveness
from orchestrator.registry.models import AgentMatch, AgentView
from orchestrator.registry.policy import AgentRecord, Health, Refusal, RegistryPolicy
from orchestrator.registry.registration import Registrations
from orchestrator.registry.routing import Routing
from orchestrator.registry.store import RegistryStore

__all__ = [
    "AgentEvaluating",
    "AgentNotFound",
    "AgentPaused",
    "AgentQuarantined",
    "NoAgentAvailable",
    "RegistryService",
    "UnknownAgent",
]

log = logging.getLogger(__name__)


class RegistryService:
    def __init__(
        self,
        *,
        store: RegistryStore,
        dapr: DaprPort,
        policy: RegistryPolicy,
        verify_cards: bool = True,
        probe_timeout_s: float = 2.0,
        clock: Clock = lambda: datetime.now(UTC),
        allowlist: ExternalAllowlist | None = None,
        examples: ExampleRunner | None = None,
        evaluation_limits: EvaluationLimits | None = None,
        card_keys: Mapping[str, Ed25519PublicKey] | None = None,
    ) -> None:
        """`examples` runs cards' evaluation examples; without it none are run and every
        card version passes as it registers (evaluation switched off)."""
        allowlist = allowlist or ExternalAllowlist()
        self._known = KnownAgents(store, policy, clock, evaluates=examples is not None)
        self._routing = Routing(self._known, allowlist)
        self._registrations = Registrations(
            self._known,
            dapr=dapr,
            allowlist=allowlist,
            consider=self._consider,
            verify_cards=verify_cards,
            probe_timeout_s=probe_timeout_s,
            card_keys=card_keys,
        )
        self._liveness = Liveness(
            self._known, dapr=dapr, consider=self._consider, probe_timeout_s=probe_timeout_s
        )
        self._evaluator = (
            None
            if examples is None
            else AgentEvaluator(
                examples,
                change=self._known.change,
                route=self._routing.route_any,
                clock=clock,
                limits=evaluation_limits,
            )
        )
        # What other code calls: registrations, liveness and routing as their modules do.
        self.handle = self._registrations.handle
        self.refuse_message = self._registrations.refuse_message
        self.register_pull = self._registrations.register_pull
        self.register_external = self._registrations.register_external
        self.remove = self._registrations.remove
        self.sweep = self._liveness.sweep
        self.load = self._known.load
        self.catch_up = self._known.catch_up
        self.health = self._known.health
        self.evaluation = self._known.evaluation
        self.routable = self._known.routable
        self.view = self._known.view
        self.plannable_skills = self._routing.plannable_skills
        self.alternatives = self._routing.alternatives
        self.undeliverable = self._routing.undeliverable
        self.takes_async_work = self._routing.takes_async_work
        self.route = self._routing.route
        self.ensure_available = self._routing.ensure_available
        self.choose = self._routing.choose

    @property
    def catalog(self) -> Catalog:
        """Every registered agent's card, indexed for lookups (catalog.py)."""
        return self._known.catalog

    def _consider(self, record: AgentRecord | None) -> None:
        """Start the agent's evaluation in the background if one is due."""
        entry = None if record is None else self._known.catalog.get(record.app_id)
        if self._evaluator is not None and record is not None and entry is not None:
            self._evaluator.consider(record, entry.card)

    async def aclose(self) -> None:
        """Stop evaluations still running (another replica or a restart takes them over)."""
        if self._evaluator is not None:
            await self._evaluator.aclose()

    # -- queries --------------------------------------------------------------

    def count_by_health(self) -> dict[str, int]:
        counts = {h.value: 0 for h in Health}
        for app_id in list(self._known.records):
            counts[self._known.health(app_id).value] += 1
        return counts

    def card(self, app_id: str) -> dict[str, object]:
        if app_id not in self._known.records:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        return self._known.records[app_id].card

    def find(
        self,
        *,
        skill: str | None = None,
        tag: str | None = None,
        health: Health | None = None,
        versions: SpecifierSet | None = None,
        evaluation: EvaluationState | None = None,
    ) -> list[AgentView]:
        known = self._known
        ids = known.catalog.filter(skill=skill, tag=tag, versions=versions)
        if health is not None:
            ids = [a for a in ids if known.health(a) is health]
        if evaluation is not None:
            ids = [a for a in ids if known.evaluation(a).state is evaluation]
        return [known.view(a) for a in ids]

    def search(self, text: str, limit: int = 5) -> list[AgentMatch]:
        """Agents the router could pick for `text`, best first (paused or unevaluated
        agents are left out)."""
        known = self._known
        return [
            AgentMatch(score=round(score, 4), agent=known.view(app_id))
            for app_id, score in known.catalog.search(text, limit + len(known.records))
            if not known.gated(app_id)
        ][:limit]

    async def refusals(self) -> list[Refusal]:
        stored = await self._known.store.refusals()
        return sorted(stored.values(), key=lambda r: r.at, reverse=True)

    # -- operators ------------------------------------------------------------

    async def pause(self, app_id: str, *, by: str, reason: str) -> AgentView:
        """Stop routing tasks to `app_id` (recorded: who, why, when); AgentNotFound if unknown."""
        action = OperatorAction(by=by, reason=reason, at=self._known.now())
        await self._operate(app_id, {"paused": action})
        log.warning("agent paused", extra={"app_id": app_id, "by": by, "reason": reason})
        return self.view(app_id)

    async def resume(self, app_id: str, *, by: str, reason: str) -> AgentView:
        """Route tasks to a paused agent again (recorded); a running agent stays as it is."""
        record = self._known.records.get(app_id)
        if record is not None and record.paused is None:
            return self.view(app_id)
        action = OperatorAction(by=by, reason=reason, at=self._known.now())
        await self._operate(app_id, {"paused": None, "resumed": action})
        log.warning("agent resumed", extra={"app_id": app_id, "by": by, "reason": reason})
        return self.view(app_id)

    async def _operate(self, app_id: str, update: dict[str, OperatorAction | None]) -> None:
        if app_id not in self._known.records:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        changed = await self._known.change(
            app_id, lambda r: None if r is None else r.model_copy(update=update)
        )
        if changed is None:
            raise AgentNotFound(f"no registered agent {app_id!r}")
