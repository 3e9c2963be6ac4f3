"""A2A as the orchestrator speaks it to agents: JSON-RPC SendMessage bodies, and the a2a-sdk
client on the orchestrator's OWN sidecar (its Dapr API token, so its mTLS identity)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from a2a.client import Client, ClientConfig, ClientFactory
from a2a.client.client_factory import minimal_agent_card

from launcher import LocalStack

A2A_HEADERS = {"A2A-Version": "1.0"}


def step_body(
    text: str, *, deadline_s: float | None = 30, context_id: str = "integration"
) -> dict[str, Any]:
    """A JSON-RPC SendMessage of one step; its deadline `deadline_s` from now (None: none)."""
    message: dict[str, Any] = {
        "messageId": uuid.uuid4().hex,
        "contextId": context_id,
        "role": "ROLE_USER",
        "parts": [{"text": text}],
    }
    if deadline_s is not None:
        deadline = datetime.now(UTC) + timedelta(seconds=deadline_s)
        message["metadata"] = {"hubspoke": {"deadline": deadline.isoformat()}}
    return {"jsonrpc": "2.0", "id": "1", "method": "SendMessage", "params": {"message": message}}


def task_of(response: httpx.Response) -> dict[str, Any]:
    """The A2A Task a JSON-RPC SendMessage answered (HTTP 200, a JSON-RPC result)."""
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()["result"]["task"]
    return task


def status_text(task: dict[str, Any]) -> str:
    return " ".join(p.get("text", "") for p in task["status"]["message"]["parts"])


@asynccontextmanager
async def orchestrator_a2a(
    stack: LocalStack, agent: str, *, headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """The a2a-sdk client (JSON-RPC) for `agent`, through the orchestrator's own daprd."""
    sidecar = stack.endpoints["orchestrator"].dapr_url
    token = {"dapr-api-token": stack.tokens["orchestrator"].dapr_api_token}
    async with httpx.AsyncClient(headers=token | (headers or {}), timeout=30) as http:
        factory = ClientFactory(ClientConfig(streaming=False, httpx_client=http))
        url = f"{sidecar}/v1.0/invoke/{agent}/method/a2a"
        yield factory.create(minimal_agent_card(url, ["JSONRPC"]))
