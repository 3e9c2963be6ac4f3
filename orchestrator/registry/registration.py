"""Registrations: agents that push (register, heartbeat, deregister), agents registered
by pull, and third-party agents registered by their card URL.

A pushed card is checked (policy.py) and, when new or changed, compared with
the card the app serves through Dapr; a refused one is kept with its reason
(an operator sees it at GET /v1/agents/refusals). Every accepted registration
may start the agent's evaluation (`consider`: evaluator.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chassis.card import CARD_PATH, HubspokeCard
from chassis.card_signing import CardSignatureRefused, verify_card_json
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.dapr import DaprError, DaprPort, FailedHop, InvocationFailed
from chassis.errors import ConflictError, UnprocessableError, UpstreamError
from orchestrator.errors import unavailable_reason
from orchestrator.registry.allowlist import ExternalAllowlist
from orchestrator.registry.errors import AgentNotFound
from orchestrator.registry.external import ExternalCardError, parse_external_card
from orchestrator.registry.known import KnownAgents
from orchestrator.registry.models import AgentView
from orchestrator.registry.policy import (
    AgentRecord,
    CardRefusedError,
    Refusal,
    Registration,
    check_card,
)

__all__ = ["Registrations"]

log = logging.getLogger(__name__)

_EXTERNAL_NAME = "app-id {!r} is the name of an allowlisted external agent (a Dapr HTTPEndpoint)"


class Registrations:
    """Registers agents into `known`; `consider` hears of every record registered."""

    def __init__(
        self,
        known: KnownAgents,
        *,
        dapr: DaprPort,
        allowlist: ExternalAllowlist,
        consider: Callable[[AgentRecord | None], None],
        verify_cards: bool,
        probe_timeout_s: float,
        card_keys: Mapping[str, Ed25519PublicKey] | None = None,
    ) -> None:
        self._known = known
        self._card_keys = card_keys  # None: card signatures are not checked
        self._dapr = dapr
        self._allowlist = allowlist
        self._consider = consider
        self._verify_cards = verify_cards
        self._probe_timeout_s = probe_timeout_s
        # One message per sender at a time: Dapr delivers a sender's heartbeats
        # concurrently, and while the first is verified (a call through Dapr) the
        # rest would each verify the same card again, adding load when the
        # machine is already slow.
        self._senders: dict[str, asyncio.Lock] = {}

    async def handle(self, message: RegistrationMessage, sender: str) -> None:
        """Apply a message from `agents.registry.<sender>` (published by app `sender`; one
        at a time per sender). A message naming another app changes nothing and is refused."""
        async with self._senders.setdefault(sender, asyncio.Lock()):
            await self._handle(message, sender)

    async def refuse_message(self, sender: str, reason: str) -> None:
        """Keep why a message on `agents.registry.<sender>` was not acted on."""
        await self._refuse(Refusal(app_id=sender, reason=reason, at=self._known.now()))

    async def _handle(self, message: RegistrationMessage, sender: str) -> None:
        now = self._known.now()
        if message.app_id != sender:
            # An agent speaks for itself only: no heartbeat or goodbye in another's name.
            reason = f"{message.kind} for {message.app_id!r} was sent by {sender!r}"
            await self._refuse(Refusal(app_id=sender, reason=reason, at=now))
            return
        if message.kind is RegistrationKind.DEREGISTER:
            await self._known.change(sender, lambda r: _without_instance(r, message.instance_id))
            return
        try:
            if sender in self._allowlist:
                # Dapr would send calls for this name to the HTTPEndpoint, not the app.
                raise CardRefusedError(
                    Refusal(app_id=sender, reason=_EXTERNAL_NAME.format(sender), at=now)
                )
            card = check_card(message.card, sender=sender, policy=self._known.policy, now=now)
            known = self._known.records.get(sender)
            if known is None or known.card != message.card:
                self._check_signature(message.card, sender, now)
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

        is_new = sender not in self._known.records
        self._consider(await self._known.change(sender, beat))
        if is_new:
            # A heartbeat proves the process runs, not that calls reach it (a circuit
            # breaker may still be open): only a new registration starts probes afresh.
            self._known.probe_failures.pop(sender, None)
            await self._known.store.set_refusal(sender, None)
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
                    at=self._known.now(),
                    card_version=card.card.version,
                    contract_version=card.hubspoke.contract_version,
                )
            )

    def _check_signature(self, card: Any, app_id: str, now: datetime) -> None:
        """Refuse a card not signed by `app_id`'s own key (when signatures are checked)."""
        if self._card_keys is None:
            return
        try:
            verify_card_json(card, app_id, self._card_keys)
        except CardSignatureRefused as exc:
            raise CardRefusedError(Refusal(app_id=app_id, reason=exc.reason, at=now)) from None

    async def _refuse(self, refusal: Refusal) -> None:
        log.warning("registration refused: %s", refusal.reason, extra={"app_id": refusal.app_id})
        await self._known.store.set_refusal(refusal.app_id, refusal)

    async def register_pull(self, app_id: str) -> AgentView:
        """Fetch an agent's card through Dapr and register it (for agents that do not push).

        A reserved app id (the hub's own) is refused before any call: fetching its
        "card" would make the hub invoke itself.
        """
        if app_id in self._known.policy.reserved_app_ids:
            raise UnprocessableError(
                f"{app_id!r} is reserved (this hub's own app id), not an agent: nothing to register"
            )
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
        now = self._known.now()
        try:
            card = check_card(raw, sender=app_id, policy=self._known.policy, now=now)
            self._check_signature(raw, app_id, now)
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

        self._consider(await self._known.change(app_id, pulled))
        await self._known.store.set_refusal(app_id, None)
        log.info("agent registered by pull", extra={"app_id": app_id, "version": card.card.version})
        return self._known.view(app_id)

    async def register_external(self, card_url: str) -> AgentView:
        """Register a third-party A2A agent by its card URL, fetched through our sidecar.

        The URL must lie under an allowlisted base URL (NotAllowed, 422); the card
        travels `/v1.0/invoke/<endpoint>/method/<path>` (502 if it does not come),
        must be a valid A2A card with a JSONRPC interface under that base (422).
        """
        agent, card_path = self._allowlist.locate(card_url)
        known = self._known.records.get(agent.name)
        if known is not None and known.registration is not Registration.EXTERNAL:
            raise ConflictError(f"{agent.name!r} is registered as a Hubspoke agent")
        raw = await self._fetch_external_card(agent.name, card_path, card_url)
        now = self._known.now()
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

        await self._known.change(agent.name, stored)
        self._known.probe_failures.pop(agent.name, None)
        self._known.probed_at[agent.name] = now
        await self._known.store.set_refusal(agent.name, None)
        log.info("external agent registered", extra={"app_id": agent.name, "card_url": card_url})
        return self._known.view(agent.name)

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
        record = self._known.records.get(app_id)
        if record is None:
            raise AgentNotFound(f"no registered agent {app_id!r}")
        if record.registration is Registration.PUSH:
            raise ConflictError(
                f"{app_id!r} registers itself and would be back with its next heartbeat: "
                "stop the agent instead"
            )
        await self._known.change(app_id, lambda _: None)
        log.info("agent removed", extra={"app_id": app_id})


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
