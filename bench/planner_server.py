"""A small OpenAI-compatible chat server that plans deterministically, for the benchmark.

Both systems under comparison get the same planner: Hubspoke through its
`openai-compatible` provider, a peer through its OpenAI client. A request
whose messages end with the user's text is answered with tool calls, one per
part of the text (split at ";"), each to the first offered tool whose name
starts with the agent the part belongs to (`AGENT_OF`), with the part as the
tool's first string argument; a request that already carries the tools'
results is answered with those results joined. No model, no randomness: the
same text gives the same calls, so what differs between the systems is the
systems.

For dapr-agents (bench/peer/): its orchestrator's tools are the agents
themselves (named by app-id, argument `task`), each agent's one tool is named
`<agent>_<verb>`, so the same rule routes both levels; an agent's result comes
back to the orchestrator as its final message serialized as JSON, of which the
`content` is the result. A request with no tools (its memory's summary of a
finished conversation) gets that conversation's tool results, or "nothing to do";
one that asks for a JSON schema (`response_format`, as dapr-agents' summary
does) gets that text in each of the schema's string fields.

`GET /stats` counts the completions answered (the model calls a task makes).

    python -m bench.planner_server   # PLANNER_PORT=...; serves POST /v1/chat/completions
"""

from __future__ import annotations

import itertools
import json
import re
import time
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AGENT_OF", "ChatRequest", "PlannerSettings", "build_app", "plan", "tool_result_text"]

# Which agent a part of the request belongs to, tried in order (the bench's tasks only).
AGENT_OF = (
    (re.compile(r"\d\s*[-+*/]\s*\d"), "calculator"),
    (re.compile(r"^\s*summari[sz]e\b", re.I), "summarizer"),
    (re.compile(r"\bconvert\b", re.I), "units"),
    (re.compile(r"."), "knowledge"),
)
_COUNTER = itertools.count()


class PlannerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLANNER_", extra="ignore")

    port: int = Field(default=8090, description="Port the planner server listens on.")


class ChatRequest(BaseModel):
    """The part of an OpenAI chat-completions request this server reads."""

    model_config = ConfigDict(extra="ignore")

    model: str = "bench-planner"
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = Field(default_factory=list)
    response_format: dict[str, Any] | None = None


def _argument_name(tool: dict[str, Any]) -> str:
    properties = tool.get("function", {}).get("parameters", {}).get("properties", {})
    return next(iter(properties), "input")


def _tool_for(agent: str, tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    # Tool names differ by framework (SK: "calculator-arithmetic"); the agent leads.
    wanted = agent.lower()
    return next(
        (t for t in tools if str(t.get("function", {}).get("name", "")).lower().startswith(wanted)),
        None,
    )


def tool_result_text(content: Any) -> str:
    """A tool message's result: the text, or the `content` of an assistant message
    serialized as JSON (how dapr-agents returns an agent called as a tool)."""
    text = str(content if content is not None else "")
    if text.startswith("{"):
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            return text
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            return str(message["content"])
    return text


_EMPTY = {"integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}


def _structured(response_format: dict[str, Any], text: str) -> str:
    """A JSON object of the requested schema: `text` in every string field."""
    schema = response_format.get("json_schema", {}).get("schema", {})
    fields = schema.get("properties", {})
    return json.dumps(
        {name: text if spec.get("type") == "string" else _EMPTY.get(spec.get("type"))
         for name, spec in fields.items()}
    )  # fmt: skip


def plan(request: ChatRequest) -> dict[str, Any]:
    """The assistant message: tool calls for a new request, or the results joined."""
    last = request.messages[-1] if request.messages else {}
    if last.get("role") == "tool" or not request.tools:
        results: list[str] = []
        for message in reversed(request.messages):
            if message.get("role") != "tool":
                break
            results.insert(0, tool_result_text(message.get("content")))
        text = "\n".join(results) or "nothing to do"
        if request.response_format and request.response_format.get("type") == "json_schema":
            text = _structured(request.response_format, text)
        return {"role": "assistant", "content": text}
    text = str(last.get("content", ""))
    calls = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        agent = next(name for pattern, name in AGENT_OF if pattern.search(part))
        tool = _tool_for(agent, request.tools)
        if tool is None:
            continue
        name = tool["function"]["name"]
        arguments = json.dumps({_argument_name(tool): part})
        call_id = f"call_{next(_COUNTER)}"
        calls.append(
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        )
    if not calls:
        return {"role": "assistant", "content": f"no agent can do this: {text}"}
    return {"role": "assistant", "content": None, "tool_calls": calls}


def build_app() -> FastAPI:
    """`POST /v1/chat/completions` (non-streaming) and `GET /healthz`."""
    app = FastAPI(title="bench planner")
    answered = itertools.count(1)
    stats = {"completions": 0}

    @app.post("/v1/chat/completions")
    async def completions(request: ChatRequest) -> dict[str, Any]:
        stats["completions"] = next(answered)
        message = plan(request)
        return {
            "id": f"chatcmpl-{next(_COUNTER)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/stats")
    async def read_stats() -> dict[str, int]:
        return stats

    return app


def main() -> None:
    settings = PlannerSettings()
    uvicorn.run(
        build_app(), host="127.0.0.1", port=settings.port, log_config=None, access_log=False
    )


if __name__ == "__main__":
    main()
