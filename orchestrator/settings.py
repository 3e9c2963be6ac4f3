"""Orchestrator settings, from the environment (prefix ORCHESTRATOR_)."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from chassis.settings import ServiceSettings
from orchestrator.registry.allowlist import ExternalAgent

__all__ = ["OrchestratorSettings", "named_api_keys"]

_PLACEHOLDERS = {"change-me", "changeme", "secret", "password", "local-dev-key", "test"}
# `name=key`: the caller's name in what it does (approvals record it). A base64 key may
# end in "=" padding, so a bare key stays bare unless what follows "=" is more than padding.
_KEY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._@-]{0,63}$")


def named_api_keys(entries: list[str]) -> list[tuple[str, str]]:
    """(caller name, key) for each ORCHESTRATOR_API_KEYS entry: `name=key` gives `name`,
    a bare key `api-key-<index>` (its place in the list, from 0)."""
    named = []
    for index, entry in enumerate(entries):
        name, sep, key = entry.partition("=")
        if sep and _KEY_NAME.match(name) and key.strip("="):
            named.append((name, key))
        else:
            named.append((f"api-key-{index}", entry))
    return named


class OrchestratorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore")

    app_id: str = Field(default="orchestrator", validation_alias="APP_ID")
    state_store: str = "statestore"
    # The registry's records: the same store under a name without the sidecar's
    # retry policy (components/state-sqlite/registrystore.yaml says why).
    registry_store: str = "registrystore"
    pubsub: str = "pubsub"
    # The queue of accepted asynchronous tasks (a pub/sub component of its own).
    task_queue: str = "taskqueue"
    # The agents that take asynchronous work: their results and dead-letter topics
    # (agent.results.<id>, tasks.deadletter.<id>) are subscribed to, comma-separated;
    # the same names as in the pub/sub component's topic lists.
    pubsub_agents: str = "calculator,summarizer,knowledge,units"
    # The secret step ids are derived with (TaskPolicy.step_id_key); every replica
    # needs the same one. Unset: each process makes its own.
    step_id_key: SecretStr | None = None
    # Registry liveness: agents heartbeat every HUBSPOKE_HEARTBEAT_SECONDS (5 s);
    # an agent is unhealthy after `unhealthy_after_seconds` without a sign of
    # life and removed after `remove_after_seconds`.
    registry_sweep_seconds: float = Field(default=2.0, gt=0)
    unhealthy_after_seconds: float = Field(default=15.0, gt=0)
    remove_after_seconds: float = Field(default=60.0, gt=0)
    probe_timeout_seconds: float = Field(default=2.0, gt=0)
    # Agents' evaluation examples (run before an agent version takes tasks): seconds per
    # example, runs at once, and seconds before a run that got no answer is tried again.
    # Off: every card version is routable at once, its examples are not run (unit tests).
    evaluate_agents: bool = True
    evaluation_timeout_seconds: float = Field(default=20.0, gt=0)
    evaluation_concurrency: int = Field(default=2, ge=1, le=32)
    evaluation_retry_seconds: float = Field(default=5.0, gt=0)
    # Compare a newly published card with the one the app serves (through Dapr).
    verify_cards: bool = True
    # A plan may make at most this many agent calls (failovers included).
    max_plan_steps: int = Field(default=8, ge=1, le=64)
    # A task's time budget, from acceptance to answer; agents get it as a deadline.
    # A caller may ask for another (deadline_seconds) up to the maximum. An
    # asynchronous task gets more by default: it may wait out a redelivery
    # (the pub/sub processingTimeout) when a replica or sidecar restarts.
    task_deadline_seconds: float = Field(default=30.0, gt=0)
    async_task_deadline_seconds: float = Field(default=300.0, gt=0)
    max_task_deadline_seconds: float = Field(default=600.0, gt=0)
    # The most one agent call may take (Dapr's resiliency timeout is 15 s too).
    agent_timeout_seconds: float = Field(default=15.0, gt=0)

    # Third-party A2A agents (no sidecar) that may be registered by card URL, a JSON
    # list of {name, base_url, headers?: [{name, secret}], root_ca_secret?}; each is
    # a Dapr HTTPEndpoint of the orchestrator's sidecar (registry/allowlist.py).
    external_agents: list[ExternalAgent] = Field(default_factory=list)

    # Human approval (orchestrator/tasks/approvals.py): calls of skills with any of
    # these tags (comma-separated) wait for a person's decision, as do skills whose
    # card says `approval: required`; waiting approvals past their task's deadline are
    # refused by a sweep every `approval_sweep_seconds`.
    approval_tags: str = ""
    approval_sweep_seconds: float = Field(default=2.0, gt=0)

    # The public edge (see orchestrator/auth.py).
    environment: Literal["local", "production"] = "local"
    auth_mode: Literal["api-key", "entra"] = "api-key"
    api_keys: SecretStr | None = Field(
        default=None, description="Comma-separated API keys, each `key` or `name=key`."
    )
    entra_tenant_id: str | None = None
    entra_audience: str | None = None
    # The hub's own A2A card (orchestrator/edge/): where A2A clients reach this
    # public edge (default http://127.0.0.1:<app port>), and who provides it.
    public_url: str | None = Field(default=None, description="e.g. https://hub.example.com")
    provider_organization: str = "hubspoke"
    provider_url: str = Field(
        default="https://github.com/hubspoke/hubspoke", validation_alias="HUBSPOKE_PROVIDER_URL"
    )

    # Where a task's trace is read back (GET {url}/traces/{trace_id}); the launcher
    # sets its OTLP receiver's URL. Unset: GET /v1/tasks/{id}/trace answers 404.
    trace_query_url: str | None = None

    # The planning model (see orchestrator/ai_services.py); local needs nothing.
    ai_provider: Literal["local", "azure-openai", "openai-compatible"] = "local"
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str = "2024-10-21"
    # Without a key, Entra ID through DefaultAzureCredential (workload identity on AKS).
    azure_openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None  # e.g. http://localhost:11434/v1 for Ollama
    openai_model: str | None = None
    openai_api_key: SecretStr | None = None

    def public_base_url(self) -> str:
        """The public edge's base URL, without a trailing slash."""
        return (self.public_url or f"http://127.0.0.1:{self.app_port}").rstrip("/")

    def pubsub_agent_list(self) -> list[str]:
        return [a.strip() for a in self.pubsub_agents.split(",") if a.strip()]

    def approval_tag_set(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.approval_tags.split(",") if t.strip())

    def api_key_list(self) -> list[str]:
        raw = self.api_keys.get_secret_value() if self.api_keys else ""
        return [k.strip() for k in raw.split(",") if k.strip()]

    @model_validator(mode="after")
    def _model_is_configured(self) -> Self:
        if self.ai_provider == "azure-openai" and not (
            self.azure_openai_endpoint and self.azure_openai_deployment
        ):
            raise ValueError(
                "ORCHESTRATOR_AI_PROVIDER=azure-openai needs ORCHESTRATOR_AZURE_OPENAI_ENDPOINT "
                "and ORCHESTRATOR_AZURE_OPENAI_DEPLOYMENT"
            )
        if self.ai_provider == "openai-compatible" and not (
            self.openai_base_url and self.openai_model
        ):
            raise ValueError(
                "ORCHESTRATOR_AI_PROVIDER=openai-compatible needs ORCHESTRATOR_OPENAI_BASE_URL "
                "and ORCHESTRATOR_OPENAI_MODEL"
            )
        return self

    @model_validator(mode="after")
    def _credentials_are_real(self) -> Self:
        if self.auth_mode == "entra":
            if not (self.entra_tenant_id and self.entra_audience):
                raise ValueError(
                    "ORCHESTRATOR_AUTH_MODE=entra needs ORCHESTRATOR_ENTRA_TENANT_ID "
                    "and ORCHESTRATOR_ENTRA_AUDIENCE"
                )
            return self
        keys = self.api_key_list()
        if not keys:
            raise ValueError("ORCHESTRATOR_API_KEYS is required (comma-separated API keys)")
        if self.environment == "production":
            weak = [k for _, k in named_api_keys(keys) if len(k) < 32 or k.lower() in _PLACEHOLDERS]
            if weak:
                raise ValueError(
                    f"{len(weak)} API key(s) look like placeholders or are shorter than 32 "
                    "characters; generate keys with e.g. `openssl rand -base64 32`"
                )
        return self
