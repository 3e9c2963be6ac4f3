"""Registry use cases: registrations, liveness, queries, and agent choice for tasks."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from packaging.specifiers import SpecifierSet

from chassis.card import CARD_PATH, HubspokeCard
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.dapr import DaprError, DaprPort, EtagMismatch, FailedHop, InvocationFailed
from chassis.errors import ConflictError, NotFoundError, UnprocessableError, UpstreamError
from orchestrator.errors import unavailable_reason
from orchestrator.ports import AgentRoute, AgentSkill, ExampleRunner
from orchestrator.registry.allowlist import ExternalAllowlist
from orchestrator.registry.catalog import Catalog
from orchestrator.registry.evaluation import (
    Evaluation,
    EvaluationState,
    OperatorAction,
    current_evaluation,
)
from orchestrator.registry.evaluator import AgentEvaluator, EvaluationLimits
from orchestrator.registry.external import ExternalCardError, catalog_card, parse_external_card
from orchestrator.registry.follow import StoreFollower
from orchestrator.registry.models import AgentMatch, AgentView, EvaluationView, SkillView
from orchestrator.registry.policy import (
    AgentRecord,
    CardRefusedError,
    Health,
    Refusal,
    Registration,
    RegistryPolicy,
    check_card,
)
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

# Digits joined by an operator, or "N% of": arithmetic goes to an "arithmetic" skill.
_ARITHMETIC = re.compile(
    r"\d\s*(?:[-+*/^x\N{MULTIPLICATION SIGN}\N{DIVISION SIGN}]|%\s*of|\*\*)\s*\(?\s*[-+]?\d"
)
Clock = Callable[[], datetime]
_EXTERNAL_NAME = "app-id {!r} is the name of an allowlisted external agent (a Dapr HTTPEndpoint)"


class AgentNotFound(NotFoundError):
    """No registered agent has that app-id."""


class UnknownAgent(UnprocessableError):
    """A task names an agent that is not registered."""


class NoAgentAvailable(UpstreamError):
    """The agent a task needs is registered but unhealthy, or none can take it."""

    status = 503


class AgentEvaluating(NoAgentAvailable):
    """The agent's card version is still being evaluated: it takes tasks once it passes."""


class AgentQuarantined(ConflictError):
    """The agent's card version failed an evaluation example: no task goes to it."""


