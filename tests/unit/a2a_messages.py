"""A2A JSON-RPC requests as a caller sends them (the orchestrator's shape of a step)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

A2A_HEADERS = {"A2A-Version": "1.0"}


def step(
    text: str,
    *,
    seconds: float = 10,
    context_id: str = "task-1",
    skill: str | None = None,
    deadline: str | None = None,
    arguments: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A blocking SendMessage carrying one step, its deadline `seconds` from now (and the
    skill's structured `arguments` as a data part, if given)."""
    hubspoke: dict[str, Any] = {
        "deadline": deadline or (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
    }
    if skill is not None:
        hubspoke["skill"] = skill
    return {
        "message": {
            "messageId": uuid.uuid4().hex,
            "contextId": context_id,
            "role": "ROLE_USER",
            "parts": [{"text": text}, *([{"data": arguments}] if arguments is not None else [])],
            "metadata": {"hubspoke": hubspoke},
        }
    }


def rpc(client: TestClient, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """POST /a2a one JSON-RPC call; the HTTP status must be 200 whatever the outcome."""
    response = client.post(
        "/a2a",
        json={"jsonrpc": "2.0", "id": "1", "method": method, "params": params},
        headers=A2A_HEADERS,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def send(client: TestClient, text: str, **kwargs: Any) -> dict[str, Any]:
    """The Task a SendMessage of `text` ended in."""
    body = rpc(client, "SendMessage", step(text, **kwargs))
    task: dict[str, Any] = body["result"]["task"]
    return task


def reason(task: dict[str, Any]) -> str:
    """The text of the task's status message."""
    return " ".join(p["text"] for p in task["status"]["message"]["parts"] if "text" in p)


def answer(task: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The text and data parts of the task's `answer` artifact."""
    [artifact] = [a for a in task["artifacts"] if a["name"] == "answer"]
    text = "".join(p["text"] for p in artifact["parts"] if "text" in p)
    data: dict[str, Any] = next((p["data"] for p in artifact["parts"] if "data" in p), {})
    return text, data
