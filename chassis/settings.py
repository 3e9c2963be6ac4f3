"""Settings every service shares, read from the environment.

`APP_ID` and `APP_PORT` carry no prefix because the Dapr CLI and our launcher
set them for the app. Each service subclasses `ServiceSettings` with its own
env prefix for what only it needs. `DAPR_*` variables are left to the dapr
SDK and to `chassis.dapr`, which read the sidecar's ports themselves.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AgentSettings", "ServiceSettings"]


class ServiceSettings(BaseSettings):
    """What the chassis needs to serve one app next to its sidecar."""

    model_config = SettingsConfigDict(env_prefix="HUBSPOKE_", extra="ignore", populate_by_name=True)

    app_id: str = Field(
        validation_alias=AliasChoices("APP_ID", "HUBSPOKE_APP_ID"),
        description="The service's Dapr app-id (set by the launcher or the Dapr injector).",
    )
    app_port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("APP_PORT", "HUBSPOKE_APP_PORT"),
        description="TCP port the app listens on (its sidecar calls it there).",
    )
    # Fixed names (no per-service prefix): one variable tunes every service.
    app_host: str = Field(
        default="127.0.0.1",
        validation_alias="HUBSPOKE_APP_HOST",
        description="Address the app listens on (0.0.0.0 in containers).",
    )
    log_level: str = Field(
        default="INFO", validation_alias="HUBSPOKE_LOG_LEVEL", description="Log level."
    )
    max_request_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        validation_alias="HUBSPOKE_MAX_REQUEST_BYTES",
        description="Larger request bodies get 413 before any handler reads them.",
    )
    # daprd reads the same variable.
    app_api_token: SecretStr | None = Field(
        default=None,
        validation_alias="APP_API_TOKEN",
        description="The token daprd presents to the app; unset: no check (tests only).",
    )
    signing_key: SecretStr | None = Field(
        default=None,
        validation_alias="HUBSPOKE_SIGNING_KEY",
        description="The app's Ed25519 private key (base64url, raw 32 bytes) that signs every "
        "message it publishes and its agent card; unset: published unsigned.",
    )
    signing_public_keys: str = Field(
        default="{}",
        validation_alias="HUBSPOKE_SIGNING_PUBLIC_KEYS",
        description="JSON object, app id -> Ed25519 public key (base64url, raw): whose "
        "signatures this app accepts.",
    )
    verify_signatures: bool = Field(
        default=True,
        validation_alias="HUBSPOKE_VERIFY_SIGNATURES",
        description="Refuse (dead-letter) messages not signed by their topic's owner; off "
        "only with a warning at start.",
    )


class AgentSettings(ServiceSettings):
    """What every agent shares; the names are fixed so one variable tunes all agents."""

    hub_app_id: str = Field(
        default="orchestrator",
        validation_alias="HUBSPOKE_HUB_APP_ID",
        description="The orchestrator's app-id: the one producer of the agent's work messages "
        "(their signatures are checked against its key).",
    )

    pubsub: str = Field(
        default="pubsub",
        validation_alias="HUBSPOKE_PUBSUB",
        description="Dapr pub/sub the agent registers and takes work on.",
    )
    self_register: bool = Field(
        default=True,
        validation_alias="HUBSPOKE_SELF_REGISTER",
        description="Announce on agents.registry.<app-id>; off for agents registered by pull "
        "(POST /v1/agents).",
    )
    heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        validation_alias="HUBSPOKE_HEARTBEAT_SECONDS",
        description="Seconds between the agent instance's heartbeats.",
    )
    provider_url: str = Field(
        default="https://github.com/hubspoke/hubspoke",
        validation_alias="HUBSPOKE_PROVIDER_URL",
        description="The card's provider.url (A2A requires one with the organization).",
    )
    owner: str = Field(
        default="hubspoke",
        validation_alias="HUBSPOKE_AGENT_OWNER",
        description="Who runs the agent: the card's provider.organization and extension owner.",
    )
    # Dapr prefixes the keys with the app-id.
    state_store: str = Field(
        default="statestore",
        validation_alias="HUBSPOKE_STATE_STORE",
        description="Dapr state store of the agent's own state.",
    )
    async_work: bool = Field(
        default=True,
        validation_alias="HUBSPOKE_ASYNC_WORK",
        description="Take asynchronous work from agent.requests.<app-id> "
        "(needs pub/sub and state scopes).",
    )
    work_budget_seconds: float = Field(
        default=2.0,
        gt=0,
        le=600,
        validation_alias="HUBSPOKE_WORK_BUDGET_SECONDS",
        description="Most seconds one CPU-heavy job (chassis.work) may take.",
    )
    work_processes: int = Field(
        default=2,
        ge=1,
        le=32,
        validation_alias="HUBSPOKE_WORK_PROCESSES",
        description="Worker processes for CPU-heavy jobs.",
    )
