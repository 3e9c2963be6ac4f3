"""Calculator settings, from the environment (prefix CALCULATOR_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import AgentSettings

__all__ = ["CalculatorSettings"]


class CalculatorSettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="CALCULATOR_", extra="ignore")

    app_id: str = Field(default="calculator", validation_alias="APP_ID")