class AgentPaused(ConflictError):
    """An operator paused the agent: no task goes to it until it is resumed."""


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
    ) -> None:
        """`examples` runs cards' evaluation examples; without it none are run and every
        card version passes as it registers (evaluation switched off)."""
        self._store = store
        self._allowlist = allowlist or ExternalAllowlist()
        self._dapr = dapr
        self._policy = policy
        self._verify_cards = verify_cards
        self._probe_timeout_s = probe_timeout_s
        self._now = clock
        self._listening_since = clock()
        self._records: dict[str, AgentRecord] = {}
        self._follower = StoreFollower(store, self._records, self._remember, self._forget)
        self._probe_failures: dict[str, int] = {}
        self._probed_at: dict[str, datetime] = {}  # last probe the agent answered
        self.catalog = Catalog()
        self._skills: tuple[int, list[AgentSkill]] = (-1, [])
        # One message per sender at a time: Dapr delivers a sender's heartbeats
        # concurrently, and while the first is verified (a call through Dapr) the
        # rest would each verify the same card again, adding load when the
        # machine is already slow.
        self._senders: dict[str, asyncio.Lock] = {}
        self._writing: dict[str, asyncio.Lock] = {}  # one read-modify-write per record
        self._evaluator = (
            None
            if examples is None
            else AgentEvaluator(
                examples,
                change=self._change,
                route=self._route,
                clock=clock,
                limits=evaluation_limits,
            )
        )
        self._gate_changes = 0  # bumped when an agent is paused, resumed, evaluated

    # -- state ----------------------------------------------------------------

    async def load(self) -> None:
        """Rebuild the in-memory view from every stored record (start-up)."""
        await self._follower.load()

    async def catch_up(self) -> int:
        """Read what other replicas changed since the last call (by the change log), and
        the records of agents this replica has not heard from lately; returns how
        many records were read (a sweep's reload: see follow.py)."""
        now = self._now()
        window = self._policy.unhealthy_after / 2
        silent = [
            app_id
            for app_id, record in self._records.items()
            if now - max(record.last_seen, self._listening_since) > window
        ]
        return await self._follower.catch_up(silent)

    def _remember(self, record: AgentRecord) -> None:
        gated = self._gated(record.app_id)
        known = self._records.get(record.app_id)
        self._records[record.app_id] = record
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
        if self._gated(record.app_id) != gated:
            self._gate_changes += 1

    def _consider(self, record: AgentRecord | None) -> None:
        """Start the agent's evaluation in the background if one is due."""
        entry = None if record is None else self.catalog.get(record.app_id)
        if self._evaluator is not None and record is not None and entry is not None:
            self._evaluator.consider(record, entry.card)

    async def aclose(self) -> None:
        """Stop evaluations still running (another replica or a restart takes them over)."""
        if self._evaluator is not None:
            await self._evaluator.aclose()

    def _forget(self, app_id: str) -> None:
        self._records.pop(app_id, None)
        self._probe_failures.pop(app_id, None)
        self._probed_at.pop(app_id, None)
        self.catalog.remove(app_id)

    async def _change(
        self, app_id: str, change: Callable[[AgentRecord | None], AgentRecord | None]
    ) -> AgentRecord | None:
        """Read-modify-write one record under its ETag, retrying on a concurrent write.

        One change per record at a time in this replica: a change reading the
        record while another one's write is being committed would send a stale
        ETag, and a state transaction that loses its race fails whole (see
        writes.py). Races are then only with other replicas.
        """
        async with self._writing.setdefault(app_id, asyncio.Lock()):
            return await self._change_now(app_id, change)

    async def _change_now(
        self, app_id: str, change: Callable[[AgentRecord | None], AgentRecord | None]
    ) -> AgentRecord | None:
        for _ in range(20):
            found = await self._store.get(app_id)
            current, etag = found if found is not None else (None, None)
            wanted = change(current)
            try:
                if wanted is None and current is not None:
                    await self._store.delete(app_id, etag)
                elif wanted is not None and wanted is not current:
                    # An agent this replica did not know may be unknown to others too.
                    unknown = app_id not in self._records
                    await self._store.save(wanted, etag, replaces=current, announce=unknown)
            except EtagMismatch:
                continue
            if wanted is None:
                self._forget(app_id)
            else:
                self._remember(wanted)
            return wanted
        raise EtagMismatch(f"registry record {app_id!r} still contended")

    # -- registration ---------------------------------------------------------

    async def handle(self, message: RegistrationMessage, sender: str) -> None:
        """Apply a message from `agents.registry` published by app `sender` (one at a
        time per sender)."""
        async with self._senders.setdefault(sender, asyncio.Lock()):
            await self._handle(message, sender)

    async def _handle(self, message: RegistrationMessage, sender: str) -> None:
        now = self._now()
        if message.kind is RegistrationKind.DEREGISTER:
            await self._change(message.app_id, lambda r: _without_instance(r, message.instance_id))
            return
        try:
            if message.app_id != sender:
                raise CardRefusedError(
                    Refusal(
                        app_id=sender,
                        reason=f"message for {message.app_id!r} was sent by {sender!r}",
                        at=now,
                    )
                )
            if sender in self._allowlist:
                # Dapr would send calls for this name to the HTTPEndpoint, not the app.
                raise CardRefusedError(
                    Refusal(app_id=sender, reason=_EXTERNAL_NAME.format(sender), at=now)
                )
            card = check_card(message.card, sender=sender, policy=self._policy, now=now)
            known = self._records.get(sender)
            if known is None or known.card != message.card:
                await self._verify(card, message.card)
        except CardRefusedError as refused:
            await self._refuse(refused.refusal)
            return
        except DaprError as exc:
            # The app may still be starting; its next heartbeat carries the card again.
            log.warning("cannot verify the card of %s yet: %s", sender, exc)
            return

        def beat(record: AgentRecord | None) -> AgentRecord:
            base = record or AgentRecord(
                app_id=sender,
                card=dict(message.card or {}),
                registration=Registration.PUSH,
                registered_at=now,
                last_seen=now,
            )
            instances = {**base.instances, message.instance_id: now}
            return base.model_copy(
                update={
                    "card": message.card,
                    "registration": Registration.PUSH,
                    "instances": instances,
                    "last_seen": now,
                }
            )

        is_new = sender not in self._records
        self._consider(await self._change(sender, beat))
        if is_new:
            # A heartbeat proves the process runs, not that calls reach it (a circuit
            # breaker may still be open): only a new registration starts probes afresh.
            self._probe_failures.pop(sender, None)
            await self._store.set_refusal(sender, None)
            log.info("agent registered", extra={"app_id": sender, "version": card.card.version})

    async def _verify(self, card: HubspokeCard, published: object) -> None:
        """Compare a new or changed card with the one the app itself serves through Dapr."""
        if not self._verify_cards:
            return
        served = await self._dapr.invoke(
            card.app_id, CARD_PATH, None, http_method="GET", timeout_s=self._probe_timeout_s
        )
        if served != published:
            raise CardRefusedError(
                Refusal(
                    app_id=card.app_id,
                    reason="the published card differs from the card the app serves",
                    at=self._now(),
                    card_version=card.card.version,
                    contract_version=card.hubspoke.contract_version,
                )
            )

    async def _refuse(self, refusal: Refusal) -> None:
        log.warning("registration refused: %s", refusal.reason, extra={"app_id": refusal.app_id})
        await self._store.set_refusal(refusal.app_id, refusal)

    async def register_pull(self, app_id: str) -> AgentView:
        """Fetch an agent's card through Dapr and register it (for agents that do not push)."""
        if app_id in self._allowlist:
            raise UnprocessableError(
                _EXTERNAL_NAME.format(app_id) + ": register it by its card URL (card_url)"
            )
        try:
            raw = await self._dapr.invoke(
                app_id, CARD_PATH, None, http_method="GET", timeout_s=self._probe_timeout_s
            )
        except InvocationFailed as exc:
            if _no_such_app(exc):
                raise UnprocessableError(
                    f"no app {app_id!r} runs beside a Dapr sidecar: nothing to register"
                ) from exc
            raise UpstreamError(
                f"could not fetch the card of {app_id!r}: it answered HTTP {exc.status}"
            ) from exc
        except DaprError as exc:
            log.warning("fetching the card of %s failed: %s", app_id, exc)
            reason = unavailable_reason(app_id, exc)
            raise UpstreamError(f"could not fetch the card of {app_id!r}: {reason}") from exc
        now = self._now()
        try:
            card = check_card(raw, sender=app_id, policy=self._policy, now=now)
        except CardRefusedError as refused:
            await self._refuse(refused.refusal)
            raise

        def pulled(record: AgentRecord | None) -> AgentRecord:
            if record is not None:
                return record.model_copy(update={"card": raw, "last_seen": now})
            return AgentRecord(
                app_id=app_id,
                card=raw,
                registration=Registration.PULL,
                registered_at=now,
                last_seen=now,
            )

        self._consider(await self._change(app_id, pulled))
        await self._store.set_refusal(app_id, None)
        log.info("agent registered by pull", extra={"app_id": app_id, "version": card.card.version})
        return self.view(app_id)

    async def register_external(self, card_url: str) -> AgentView:
        """Register a third-party A2A agent by its card URL, fetched through our sidecar.

        The URL must lie under an allowlisted base URL (NotAllowed, 422); the card
        travels `/v1.0/invoke/<endpoint>/method/<path>` (502 if it does not come),
        must be a valid A2A card with a JSONRPC interface under that base (422).
        """
        agent, card_path = self._allowlist.locate(card_url)
        known = self._records.get(agent.name)
        if known is not None and known.registration is not Registration.EXTERNAL:
            raise ConflictError(f"{agent.name!r} is registered as a Hubspoke agent")
        raw = await self._fetch_external_card(agent.name, card_path, card_url)
        now = self._now()
        try:
            external = parse_external_card(raw, agent)
        except ExternalCardError as exc:
            refusal = Refusal(app_id=agent.name, reason=f"card at {card_url}: {exc}", at=now)
            await self._refuse(refusal)
            raise CardRefusedError(refusal) from exc

        def stored(record: AgentRecord | None) -> AgentRecord:
            return AgentRecord(
                app_id=agent.name,
                card=raw,
                registration=Registration.EXTERNAL,
                registered_at=record.registered_at if record else now,
                last_seen=now,
                card_path=card_path,
                rpc_path=external.rpc_path,
                evaluation=record.evaluation if record else None,
                paused=record.paused if record else None,
                resumed=record.resumed if record else None,
            )

        await self._change(agent.name, stored)
        self._probe_failures.pop(agent.name, None)
        self._probed_at[agent.name] = now
        await self._store.set_refusal(agent.name, None)
        log.info("external agent registered", extra={"app_id": agent.name, "card_url": card_url})
        return self.view(agent.name)

    async def _fetch_external_card(self, name: str, card_path: str, card_url: str) -> Any:
        try:
            return await self._dapr.invoke(
                name, card_path, None, http_method="GET", timeout_s=self._probe_timeout_s
            )
        except DaprError as exc:
            log.warning("fetching the card of external agent %s failed: %s", name, exc)
            if isinstance(exc, InvocationFailed) and exc.hop is FailedHop.APP:
                reason = f"{card_url} answered HTTP {exc.status}, not a card"
            else:
                reason = f"could not fetch {card_url}: {unavailable_reason(name, exc)}"
            raise UpstreamError(reason) from exc

    async def remove(self, app_id: str) -> None:
        """Remove an agent registered by pull or card URL (a pushing agent re-registers)."""
        record = self._records.get(app_id)
        if record is None:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        if record.registration is Registration.PUSH:
            raise ConflictError(
                f"{app_id!r} registers itself and would be back with its next heartbeat: "
                "stop the agent instead"
            )
        await self._change(app_id, lambda _: None)
        log.info("agent removed", extra={"app_id": app_id})

    # -- liveness -------------------------------------------------------------

    async def sweep(self) -> None:
        """Catch up with the store, probe every agent's /healthz through Dapr, remove
        expired agents."""
        await self.catch_up()
        await asyncio.gather(*(self._probe(app_id) for app_id in list(self._records)))
        for record in list(self._records.values()):
            self._consider(record)  # a run retried, or taken over from a stopped replica
        now = self._now()
        for app_id, record in list(self._records.items()):
            if self._policy.expired(record, now, self._listening_since):
                kept = await self._change(
                    app_id,
                    lambda r: (
                        None
                        if r is None or self._policy.expired(r, now, self._listening_since)
                        else r
                    ),
                )
                # The stored record may be fresher than the one loaded: then it stays.
                if kept is None:
                    log.warning("agent removed after its TTL", extra={"app_id": app_id})

    async def _probe(self, app_id: str) -> None:
        record = self._records.get(app_id)
        external = record is not None and record.registration is Registration.EXTERNAL
        # An external agent has no /healthz of ours: its card answering is the sign of life.
        path = (record.card_path or "") if record is not None and external else "healthz"
        try:
            answer = await self._dapr.invoke(
                app_id, path, None, http_method="GET", timeout_s=self._probe_timeout_s
            )
            if external:
                catalog_card(answer, app_id)
        except (DaprError, ExternalCardError):
            self._probe_failures[app_id] = self._probe_failures.get(app_id, 0) + 1
            self._probed_at.pop(app_id, None)
            return
        self._probe_failures.pop(app_id, None)
        self._probed_at[app_id] = self._now()
        if record is not None and record.registration is not Registration.PUSH:
            now = self._now()
            await self._change(
                app_id, lambda r: None if r is None else r.model_copy(update={"last_seen": now})
            )

    # -- queries --------------------------------------------------------------

    def count_by_health(self) -> dict[str, int]:
        counts = {h.value: 0 for h in Health}
        for app_id in list(self._records):
            counts[self.health(app_id).value] += 1
        return counts

    def health(self, app_id: str) -> Health:
        return self._policy.health(
            self._records[app_id],
            self._now(),
            self._probe_failures.get(app_id, 0),
            self._listening_since,
            self._probed_at.get(app_id),
        )

    def view(self, app_id: str) -> AgentView:
        record = self._records.get(app_id)
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
            live_instances=self._policy.live_instances(record, self._now(), self._listening_since),
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

    def evaluation(self, app_id: str) -> Evaluation:
        """The evaluation that holds for the agent's current card version."""
        record = self._records[app_id]
        entry = self.catalog.get(app_id)
        examples = 0
        if entry is not None and self._evaluator is not None:
            examples = len(entry.card.hubspoke.evaluation)
        version = entry.card.card.version if entry is not None else ""
        return current_evaluation(record.evaluation, version, examples)

    def _gated(self, app_id: str) -> bool:
        """Whether the agent is held back whatever its health: paused or not passed."""
        return app_id in self._records and self._blocked(app_id) is not None

    def _blocked(self, app_id: str) -> NoAgentAvailable | ConflictError | None:
        """Why no task may go to a registered agent, health aside (None: nothing holds it)."""
        record = self._records[app_id]
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
        return not self._gated(app_id) and self.health(app_id) is Health.HEALTHY

    # -- operators ------------------------------------------------------------

    async def pause(self, app_id: str, *, by: str, reason: str) -> AgentView:
        """Stop routing tasks to `app_id` (recorded: who, why, when); AgentNotFound if unknown."""
        action = OperatorAction(by=by, reason=reason, at=self._now())
        await self._operate(app_id, {"paused": action})
        log.warning("agent paused", extra={"app_id": app_id, "by": by, "reason": reason})
        return self.view(app_id)

    async def resume(self, app_id: str, *, by: str, reason: str) -> AgentView:
        """Route tasks to a paused agent again (recorded); a running agent stays as it is."""
        if app_id in self._records and self._records[app_id].paused is None:
            return self.view(app_id)
        action = OperatorAction(by=by, reason=reason, at=self._now())
        await self._operate(app_id, {"paused": None, "resumed": action})
        log.warning("agent resumed", extra={"app_id": app_id, "by": by, "reason": reason})
        return self.view(app_id)

    async def _operate(self, app_id: str, update: dict[str, OperatorAction | None]) -> None:
        if app_id not in self._records:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        changed = await self._change(
            app_id, lambda r: None if r is None else r.model_copy(update=update)
        )
        if changed is None:
            raise AgentNotFound(f"no registered agent {app_id!r}")

    def card(self, app_id: str) -> dict[str, object]:
        if app_id not in self._records:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        return self._records[app_id].card

    def find(
        self,
        *,
        skill: str | None = None,
        tag: str | None = None,
        health: Health | None = None,
        versions: SpecifierSet | None = None,
        evaluation: EvaluationState | None = None,
    ) -> list[AgentView]:
        ids = self.catalog.filter(skill=skill, tag=tag, versions=versions)
        if health is not None:
            ids = [a for a in ids if self.health(a) is health]
        if evaluation is not None:
            ids = [a for a in ids if self.evaluation(a).state is evaluation]
        return [self.view(a) for a in ids]

    def search(self, text: str, limit: int = 5) -> list[AgentMatch]:
        """Agents the router could pick for `text`, best first (paused or unevaluated
        agents are left out)."""
        return [
            AgentMatch(score=round(score, 4), agent=self.view(app_id))
            for app_id, score in self.catalog.search(text, limit + len(self._records))
            if not self._gated(app_id)
        ][:limit]

    async def refusals(self) -> list[Refusal]:
        return sorted((await self._store.refusals()).values(), key=lambda r: r.at, reverse=True)

    # -- routing --------------------------------------------------------------

    def plannable_skills(self) -> list[AgentSkill]:
        """Every skill of every registered agent that passed its evaluation and is not
        paused (health is checked when one is called).

        Asked on every planned task: rebuilt only when the catalog or an agent's
        evaluation or pause changed, and the same (read-only) list is returned until then.
        """
        version, skills = self._skills
        current = hash((self.catalog.version, self._gate_changes))
        if version != current:
            skills = []
            for app_id in self.catalog.ids():
                entry = self.catalog.get(app_id)
                assert entry is not None
                if self._gated(app_id):
                    continue
                schemas = entry.card.hubspoke.skills
                for skill in entry.card.card.skills:
                    approval = skill.id in schemas and schemas[skill.id].approval == "required"
                    skills.append(
                        AgentSkill(
                            app_id,
                            skill.id,
                            skill.description,
                            tuple(skill.tags),
                            name=skill.name,
                            examples=tuple(skill.examples),
                            approval=approval,
                        )
                    )
            self._skills = (current, skills)
        return skills

    def alternatives(self, skill: str, *, exclude: str) -> list[str]:
        """Other routable agents offering `skill` (for failover)."""
        return [
            app_id
            for app_id in self.catalog.filter(skill=skill)
            if app_id != exclude and self.routable(app_id)
        ]

    def is_gone(self, app_id: str) -> bool:
        """Whether `app_id` is known to be out of reach: removed, or its probes failing.

        Stricter than "not healthy" on purpose: a missed heartbeat may be the
        orchestrator's own deafness (after its restart, Dapr redelivers
        subscriptions late), and work already sent is worth waiting for.
        """
        return app_id not in self._records or self._policy.unreachable(
            self._probe_failures.get(app_id, 0)
        )

    def takes_async_work(self, app_id: str) -> bool:
        """Whether the agent's card says it takes work over pub/sub."""
        entry = self.catalog.get(app_id)
        return entry is not None and entry.card.hubspoke.async_work

    def route(self, app_id: str) -> AgentRoute:
        """Where A2A calls to `app_id` go through Dapr (see `AgentRoute`).

        An external agent is called by its HTTPEndpoint name at its card's JSONRPC
        path; only while its name is still on the allowlist (else NoAgentAvailable).
        A paused, quarantined or still evaluated agent has no route for tasks
        (AgentPaused, AgentQuarantined, AgentEvaluating).
        """
        if app_id in self._records and (blocked := self._blocked(app_id)) is not None:
            raise blocked
        return self._route(app_id)

    def _route(self, app_id: str) -> AgentRoute:
        """The route whatever holds the agent back (its evaluation runs on it)."""
        record = self._records.get(app_id)
        if record is None or record.registration is not Registration.EXTERNAL:
            return AgentRoute(target=app_id, path="a2a")
        if app_id not in self._allowlist or record.rpc_path is None:
            raise NoAgentAvailable(f"external agent {app_id!r} is no longer allowlisted")
        return AgentRoute(target=app_id, path=record.rpc_path)

    def ensure_available(self, app_id: str) -> None:
        """Raise unless `app_id` is registered and routable."""
        self.choose("", app_id)

    def choose(self, text: str, requested: str | None) -> str:
        """The routable agent a task goes to: the one named, else the best-ranked match.

        A named agent that is paused or quarantined raises a ConflictError (409), one
        still being evaluated or unhealthy NoAgentAvailable (503), saying why.
        """
        if requested is not None:
            if requested not in self._records:
                known = self.catalog.ids()
                raise UnknownAgent(
                    f"unknown agent {requested!r}; registered agents: {', '.join(known) or 'none'}",
                    known_agents=known,
                )
            if (blocked := self._blocked(requested)) is not None:
                raise blocked
            if self.health(requested) is not Health.HEALTHY:
                raise NoAgentAvailable(f"agent {requested!r} is registered but unhealthy")
            return requested
        if _ARITHMETIC.search(text):
            candidates = self.catalog.filter(skill="arithmetic")
        else:
            candidates = [app_id for app_id, _ in self.catalog.search(text, limit=10)]
        # The fallback takes only what no skill matched: an arithmetic task must not
        # land on a summarizer because the calculator is down.
        candidates = candidates or self.catalog.filter(tag="fallback")
        for app_id in candidates:
            if self.routable(app_id):
                return app_id
        held = [a for a in candidates if self._gated(a)]
        if held:
            raise NoAgentAvailable(
                "agents able to take this task are paused, quarantined, being evaluated or "
                f"unhealthy: {', '.join(candidates)}"
            )
        if candidates:
            raise NoAgentAvailable(
                f"agents able to take this task are unhealthy: {', '.join(candidates)}"
            )
        raise NoAgentAvailable("no registered agent can take this task")


def _no_such_app(exc: InvocationFailed) -> bool:
    """Dapr's name resolution knows no app with that id (daprd 1.18: ERR_DIRECT_INVOKE,
    "no host found with the given ID"): the caller named nothing, nothing failed."""
    body = exc.body if isinstance(exc.body, dict) else {}
    return body.get("errorCode") == "ERR_DIRECT_INVOKE" and "no host found" in str(
        body.get("message", "")
    )


def _without_instance(record: AgentRecord | None, instance_id: str) -> AgentRecord | None:
    """Drop one instance; the agent goes when its last instance says goodbye."""
    if record is None:
        return None
    instances = {k: v for k, v in record.instances.items() if k != instance_id}
    return record.model_copy(update={"instances": instances}) if instances else None
