"""Knowledge agent settings, from the environment (prefix KNOWLEDGE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import AgentSettings

__all__ = ["KnowledgeSettings"]


class KnowledgeSettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="KNOWLEDGE_", extra="ignore")

    app_id: str = Field(default="knowledge", validation_alias="APP_ID", description="App-id.")
    documents: list[str] = Field(
        default_factory=lambda: ["README.md", "docs/*.md"],
        description="Markdown files to answer from (a JSON list of paths or globs), relative "
        "to the working directory (the repository's root).",
    )
    chunk_chars: int = Field(
        default=700, ge=200, le=4000, description="Most characters of one cited chunk."
    )
    top_k: int = Field(default=3, ge=1, le=10, description="Chunks quoted in one answer.")
