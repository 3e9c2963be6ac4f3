"""Calculator settings, from the environment (prefix CALCULATOR_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import AgentSettings

__all__ = ["CalculatorSettings"]


class CalculatorSettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="CALCULATOR_", extra="ignore")

    app_id: str = Field(default="calculator", validation_alias="APP_ID", description="App-id.")
    max_expression_chars: int = Field(
        default=200, ge=10, le=10_000, description="Longest expression accepted, in characters."
    )
    max_result_digits: int = Field(
        default=1000,
        ge=10,
        le=100_000_000,
        description="Most decimal digits of any value computed; larger results are refused.",
    )
