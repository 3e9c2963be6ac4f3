"""The agent registry's domain: records, compatibility and health rules (no I/O).

A record is one agent (one Dapr app-id), however many instances run it.
Self-registered agents (push) stay alive through heartbeats of any instance;
agents registered by pull stay alive through successful health probes, and
external agents (no sidecar) through their card, re-fetched on every sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from chassis.card import CardError, HubspokeCard
from chassis.contract import CONTRACT_VERSION
from chassis.errors import UnprocessableError
from orchestrator.registry.evaluation import Evaluation, OperatorAction

__all__ = [
    "AgentRecord",
    "CardRefusedError",
    "Health",
    "Refusal",
    "Registration",
    "RegistryPolicy",
    "check_card",
]


class Registration(StrEnum):
    PUSH = "push"  # the agent publishes register/heartbeat/deregister
    PULL = "pull"  # the orchestrator fetched the card and probes the agent
    # A third-party A2A agent without a sidecar, called through a Dapr HTTPEndpoint
    # (registry/allowlist.py); probed by re-fetching its card.
    EXTERNAL = "external"


class Health(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


class AgentRecord(BaseModel):
    """What the state store keeps per agent."""

    app_id: str
    card: dict[str, Any]
    registration: Registration
    # instance id -> time of its last heartbeat
    instances: dict[str, datetime] = Field(default_factory=dict)
    registered_at: datetime
    last_seen: datetime
    # External agents only: paths below the HTTPEndpoint's base URL.
    card_path: str | None = None  # where its card is fetched (and probed)
    rpc_path: str | None = None  # its JSONRPC interface
    # Its smoke evaluation (registry/evaluation.py) and an operator's pause, if any.
    evaluation: Evaluation | None = None
    paused: OperatorAction | None = None
    resumed: OperatorAction | None = None  # the last resume


class Refusal(BaseModel):
    """Why a registration was refused; kept so an operator can see it."""

    app_id: str
    reason: str
    at: datetime
    card_version: str | None = None
    contract_version: str | None = None


class CardRefusedError(UnprocessableError):
    """A card was refused; `refusal` says why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"registration of {refusal.app_id!r} refused: {refusal.reason}")
        self.refusal = refusal


@dataclass(frozen=True)
class RegistryPolicy:
    """Liveness rules. `since` is when this registry started listening: heartbeats sent
    before then (while the orchestrator was down or restarting) could not be heard, so
    silence is counted from then at the earliest, never held against the agent.
    `reserved_app_ids` (the hub's own) are never agents: refused before any call."""

    supported_contract: str = CONTRACT_VERSION
    reserved_app_ids: frozenset[str] = frozenset()
    unhealthy_after: timedelta = timedelta(seconds=15)
    remove_after: timedelta = timedelta(seconds=60)
    probe_failures_to_unhealthy: int = 2

    def live_instances(self, record: AgentRecord, now: datetime, since: datetime) -> int:
        window = self.unhealthy_after
        return sum(1 for seen in record.instances.values() if now - max(seen, since) <= window)

    def health(
        self,
        record: AgentRecord,
        now: datetime,
        probe_failures: int,
        since: datetime,
        probed_at: datetime | None = None,
    ) -> Health:
        """HEALTHY if heard from within `unhealthy_after`: a heartbeat, or a probe
        through Dapr that the agent answered at `probed_at`. A probe is direct
        evidence that calls reach it, so heartbeats delayed by a busy broker do not
        make a reachable agent unroutable; failing probes override everything."""
        if self.unreachable(probe_failures):
            return Health.UNHEALTHY
        if probed_at is not None and now - probed_at <= self.unhealthy_after:
            return Health.HEALTHY
        fresh = now - max(record.last_seen, since) <= self.unhealthy_after
        if record.registration is Registration.PUSH:
            fresh = fresh and self.live_instances(record, now, since) > 0
        return Health.HEALTHY if fresh else Health.UNHEALTHY

    def unreachable(self, probe_failures: int) -> bool:
        """Calls through Dapr do not reach the agent: direct evidence, unlike silence."""
        return probe_failures >= self.probe_failures_to_unhealthy

    def expired(self, record: AgentRecord, now: datetime, since: datetime) -> bool:
        return now - max(record.last_seen, since) > self.remove_after


def _contract_parts(contract: str) -> tuple[str, int]:
    name, _, major = contract.partition("/v")
    return name, int(major)


def check_card(raw: Any, *, sender: str, policy: RegistryPolicy, now: datetime) -> HubspokeCard:
    """Validate a card for registration by `sender`; CardRefusedError says why not."""
    try:
        card = HubspokeCard.parse(raw)
    except CardError as exc:
        raise CardRefusedError(
            Refusal(app_id=sender, reason=f"invalid card: {exc}", at=now)
        ) from exc

    def refuse(reason: str) -> CardRefusedError:
        return CardRefusedError(
            Refusal(
                app_id=sender,
                reason=reason,
                at=now,
                card_version=card.card.version,
                contract_version=card.hubspoke.contract_version,
            )
        )

    if card.app_id != sender:
        raise refuse(f"card app-id {card.app_id!r} differs from the sender {sender!r}")
    if _contract_parts(card.hubspoke.contract_version) != _contract_parts(
        policy.supported_contract
    ):
        raise refuse(
            f"contract {card.hubspoke.contract_version} is incompatible with "
            f"{policy.supported_contract}, the contract of this orchestrator"
        )
    return card
