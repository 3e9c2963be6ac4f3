"""Summarizer settings, from the environment (prefix SUMMARIZER_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import AgentSettings

__all__ = ["SummarizerSettings"]


class SummarizerSettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="SUMMARIZER_", extra="ignore")

    app_id: str = Field(default="summarizer", validation_alias="APP_ID", description="App-id.")
