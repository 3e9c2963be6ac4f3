"""Orchestrator settings, from the environment (prefix ORCHESTRATOR_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings

__all__ = ["OrchestratorSettings"]


class OrchestratorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore")

    app_id: str = Field(default="orchestrator", validation_alias="APP_ID")
    state_store: str = "statestore"
    pubsub: str = "pubsub"
    # Registry liveness: agents heartbeat every HUBSPOKE_HEARTBEAT_SECONDS (5 s);
    # an agent is unhealthy after `unhealthy_after_seconds` without a sign of
    # life and removed after `remove_after_seconds`.
    registry_sweep_seconds: float = Field(default=2.0, gt=0)
    unhealthy_after_seconds: float = Field(default=15.0, gt=0)
    remove_after_seconds: float = Field(default=60.0, gt=0)
    probe_timeout_seconds: float = Field(default=2.0, gt=0)
    # Compare a newly published card with the one the app serves (through Dapr).
    verify_cards: bool = True
