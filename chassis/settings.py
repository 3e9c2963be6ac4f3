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

    app_id: str = Field(validation_alias=AliasChoices("APP_ID", "HUBSPOKE_APP_ID"))
    app_port: int = Field(
        default=8000, ge=1, le=65535, validation_alias=AliasChoices("APP_PORT", "HUBSPOKE_APP_PORT")
    )
    # Fixed names (no per-service prefix): one variable tunes every service.
    app_host: str = Field(default="127.0.0.1", validation_alias="HUBSPOKE_APP_HOST")
    log_level: str = Field(default="INFO", validation_alias="HUBSPOKE_LOG_LEVEL")
    # Requests above this size get 413 before any handler reads them.
    max_request_bytes: int = Field(
        default=1_048_576, ge=1024, validation_alias="HUBSPOKE_MAX_REQUEST_BYTES"
    )
    # The token daprd presents to the app (daprd reads the same variable).
    app_api_token: SecretStr | None = Field(default=None, validation_alias="APP_API_TOKEN")


class AgentSettings(ServiceSettings):
    """What every agent shares; the names are fixed so one variable tunes all agents."""

    pubsub: str = Field(default="pubsub", validation_alias="HUBSPOKE_PUBSUB")
    # Announce on agents.registry; off for agents registered by pull (POST /v1/agents).
    self_register: bool = Field(default=True, validation_alias="HUBSPOKE_SELF_REGISTER")
    heartbeat_seconds: float = Field(
        default=5.0, gt=0, le=300, validation_alias="HUBSPOKE_HEARTBEAT_SECONDS"
    )
    # The card's provider.url (A2A requires one with the organization): where the owner is.
    provider_url: str = Field(
        default="https://github.com/hubspoke/hubspoke", validation_alias="HUBSPOKE_PROVIDER_URL"
    )
    owner: str = Field(default="hubspoke", validation_alias="HUBSPOKE_AGENT_OWNER")
    # Where the agent keeps its own state (keys prefixed with its app-id by Dapr).
    state_store: str = Field(default="statestore", validation_alias="HUBSPOKE_STATE_STORE")
    # Take asynchronous work from agent.requests.<app-id> (needs pub/sub and state scopes).
    async_work: bool = Field(default=True, validation_alias="HUBSPOKE_ASYNC_WORK")
    # CPU-heavy jobs (chassis.work): the time one may take, and the worker processes.
    work_budget_seconds: float = Field(
        default=2.0, gt=0, le=600, validation_alias="HUBSPOKE_WORK_BUDGET_SECONDS"
    )
    work_processes: int = Field(default=2, ge=1, le=32, validation_alias="HUBSPOKE_WORK_PROCESSES")
