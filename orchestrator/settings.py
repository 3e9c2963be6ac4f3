"""Orchestrator settings, from the environment (prefix ORCHESTRATOR_)."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from chassis.contract import MAX_INPUT_CHARS
from chassis.settings import ServiceSettings
from orchestrator.callers import Role
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

    app_id: str = Field(
        default="orchestrator", validation_alias="APP_ID", description="The hub's Dapr app-id."
    )
    state_store: str = Field(
        default="statestore", description="Dapr state store of the tasks and approvals."
    )
    # The same store under a name without the sidecar's retry policy
    # (components/state-sqlite/registrystore.yaml says why).
    registry_store: str = Field(
        default="registrystore", description="Dapr state store of the registry's records."
    )
    pubsub: str = Field(
        default="pubsub",
        description="Dapr pub/sub of registration, agents' work and results, task events.",
    )
    task_queue: str = Field(
        default="taskqueue",
        description="Dapr pub/sub component of the queue of accepted asynchronous tasks.",
    )
    pubsub_agents: str = Field(
        default="calculator,summarizer,knowledge,units,calendar",
        description="Agents on pub/sub, comma-separated: their agents.registry.<id>, "
        "agent.results.<id> and tasks.deadletter.<id> topics are subscribed to "
        "(the same names as the pub/sub component's topic lists).",
    )
    step_id_key: SecretStr | None = Field(
        default=None,
        description="Secret the step ids are derived with; every replica needs the same one "
        "(the launcher makes one per run). Unset: each process makes its own.",
    )
    # Agents heartbeat every HUBSPOKE_HEARTBEAT_SECONDS (5 s).
    registry_sweep_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between registry sweeps (reload from the store, probe each agent).",
    )
    unhealthy_after_seconds: float = Field(
        default=15.0,
        gt=0,
        description="Seconds without a heartbeat or answered probe before an agent is unhealthy.",
    )
    remove_after_seconds: float = Field(
        default=60.0, gt=0, description="Seconds without a sign of life before an agent is removed."
    )
    probe_timeout_seconds: float = Field(
        default=2.0, gt=0, description="Seconds one liveness probe (GET /healthz) may take."
    )
    evaluate_agents: bool = Field(
        default=True,
        description="Run a new agent version's evaluation examples before routing to it; "
        "off: every version is routable at once (unit tests).",
    )
    evaluation_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Seconds one evaluation example may take."
    )
    evaluation_concurrency: int = Field(
        default=2, ge=1, le=32, description="Evaluation runs at once, per orchestrator."
    )
    evaluation_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Seconds before an evaluation that got no answer is tried again.",
    )
    verify_cards: bool = Field(
        default=True,
        description="Compare a newly published card with the one the app serves through Dapr.",
    )
    max_plan_steps: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Most agent calls one plan may make (failovers too); more: refused whole.",
    )
    max_message_parts: int = Field(
        default=32,
        ge=1,
        le=1000,
        description="Most parts one A2A message may have (docs/security.md, limits).",
    )
    max_input_chars: int = Field(
        default=MAX_INPUT_CHARS,
        ge=1,
        le=MAX_INPUT_CHARS,
        description="Most characters of one task's input (its parts joined).",
    )
    # An asynchronous task gets more time by default: it may wait out a redelivery
    # (the pub/sub processingTimeout) when a replica or sidecar restarts.
    task_deadline_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A synchronous task's time budget when the request gives none.",
    )
    async_task_deadline_seconds: float = Field(
        default=300.0,
        gt=0,
        description="An asynchronous task's time budget when the request gives none.",
    )
    max_task_deadline_seconds: float = Field(
        default=600.0, gt=0, description="Largest `deadline_seconds` a request may ask for."
    )
    # Dapr's resiliency timeout is 15 s too.
    agent_timeout_seconds: float = Field(
        default=15.0, gt=0, description="Most seconds one agent call may take."
    )
    # Each is a Dapr HTTPEndpoint of the orchestrator's sidecar (registry/allowlist.py).
    external_agents: list[ExternalAgent] = Field(
        default_factory=list,
        description="Third-party A2A agents (no sidecar) that may be registered by card URL: "
        "a JSON list of {name, base_url, headers?: [{name, secret}], root_ca_secret?}.",
    )
    # orchestrator/tasks/approvals.py; skills whose card says `approval: required` wait too.
    approval_tags: str = Field(
        default="",
        description="Comma-separated skill tags whose calls wait for a person's approval.",
    )
    approval_sweep_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between sweeps refusing approvals past their task's deadline.",
    )
    # The public edge (orchestrator/auth.py).
    environment: Literal["local", "production"] = Field(
        default="local",
        description="`production` refuses placeholder or short API keys.",
    )
    auth_mode: Literal["api-key", "entra"] = Field(
        default="api-key",
        description="How public callers authenticate: `X-API-Key`, or Entra ID bearer tokens.",
    )
    api_keys: SecretStr | None = Field(
        default=None, description="Comma-separated API keys, each `key` or `name=key`."
    )
    api_key_roles: dict[str, list[Role]] = Field(
        default_factory=dict,
        description='Roles of named API keys, a JSON object {"<name>": ["operator"]}; a key '
        "not named here has none and reads only the tasks it created.",
    )
    entra_tenant_id: str | None = Field(
        default=None, description="Entra ID tenant whose tokens are accepted (auth_mode entra)."
    )
    entra_audience: str | None = Field(
        default=None, description="Audience the Entra ID tokens must carry (auth_mode entra)."
    )
    public_url: str | None = Field(
        default=None,
        description="Where A2A clients reach the public edge, for the hub's card "
        "(default http://127.0.0.1:<app port>); e.g. https://hub.example.com.",
    )
    provider_organization: str = Field(
        default="hubspoke", description="The hub card's provider.organization."
    )
    provider_url: str = Field(
        default="https://github.com/hubspoke/hubspoke",
        validation_alias="HUBSPOKE_PROVIDER_URL",
        description="The card's provider.url (A2A requires one with the organization).",
    )
    trace_query_url: str | None = Field(
        default=None,
        description="Trace backend read for GET /v1/tasks/{id}/trace (GET {url}/traces/{id}); "
        "the launcher sets its OTLP receiver's. Unset: that route answers 404.",
    )
    ai_provider: Literal["local", "azure-openai", "openai-compatible"] = Field(
        default="local", description="The planner's chat model (local needs nothing)."
    )
    azure_openai_endpoint: str | None = Field(
        default=None, description="Azure OpenAI endpoint (ai_provider azure-openai)."
    )
    azure_openai_deployment: str | None = Field(
        default=None, description="Azure OpenAI chat deployment (ai_provider azure-openai)."
    )
    azure_openai_api_version: str = Field(
        default="2024-10-21", description="Azure OpenAI API version."
    )
    azure_openai_api_key: SecretStr | None = Field(
        default=None,
        description="Azure OpenAI key; unset: Entra ID through DefaultAzureCredential "
        "(workload identity on AKS).",
    )
    openai_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible server (ai_provider openai-compatible), "
        "e.g. http://localhost:11434/v1 for Ollama.",
    )
    openai_model: str | None = Field(
        default=None, description="Model name on the OpenAI-compatible server."
    )
    openai_api_key: SecretStr | None = Field(
        default=None, description="Key of the OpenAI-compatible server, if it needs one."
    )

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
        names = {name for name, _ in named_api_keys(keys)}
        unknown = sorted(set(self.api_key_roles) - names)
        if unknown:
            raise ValueError(
                f"ORCHESTRATOR_API_KEY_ROLES names {', '.join(unknown)}, which no entry of "
                "ORCHESTRATOR_API_KEYS is named (`name=key`)"
            )
        if self.environment == "production":
            weak = [k for _, k in named_api_keys(keys) if len(k) < 32 or k.lower() in _PLACEHOLDERS]
            if weak:
                raise ValueError(
                    f"{len(weak)} API key(s) look like placeholders or are shorter than 32 "
                    "characters; generate keys with e.g. `openssl rand -base64 32`"
                )
        return self
