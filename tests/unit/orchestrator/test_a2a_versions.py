"""A2A 0.3 and 1.0 clients of the hub, its public and extended cards, and historyLength.

In-process, as tests/unit/orchestrator/test_a2a_edge.py runs the hub (its
fixtures); the 0.3 client is a2a-sdk's own (`a2a.compat.v0_3`), or plain
JSON-RPC without an `A2A-Version` header.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.compat.v0_3 import types as v03
from a2a.types import GetExtendedAgentCardRequest, GetTaskRequest, TaskState
from a2a.utils.errors import InvalidParamsError

from tests.unit.orchestrator.conftest import API_KEY
from tests.unit.orchestrator.test_a2a_edge import BASE, dapr, hub, message, only_task

__all__ = ["dapr", "hub"]  # the fixtures, used by name

CARD = "/.well-known/agent-card.json"


def rpc(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": method, "params": params}


def v03_message(text: str) -> dict[str, Any]:
    return {
        "message": {
            "kind": "message",
            "messageId": uuid.uuid4().hex,
            "role": "user",
            "parts": [{"kind": "text", "text": text}],
        }
    }


async def test_a_request_without_a_version_header_is_served_as_a2a_0_3(
    hub: httpx.AsyncClient,
) -> None:
    sent = (await hub.post("/a2a", json=rpc("message/send", v03_message("2+3")))).json()
    task = v03.Task.model_validate(sent["result"])  # the 0.3 shape: kind, kebab-case states
    assert (task.kind, task.status.state) == ("task", v03.TaskState.completed)
    assert task.artifacts
    answer = task.artifacts[0].parts[0].root
    assert isinstance(answer, v03.TextPart)
    assert answer.text == "5"
    read = (await hub.post("/a2a", json=rpc("tasks/get", {"id": task.id}))).json()
    assert v03.Task.model_validate(read["result"]).id == task.id


async def test_a_0_3_client_sends_over_http_json_too(hub: httpx.AsyncClient) -> None:
    # 0.3's HTTP+JSON body is the proto JSON of its gRPC types: `content`, not `parts`.
    body = {"message": {"messageId": "m1", "role": "ROLE_USER", "content": [{"text": "2+3"}]}}
    sent = await hub.post("/a2a/rest/v1/message:send", json=body)
    assert sent.status_code == 200, sent.text
    assert sent.json()["task"]["status"]["state"] == "TASK_STATE_COMPLETED"


@pytest.mark.parametrize("version", ["0.2", "2.0", "banana"])
async def test_another_version_is_not_supported(hub: httpx.AsyncClient, version: str) -> None:
    body = rpc("SendMessage", {"message": {"messageId": "m1", "role": "ROLE_USER", "parts": []}})
    answer = (await hub.post("/a2a", json=body, headers={"A2A-Version": version})).json()
    assert answer["error"]["code"] == -32009, answer  # VersionNotSupportedError
    legacy = (await hub.post("/a2a", json=rpc("message/send", v03_message("2+3")))).json()
    assert "result" in legacy  # without the header the same hub answers as 0.3


async def test_the_card_parses_as_0_3_and_as_1_0(hub: httpx.AsyncClient) -> None:
    anonymous = httpx.AsyncClient(transport=hub._transport, base_url=BASE)
    raw = (await anonymous.get(CARD)).json()
    legacy = v03.AgentCard.model_validate(raw)
    assert (legacy.url, legacy.preferred_transport, legacy.protocol_version) == (
        f"{BASE}/a2a",
        "JSONRPC",
        "0.3",
    )
    assert legacy.supports_authenticated_extended_card is True
    assert legacy.security_schemes is not None
    key = legacy.security_schemes["apiKey"].root
    assert isinstance(key, v03.APIKeySecurityScheme)
    assert (key.type, key.in_, key.name) == ("apiKey", "header", "X-API-Key")
    card = await A2ACardResolver(anonymous, BASE).get_agent_card()
    assert card.supported_interfaces[0].protocol_version == "1.0"
    assert card.capabilities.extended_agent_card


async def test_the_extended_card_needs_a_caller_and_holds_more_than_the_public_one(
    hub: httpx.AsyncClient,
) -> None:
    anonymous = httpx.AsyncClient(transport=hub._transport, base_url=BASE)
    refused = await anonymous.post("/a2a", json=rpc("GetExtendedAgentCard", {}))
    assert refused.status_code == 401
    public = await A2ACardResolver(anonymous, BASE).get_agent_card()
    client = await ClientFactory(ClientConfig(httpx_client=hub)).create_from_url(BASE)
    extended = await client.get_extended_agent_card(GetExtendedAgentCardRequest())
    assert [s.id for s in extended.skills] == [s.id for s in public.skills]
    assert extended.skills[1].examples
    assert not public.skills[1].examples
    assert not public.capabilities.extensions
    (extension,) = extended.capabilities.extensions
    assert extension.params["agentsBySkill"]["arithmetic"] == ["calculator"]
    # A fresh client: the SDK's client set A2A-Version 1.0 on the one it was given.
    async with httpx.AsyncClient(
        transport=hub._transport, base_url=BASE, headers={"X-API-Key": API_KEY}
    ) as legacy_client:
        sent = await legacy_client.post("/a2a", json=rpc("agent/getAuthenticatedExtendedCard", {}))
    legacy = sent.json()
    assert v03.AgentCard.model_validate(legacy["result"]).skills[1].examples


@pytest.mark.parametrize(
    ("path", "version"), [("/a2a/rest/extendedAgentCard", "1.0"), ("/a2a/rest/v1/card", None)]
)
async def test_the_http_json_binding_serves_the_extended_card_to_callers_only(
    hub: httpx.AsyncClient, path: str, version: str | None
) -> None:
    headers = {"A2A-Version": version} if version else {}
    async with httpx.AsyncClient(transport=hub._transport, base_url=BASE) as anonymous:
        assert (await anonymous.get(path, headers=headers)).status_code == 401
    card = await hub.get(path, headers=headers)
    assert card.status_code == 200, card.text
    assert card.json()["skills"][1]["examples"]


async def test_get_task_trims_the_history_to_history_length(hub: httpx.AsyncClient) -> None:
    sent = await only_task(hub, message("2+3"))
    client = await ClientFactory(ClientConfig(httpx_client=hub)).create_from_url(BASE)

    async def history(length: int | None = None) -> list[tuple[int, str]]:
        task = await client.get_task(GetTaskRequest(id=sent.id, history_length=length))
        assert task.status.state == TaskState.TASK_STATE_COMPLETED
        return [(m.role, m.parts[0].text) for m in task.history]

    everything = await history()
    assert everything == [(1, "2+3"), (2, "5")]  # ROLE_USER, ROLE_AGENT
    assert await history(1) == everything[-1:]
    assert await history(0) == []
    with pytest.raises(InvalidParamsError):
        await history(-1)
