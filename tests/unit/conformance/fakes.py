"""In-memory fakes of the conformance kit's own ports (conformance.ports), and a good card."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from a2a.types import Artifact, Message, Part, SendMessageRequest, Task, TaskState, TaskStatus
from google.protobuf.json_format import MessageToDict

from conformance.ports import Answered, HttpAnswer, SendOutcome, Transcript
from conformance.steps import state_name

APP = "weather"


def good_card(app_id: str = APP, *, async_work: bool = True) -> dict[str, Any]:
    """A card as DESIGN-A2A describes it."""
    interfaces = [
        {
            "url": f"http://localhost:3500/v1.0/invoke/{app_id}/method/a2a",
            "protocolBinding": "JSONRPC",
            "protocolVersion": "1.0",
        }
    ]
    if async_work:
        interfaces.append(
            {
                "url": f"dapr-pubsub://pubsub/agent.requests.{app_id}",
                "protocolBinding": "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1",
                "protocolVersion": "1.0",
            }
        )
    schema = {"type": "object"}
    return {
        "name": "Weather",
        "description": "Says the weather.",
        "version": "1.0.0",
        "supportedInterfaces": interfaces,
        "provider": {"organization": "team-sky", "url": "https://example.org/sky"},
        "capabilities": {
            "streaming": False,
            "extensions": [
                {
                    "uri": "https://hubspoke.dev/extensions/agent/v2",
                    "params": {
                        "appId": app_id,
                        "contractVersion": "hubspoke.agent/v2",
                        "owner": "team-sky",
                        "skills": {"forecast": {"inputSchema": schema, "outputSchema": schema}},
                        "asyncWork": async_work,
                    },
                }
            ],
        },
        "securitySchemes": {
            "daprMtls": {"mtlsSecurityScheme": {"description": "Dapr Sentry identity"}},
            "daprApiToken": {
                "apiKeySecurityScheme": {"location": "header", "name": "dapr-api-token"}
            },
        },
        "securityRequirements": [{"schemes": {"daprMtls": {}, "daprApiToken": {}}}],
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [
            {
                "id": "forecast",
                "name": "Forecast",
                "description": "Tomorrow's weather.",
                "tags": ["weather"],
                "examples": ["weather in Oslo tomorrow"],
            }
        ],
    }


def without(card: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """A deep copy of `card` with the item at `path` removed."""
    changed = copy.deepcopy(card)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return changed


def task(state: TaskState, text: str = "", answer: str | None = None, task_id: str = "t1") -> Task:
    """A task in `state`; `text` its status message, `answer` its answer artifact's text."""
    built = Task(
        id=task_id,
        context_id="c1",
        status=TaskStatus(state=state, message=Message(parts=[Part(text=text)])),
    )
    if answer is not None:
        built.artifacts.append(Artifact(name="answer", parts=[Part(text=answer)]))
    return built


def text_of(request: SendMessageRequest) -> str:
    return " ".join(p.text for p in request.message.parts)


def deadline_of(request: SendMessageRequest) -> str:
    return str(MessageToDict(request.message.metadata)["hubspoke"]["deadline"])


Behaviour = Callable[[SendMessageRequest], SendOutcome]


def well_behaved(request: SendMessageRequest) -> SendOutcome:
    """What a conforming agent answers."""
    from datetime import UTC, datetime

    text = text_of(request)
    if datetime.fromisoformat(deadline_of(request)) < datetime.now(UTC):
        return Answered(task(TaskState.TASK_STATE_FAILED, "deadline passed"))
    if not text or len(text) > 20_000:
        return Answered(task(TaskState.TASK_STATE_REJECTED, "input: wrong length"))
    return Answered(task(TaskState.TASK_STATE_COMPLETED, answer=f"sunny ({text})"))


GOOD_RPC_ERRORS = {
    b"parse": HttpAnswer(
        200, '{"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}}'
    ),
}


def good_rpc(body: bytes) -> HttpAnswer:
    """JSON-RPC 2.0 error answers for the kit's three malformed requests."""
    try:
        request = json.loads(body)
    except ValueError:
        return GOOD_RPC_ERRORS[b"parse"]
    code = -32601 if request["method"] == "NoSuchMethod" else -32602
    error = {"code": code, "message": "no"}
    return HttpAnswer(200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error}))


def routes_raw_paths(method: str) -> HttpAnswer:
    """An agent that serves only its exact paths: healthz, anything else a 400."""
    if method == "healthz":
        return HttpAnswer(200, '{"status": "ok"}')
    return HttpAnswer(400, '{"status": 400, "title": "Bad Request", "detail": "encoded"}')


