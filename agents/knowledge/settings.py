"""Knowledge agent settings, from the environment (prefix KNOWLEDGE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from chassis.settings import AgentSettings

__all__ = ["KnowledgeSettings"]


class KnowledgeSettings(AgentSettings):
    model_config = SettingsConfigDict(env_prefix="KNOWLEDGE_", extra="ignore")

    app_id: str = Field(default="knowledge", validation_alias="APP_ID")
    # Markdown files to answer from: glob patterns relative to the working directory
    # (the repository root); KNOWLEDGE_DOCUMENTS='["README.md","docs/**/*.md"]'.
    documents: list[str] = Field(
        default_factory=lambda: ["README.md", "docs/**/*.md", "k8s/README.md"]
    )
    # How many passages the sentences of an answer are chosen from.
    top_k: int = Field(default=5, ge=1, le=20)
    # Below this share of the question's term weight in the best passage, the answer is
    # "The documentation does not say" (agents/knowledge/index.py: coverage).
    min_coverage: float = Field(default=0.5, gt=0.0, le=1.0)
