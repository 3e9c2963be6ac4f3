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
        default_factory=lambda: ["README.md", "docs/**/*.md", "k8s/README.md"],
        description="Markdown files to answer from (a JSON list of glob patterns), relative "
        "to the working directory (the repository's root); a pattern matching nothing is "
        "skipped.",
    )
    top_k: int = Field(
        default=5, ge=1, le=20, description="Passages an answer's sentences are chosen from."
    )
    min_coverage: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description="Share of the question's term weight the best passage must hold; below "
        "it the answer is 'The documentation does not say'.",
    )