@dataclass
class FakeChannel:
    """`AgentChannel`: a card, and behaviours for SendMessage and raw JSON-RPC posts."""

    card: HttpAnswer = field(default_factory=lambda: HttpAnswer(200, json.dumps(good_card())))
    behaviour: Behaviour = well_behaved
    rpc: Callable[[bytes], HttpAnswer] = good_rpc
    transcript: Transcript = field(default_factory=Transcript)
    sent: list[SendMessageRequest] = field(default_factory=list)
    paths: Callable[[str], HttpAnswer] = routes_raw_paths
    methods: list[str] = field(default_factory=list)

    async def get_card(self, app_id: str) -> HttpAnswer:
        self.transcript.record("GET agent card", self.card.text)
        return self.card

    async def send(self, app_id: str, request: SendMessageRequest, what: str) -> SendOutcome:
        self.sent.append(request)
        outcome = self.behaviour(request)
        if isinstance(outcome, Answered) and outcome.task is not None:
            self.transcript.record(what, json.dumps(MessageToDict(outcome.task)))
        return outcome

    async def post_rpc(self, app_id: str, body: bytes, what: str) -> HttpAnswer:
        answer = self.rpc(body)
        self.transcript.record(what, answer.text)
        return answer

    async def get_method(self, app_id: str, method: str, what: str) -> HttpAnswer:
        self.methods.append(method)
        answer = self.paths(method)
        self.transcript.record(what, answer.text)
        return answer


@dataclass
class FakeBus:
    """`WorkBus`: a results stream in a list; the agent answers each publish at once.

    `dedupe`: a repeat of a stepId is answered with the first task again (the Python
    inbox's way); otherwise it is worked on again (a new task id).
    """

    dedupe: bool = True
    publish_status: int = 204
    answers: bool = True
    stream: list[dict[str, Any]] = field(default_factory=list)  # agent.results.<app-id>
    registry_stream: list[dict[str, Any]] = field(default_factory=list)  # agents.registry.<app>
    # The agent's instance heartbeats on agents.registry.<app> while `beating` (once per read).
    beating: bool = True
    instance: str = "i1"
    first_task: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _topic(self, topic: str) -> list[dict[str, Any]]:
        return {
            f"agent.results.{APP}": self.stream,
            f"agents.registry.{APP}": self.registry_stream,
        }[topic]

    async def stream_mark(self, topic: str) -> str:
        return str(len(self._topic(topic)))

    async def publish_work(self, app_id: str, work: dict[str, Any], event_id: str) -> HttpAnswer:
        if self.publish_status != 204:
            return HttpAnswer(self.publish_status, "topic agent.requests.x is not allowed")
        if not self.answers:
            return HttpAnswer(204, "")
        step = work["stepId"]
        fresh = task(TaskState.TASK_STATE_COMPLETED, answer="ok", task_id=f"t{len(self.stream)}")
        if self.dedupe and step in self.first_task:
            answered = self.first_task[step]
        else:
            answered = MessageToDict(fresh)
            self.first_task.setdefault(step, answered)
        result = {"taskId": work["taskId"], "stepId": step, "agent": work["agent"]}
        self.stream.append({**result, "task": answered})
        return HttpAnswer(204, "")

    async def stream_since(self, topic: str, mark: str) -> list[dict[str, Any]]:
        if topic == f"agents.registry.{APP}" and self.beating:
            beat = {"kind": "heartbeat", "app_id": APP, "instance_id": self.instance}
            self.registry_stream.append(beat)
        return self._topic(topic)[int(mark) :]


@dataclass
class FakeRegistry:
    """`RegistryView`: one record whose last_seen moves on each read while `beating`."""

    listed: bool = True
    health: str = "healthy"
    healthy_after_reads: int | None = None  # reads answered `health` before turning healthy
    beating: bool = True
    refusal: str | None = None
    reads: int = 0
    evaluation: dict[str, Any] | None = field(
        default_factory=lambda: {"state": "passed", "version": "1.0.0", "failure": None}
    )

    async def agent(self, app_id: str) -> HttpAnswer:
        self.reads += 1
        if not self.listed:
            return HttpAnswer(404, '{"detail": "no registered agent"}')
        second = self.reads if self.beating else 0
        recovered = self.healthy_after_reads is not None and self.reads > self.healthy_after_reads
        view = {
            "app_id": app_id,
            "health": "healthy" if recovered else self.health,
            "live_instances": 1,
            "last_seen": f"2026-11-29T22:00:{second % 60:02d}+00:00",
        }
        if self.evaluation is not None:
            view["evaluation"] = self.evaluation
        return HttpAnswer(200, json.dumps(view))

    async def refusals(self) -> HttpAnswer:
        refusals = [] if self.refusal is None else [{"app_id": APP, "reason": self.refusal}]
        return HttpAnswer(200, json.dumps({"refusals": refusals}))


@dataclass
class FakeControl:
    """`AgentControl`: a stopped agent that `deregisters` publishes its goodbye (as
    `goodbye_instance`, by default its own) and stops beating unless it `keeps_beating`;
    the registry, if it `forgets`, unlists it."""

    registry: FakeRegistry
    bus: FakeBus
    deregisters: bool = True
    forgets: bool = True
    keeps_beating: bool = False
    goodbye_instance: str | None = None
    calls: list[str] = field(default_factory=list)

    async def stop(self, app_id: str) -> None:
        self.calls.append("stop")
        self.bus.beating = self.keeps_beating
        if self.deregisters:
            instance = self.goodbye_instance or self.bus.instance
            self.bus.registry_stream.append(
                {"kind": "deregister", "app_id": app_id, "instance_id": instance}
            )
            self.registry.listed = not self.forgets

    async def start(self, app_id: str) -> None:
        self.calls.append("start")
        self.registry.listed = True
        self.bus.beating = True


def outcome_state(outcome: SendOutcome) -> str:
    assert isinstance(outcome, Answered)
    assert outcome.task is not None
    return state_name(outcome.task)
