"""A third-party A2A agent with NO Dapr sidecar: the official a2a-sdk server, one skill.

Run as `python -m tests.integration.external_agent PORT [PREFIX]`. It counts the
words of the text it is sent. It serves, under PREFIX (default `/ext`):
`GET PREFIX/.well-known/agent-card.json` (a plain A2A 1.0 card, no Hubspoke
extension) and `POST PREFIX/rpc` (JSON-RPC binding). When the environment
holds `EXTERNAL_AGENT_TOKEN`, every request must carry
`Authorization: Bearer <token>` (the header the orchestrator's HTTPEndpoint
adds from its secret store), else 401. `GET /seen-headers` (outside the
prefix, for the test only) returns the headers of the last request, so a
test can see what the orchestrator's sidecar sent along.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable

import uvicorn
from a2a.helpers.proto_helpers import new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandlerV2
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentProvider,
    AgentSkill,
)
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CARD_PATH = "/.well-known/agent-card.json"
Next = Callable[[Request], Awaitable[Response]]


class WordCounter(AgentExecutor):
    """Answers every message with the number of words in its text."""

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.task_id is not None
        assert context.context_id is not None
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        text = context.get_user_input()
        if not text.strip():
            await updater.reject(updater.new_agent_message([new_text_part("no text to count")]))
            return
        count = len(text.split())
        await updater.add_artifact([new_text_part(f"{count} words")], name="answer")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.task_id is not None
        assert context.context_id is not None
        await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()


def agent_card(base_url: str) -> AgentCard:
    """The card: its only interface is the JSON-RPC endpoint at `base_url`/rpc."""
    return AgentCard(
        name="Word counter",
        description="Counts the words of a text (a third-party agent outside Hubspoke).",
        version="1.0.0",
        provider=AgentProvider(organization="Example Org", url="https://example.org"),
        supported_interfaces=[
            AgentInterface(
                url=f"{base_url}/rpc", protocol_binding="JSONRPC", protocol_version="1.0"
            )
        ],
        capabilities=AgentCapabilities(streaming=False),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[
            AgentSkill(
                id="count-words",
                name="Count words",
                description="Count how many words a text has: word count, number of words.",
                tags=["words", "count", "text"],
                examples=["how many words are in 'the quick brown fox'?"],
            )
        ],
    )


def build(port: int, prefix: str) -> Starlette:
    base_url = f"http://127.0.0.1:{port}{prefix}"
    card = agent_card(base_url)
    handler = DefaultRequestHandlerV2(
        agent_executor=WordCounter(), task_store=InMemoryTaskStore(), agent_card=card
    )
    seen: dict[str, str] = {}

    async def seen_headers(_: Request) -> Response:
        return JSONResponse(seen)

    routes = [
        *create_agent_card_routes(card, card_url=f"{prefix}{CARD_PATH}"),
        *create_jsonrpc_routes(handler, rpc_url=f"{prefix}/rpc"),
        Route("/seen-headers", seen_headers),
    ]
    token = os.environ.get("EXTERNAL_AGENT_TOKEN")

    async def bearer(request: Request, call_next: Next) -> Response:
        if request.url.path == "/seen-headers":
            return await call_next(request)
        seen.clear()
        seen.update({k.lower(): v for k, v in request.headers.items()})
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"detail": "bearer token required"}, status_code=401)
        return await call_next(request)

    app = Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=bearer)])
    return app


def main() -> None:
    port = int(sys.argv[1])
    prefix = sys.argv[2] if len(sys.argv) > 2 else "/ext"
    uvicorn.run(build(port, prefix), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
