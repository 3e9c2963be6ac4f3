"""What the checks need from the outside world, as small ports the kit owns.

`adapters` implements them on a running stack (the orchestrator's daprd, its
public API, Redis); unit tests implement them in memory. Every answer an
agent gives passes through a port, and each port records it in the
`Transcript`, so the secrets check sees everything the agent said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from a2a.types import Message, SendMessageRequest, Task

__all__ = [
    "AgentChannel",
    "AgentControl",
    "Answered",
    "HttpAnswer",
    "RegistryView",
    "RpcFailed",
    "SendOutcome",
    "Transcript",
    "TransportFailed",
    "WorkBus",
]


@dataclass(frozen=True)
class HttpAnswer:
    """An HTTP response as the kit saw it: status and body text."""

    status: int
    text: str

    def json(self) -> Any:
        """The body parsed as JSON; ValueError if it is not JSON."""
        return json.loads(self.text)


@dataclass(frozen=True)
class Answered:
    """SendMessage succeeded (JSON-RPC result): a Task, or (less usual) a Message."""

    task: Task | None
    message: Message | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class RpcFailed:
    """The agent answered a JSON-RPC error object."""

    code: int | None
    message: str
    seconds: float = 0.0


@dataclass(frozen=True)
class TransportFailed:
    """No JSON-RPC answer: an HTTP error status (`status`), or no response at all (None)."""

    status: int | None
    detail: str
    seconds: float = 0.0


SendOutcome = Answered | RpcFailed | TransportFailed


@dataclass
class Transcript:
    """Every body an agent answered, labelled with the request that drew it."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def record(self, what: str, text: str) -> None:
        self.entries.append((what, text))


class AgentChannel(Protocol):
    """The agent, reached through the orchestrator's sidecar with its identity."""

    async def get_card(self, app_id: str) -> HttpAnswer:
        """GET the agent card (`.well-known/agent-card.json`)."""
        ...

    async def send(self, app_id: str, request: SendMessageRequest, what: str) -> SendOutcome:
        """A2A SendMessage (JSON-RPC) to the agent; `what` labels it in the transcript."""
        ...

    async def post_rpc(self, app_id: str, body: bytes, what: str) -> HttpAnswer:
        """POST raw bytes to the agent's JSON-RPC endpoint (for malformed requests)."""
        ...

    async def get_method(self, app_id: str, method: str, what: str) -> HttpAnswer:
        """GET `method`, written into the invocation URL as given (escapes kept)."""
        ...


class WorkBus(Protocol):
    """Pub/sub as the orchestrator sees it: publish work, read what was published on a topic."""

    async def stream_mark(self, topic: str) -> str:
        """A position in `topic`'s stream; `stream_since` reads after it."""
        ...

    async def publish_work(self, app_id: str, work: dict[str, Any], event_id: str) -> HttpAnswer:
        """Publish `work` on `agent.requests.<app_id>` as CloudEvent `event_id`."""
        ...

    async def stream_since(self, topic: str, mark: str) -> list[dict[str, Any]]:
        """The `data` of every message published on `topic` after `mark`, oldest first."""
        ...


class RegistryView(Protocol):
    """The orchestrator's registry, through its public API."""

    async def agent(self, app_id: str) -> HttpAnswer:
        """GET /v1/agents/<app_id>."""
        ...

    async def refusals(self) -> HttpAnswer:
        """GET /v1/agents/refusals."""
        ...


class AgentControl(Protocol):
    """Stops and starts the agent; only where the kit may (a test's stack handle)."""

    async def stop(self, app_id: str) -> None:
        """Stop the agent gracefully (SIGTERM), as an orchestrated shutdown would."""
        ...

    async def start(self, app_id: str) -> None:
        """Start it again and return once it is healthy."""
        ...
