"""Settings every service shares, read from the environment.

`APP_ID` and `APP_PORT` carry no prefix because the Dapr CLI and our launcher
set them for the app. Each service subclasses `ServiceSettings` with its own
env prefix for what only it needs. `DAPR_*` variables are left to the dapr
SDK and to `chassis.dapr`, which read the sidecar's ports themselves.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServiceSettings"]


class ServiceSettings(BaseSettings):
    """What the chassis needs to serve one app next to its sidecar."""

    model_config = SettingsConfigDict(env_prefix="HUBSPOKE_", extra="ignore")

    app_id: str = Field(validation_alias=AliasChoices("APP_ID", "HUBSPOKE_APP_ID"))
    app_port: int = Field(
        default=8000, ge=1, le=65535, validation_alias=AliasChoices("APP_PORT", "HUBSPOKE_APP_PORT")
    )
    app_host: str = "127.0.0.1"
    log_level: str = "INFO"
    # Requests above this size get 413 before any handler reads them.
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
