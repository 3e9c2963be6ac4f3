"""Which chat model plans: the local one, Azure OpenAI, or an OpenAI-compatible endpoint.

Nothing else in the orchestrator changes between the three: each is a
Semantic Kernel chat completion service driven by the same Planner. Each
provider's client packages (openai's clients, Semantic Kernel's OpenAI
connector, azure-identity: about 1.5 s of imports together) are imported
only when that provider is the one configured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orchestrator.settings import OrchestratorSettings

if TYPE_CHECKING:
    import httpx2
    from semantic_kernel.connectors.ai.chat_completion_client_base import (
        ChatCompletionClientBase,
    )

__all__ = ["COGNITIVE_SERVICES_SCOPE", "build_chat_service"]

COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
SERVICE_ID = "planner"

# Returns an azure-identity async credential; tests pass a fake.
CredentialFactory = Callable[[], Any]


def build_chat_service(
    settings: OrchestratorSettings,
    *,
    credential_factory: CredentialFactory | None = None,
    http_client: httpx2.AsyncClient | None = None,
) -> ChatCompletionClientBase:
    """The configured planning model (`http_client` lets tests see the requests;
    `credential_factory` defaults to azure-identity's `DefaultAzureCredential`)."""
    if settings.ai_provider == "azure-openai":
        return _azure_openai(settings, credential_factory, http_client)
    if settings.ai_provider == "openai-compatible":
        return _openai_compatible(settings, http_client)
    from orchestrator.planning.local_model import LocalPlannerChatCompletion

    return LocalPlannerChatCompletion(service_id=SERVICE_ID, ai_model_id="hubspoke-local-planner")


def _azure_openai(
    settings: OrchestratorSettings,
    credential_factory: CredentialFactory | None,
    http_client: httpx2.AsyncClient | None,
) -> ChatCompletionClientBase:
    from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
    from openai import AsyncAzureOpenAI
    from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion

    api_key = settings.azure_openai_api_key
    credential = credential_factory or DefaultAzureCredential
    token_provider = (
        None
        if api_key is not None
        else get_bearer_token_provider(credential(), COGNITIVE_SERVICES_SCOPE)
    )
    client = AsyncAzureOpenAI(
        azure_endpoint=str(settings.azure_openai_endpoint),
        azure_deployment=settings.azure_openai_deployment,
        api_version=settings.azure_openai_api_version,
        api_key=api_key.get_secret_value() if api_key else None,
        azure_ad_token_provider=token_provider,
        http_client=http_client,
    )
    return AzureChatCompletion(
        service_id=SERVICE_ID,
        deployment_name=settings.azure_openai_deployment,
        async_client=client,
    )


def _openai_compatible(
    settings: OrchestratorSettings, http_client: httpx2.AsyncClient | None
) -> ChatCompletionClientBase:
    from openai import AsyncOpenAI
    from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion

    key = settings.openai_api_key
    client = AsyncOpenAI(
        base_url=settings.openai_base_url,
        api_key=key.get_secret_value() if key else "not-needed",
        http_client=http_client,
    )
    return OpenAIChatCompletion(
        service_id=SERVICE_ID, ai_model_id=str(settings.openai_model), async_client=client
    )
