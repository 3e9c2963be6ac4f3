"""The planning model's configuration: Azure OpenAI with Entra ID, without network."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from azure.core.credentials import AccessToken

from orchestrator.planning.chat_services import COGNITIVE_SERVICES_SCOPE, build_chat_service
from orchestrator.planning.local_model import LocalPlannerChatCompletion
from tests.unit.orchestrator.conftest import orchestrator_settings


class FakeCredential:
    """An azure-identity async credential that hands out a known token."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    async def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("fake-entra-token", 4_102_444_800)

    async def close(self) -> None:
        pass


def completion(_: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(
        200,
        json={
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "hello from azure"},
                }
            ],
        },
    )


async def test_default_is_the_local_model() -> None:
    assert isinstance(build_chat_service(orchestrator_settings()), LocalPlannerChatCompletion)


async def test_azure_openai_authenticates_with_the_entra_token_provider() -> None:
    from semantic_kernel.contents import ChatHistory

    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return completion(request)

    credential = FakeCredential()
    settings = orchestrator_settings(
        ai_provider="azure-openai",
        azure_openai_endpoint="https://example-openai.openai.azure.com",
        azure_openai_deployment="planner-gpt",
    )
    service = build_chat_service(
        settings,
        credential_factory=lambda: credential,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    history = ChatHistory()
    history.add_user_message("hi")
    settings_class = service.get_prompt_execution_settings_class()
    reply = await service.get_chat_message_content(history, settings_class())
    assert reply is not None
    assert str(reply.content) == "hello from azure"
    [request] = seen
    assert request.headers["authorization"] == "Bearer fake-entra-token"
    assert "/openai/deployments/planner-gpt/chat/completions" in str(request.url)
    assert credential.scopes == [(COGNITIVE_SERVICES_SCOPE,)]
    assert json.loads(request.content)["messages"][-1]["content"] == "hi"


async def test_azure_openai_with_an_api_key_uses_no_credential() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return completion(request)

    def no_credential() -> Any:
        raise AssertionError("no credential should be created when a key is given")

    settings = orchestrator_settings(
        ai_provider="azure-openai",
        azure_openai_endpoint="https://example-openai.openai.azure.com",
        azure_openai_deployment="planner-gpt",
        azure_openai_api_key="k" * 32,
    )
    service = build_chat_service(
        settings,
        credential_factory=no_credential,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    from semantic_kernel.contents import ChatHistory

    history = ChatHistory()
    history.add_user_message("hi")
    await service.get_chat_message_content(history, service.get_prompt_execution_settings_class()())
    assert seen[0].headers["api-key"] == "k" * 32


@pytest.mark.parametrize(
    ("provider", "missing"),
    [("azure-openai", "AZURE_OPENAI_ENDPOINT"), ("openai-compatible", "OPENAI_BASE_URL")],
)
def test_cloud_providers_say_what_is_missing(provider: str, missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        orchestrator_settings(ai_provider=provider)


async def test_openai_compatible_endpoint_gets_the_request() -> None:
    from semantic_kernel.contents import ChatHistory

    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return completion(request)

    settings = orchestrator_settings(
        ai_provider="openai-compatible",
        openai_base_url="http://127.0.0.1:11434/v1",
        openai_model="llama3.2",
    )
    service = build_chat_service(
        settings, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    )
    history = ChatHistory()
    history.add_user_message("hi")
    await service.get_chat_message_content(history, service.get_prompt_execution_settings_class()())
    assert str(seen[0].url) == "http://127.0.0.1:11434/v1/chat/completions"
    assert json.loads(seen[0].content)["model"] == "llama3.2"
