"""A deliberately broken A2A agent, for the conformance kit to fail (test_conformance.py).

It is built on a2a-sdk's own JSON-RPC server, so most of it works: its card
parses, its examples complete, unknown methods get JSON-RPC errors. Then
it breaks the design, the way a hurried team might:

- its card's provider has no `url` (a2a-sdk's validation requires one);
- it answers an empty input with HTTP 500 instead of the state `rejected`;
- it works on inputs over the size limit, and on steps past their deadline;
- a body that is not JSON crashes it into a 500 debug page that echoes the
  request headers, so the token its sidecar presents leaks;
- its card offers the pub/sub binding, but the stack routes no such topic;
- it never registers on `agents.registry`.
Not built on the chassis on purpose: the kit must judge any agent by its wire.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from a2a.helpers.proto_helpers import get_message_text, new_task_from_user_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import AgentCard
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from google.protobuf.json_format import ParseDict

APP_ID = os.environ.get("APP_ID", "broken")
SCHEMA = {"type": "object"}
CARD: dict[str, Any] = {
    "name": "Broken",
    "description": "Gets the Hubspoke wire wrong on purpose.",
    "version": "0.1.0",
    "supportedInterfaces": [
        {
            "url": f"http://localhost:3500/v1.0/invoke/{APP_ID}/method/a2a",
            "protocolBinding": "JSONRPC",
            "protocolVersion": "1.0",
        },
        {
            "url": f"dapr-pubsub://pubsub/agent.requests.{APP_ID}",
            "protocolBinding": "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1",
            "protocolVersion": "1.0",
        },
    ],
    "provider": {"organization": "team-hurry"},  # no url: A2A requires it
    "capabilities": {
        "streaming": False,
        "extensions": [
            {
                "uri": "https://hubspoke.dev/extensions/agent/v2",
                "params": {
                    "appId": APP_ID,
                    "contractVersion": "hubspoke.agent/v2",
                    "owner": "team-hurry",
                    "skills": {"echo": {"inputSchema": SCHEMA, "outputSchema": SCHEMA}},
                    "asyncWork": True,
                },
            }
        ],
    },
    "securitySchemes": {
        "daprMtls": {"mtlsSecurityScheme": {"description": "Dapr Sentry SPIFFE identity"}},
        "daprApiToken": {"apiKeySecurityScheme": {"location": "header", "name": "dapr-api-token"}},
    },
    "securityRequirements": [{"schemes": {"daprMtls": {}, "daprApiToken": {}}}],
    "defaultInputModes": ["text/plain"],
    "defaultOutputModes": ["text/plain"],
    "skills": [
        {
            "id": "echo",
            "name": "Echo",
            "description": "Says back what it was given.",
            "tags": ["echo"],
            "examples": ["echo hello"],
        }
    ],
}


class EchoExecutor(AgentExecutor):
    """Completes every step with its own text: no limit, no deadline."""

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.message is not None
        task = context.current_task or new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        text = get_message_text(context.message)
        await updater.add_artifact([new_text_part(f"echo: {text[:40]}")], name="answer")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()


def build_app() -> FastAPI:
    app = FastAPI()
    handler = DefaultRequestHandler(
        agent_executor=EchoExecutor(),
        task_store=InMemoryTaskStore(),
        agent_card=ParseDict(CARD, AgentCard()),
    )
    app.router.routes.extend(create_jsonrpc_routes(handler, rpc_url="/a2a"))

    @app.middleware("http")
    async def hurried(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path != "/a2a":
            return await call_next(request)
        body = await request.body()
        try:
            rpc = json.loads(body)
        except ValueError:
            # A debug page: the request's headers, the sidecar's token among them.
            return PlainTextResponse(f"crashed; headers: {dict(request.headers)}", status_code=500)
        parts = (((rpc.get("params") or {}).get("message") or {}).get("parts")) or [{}]
        if isinstance(parts, list) and parts and parts[0].get("text") == "":
            return PlainTextResponse("Internal Server Error", status_code=500)
        return await call_next(request)

    @app.get("/.well-known/agent-card.json")
    async def card() -> JSONResponse:
        return JSONResponse(CARD)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    uvicorn.run(
        build_app(), host="127.0.0.1", port=int(os.environ["APP_PORT"]), log_level="warning"
    )
