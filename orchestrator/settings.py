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
    # The agents tasks may be routed to (the registry replaces this list).
    agents: list[str] = Field(default_factory=lambda: ["calculator", "summarizer"])
