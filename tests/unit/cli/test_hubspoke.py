"""`hubspoke` against a fake orchestrator (httpx.MockTransport): the requests it makes,
what it shows, its exit codes; and where it finds the orchestrator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hubspoke_cli import main as cli
from hubspoke_cli.client import ApiProblem, HubspokeClient, Unreachable
from hubspoke_cli.settings import ConfigError, load_settings
from rich.console import Console
from typer.testing import CliRunner

TASK_ID = "0123456789abcdef0123456789abcdef"
STEP_ID = "fedcba9876543210fedcba9876543210"
TASK = {
    "id": TASK_ID,
    "input": "2+3",
    "status": "completed",
    "agents": ["calculator"],
    "steps": [
        {"id": STEP_ID, "agent": "calculator", "skill": "arithmetic", "input": "2+3",
         "status": "completed", "output": "2 + 3 = 5"}
    ],
    "output": "2 + 3 = 5",
    "created_at": "2026-11-30T01:00:00Z",
    "unknown_field": "ignored",
}  # fmt: skip
AGENT = {
    "app_id": "calculator",
    "version": "0.1.0",
    "health": "healthy",
    "live_instances": 2,
    "skills": [{"id": "arithmetic", "name": "Arithmetic", "tags": ["math"]}],
}

Handler = Callable[[httpx.Request], httpx.Response]


class FakeOrchestrator:
    """Records every request; answers with `handler`."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    @property
    def last_json(self) -> Any:
        return json.loads(self.requests[-1].content or b"null")


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., tuple[int, str, FakeOrchestrator]]:
    """Run `hubspoke <args>` with a fake orchestrator answering `handler`."""
    monkeypatch.setenv("HUBSPOKE_URL", "http://hub.test")
    monkeypatch.setenv("HUBSPOKE_API_KEY", "k-123")
    real = HubspokeClient.__init__
    # Wide enough that no table cell wraps (a test's output is not a terminal: 80 columns).
    monkeypatch.setattr(cli, "out", Console(width=200, highlight=False))
    monkeypatch.setattr(cli, "err", Console(width=200, highlight=False, stderr=True))

    def invoke(handler: Handler, *args: str) -> tuple[int, str, FakeOrchestrator]:
        fake = FakeOrchestrator(handler)

        def with_fake(self: HubspokeClient, url: str, api_key: str | None, **kw: Any) -> None:
            real(self, url, api_key, transport=httpx.MockTransport(fake))

        monkeypatch.setattr(HubspokeClient, "__init__", with_fake)
        result = CliRunner().invoke(cli.app, list(args))
        return result.exit_code, result.output, fake

    return invoke


def answer(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def test_send_posts_the_task_with_the_key_and_shows_the_answer(run: Any) -> None:
    code, output, fake = run(answer(201, TASK), "send", "2+3", "--agent", "calculator")
    assert code == 0, output
    request = fake.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v1/tasks")
    assert request.headers["x-api-key"] == "k-123"
    assert fake.last_json == {"input": "2+3", "agent": "calculator"}
    assert "2 + 3 = 5" in output
    assert "completed" in output


def test_send_async_asks_for_the_queue(run: Any) -> None:
    queued = {**TASK, "status": "queued", "steps": [], "output": None, "mode": "async"}
    code, output, fake = run(answer(202, queued), "send", "2+3", "--async")
    assert code == 0, output
    assert fake.last_json == {"input": "2+3", "mode": "async"}
    assert "queued" in output


def test_send_with_a_context_continues_that_conversation(run: Any) -> None:
    code, output, fake = run(answer(201, TASK), "send", "and times 4?", "--context", "c-1")
    assert code == 0, output
    assert fake.last_json == {"input": "and times 4?", "context_id": "c-1"}


def test_send_watch_shows_each_event_of_the_stream(run: Any) -> None:
    events = [
        ("task", {"id": TASK_ID, "status": "running"}),
        ("plan", {"round": 0, "calls": [{"function": "calculator-arithmetic", "input": "2+3"}]}),
        ("step.started", {"agent": "calculator", "skill": "arithmetic", "input": "2+3"}),
        ("step.finished", TASK["steps"][0]),
        ("answer", TASK),
    ]
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)

    def stream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    code, output, fake = run(stream, "send", "2+3", "--watch")
    assert code == 0, output
    assert fake.requests[0].url.path == "/v1/tasks/stream"
    assert fake.last_json == {"input": "2+3"}
    lines = output.splitlines()
    assert any(TASK_ID in line and "running" in line for line in lines)
    assert any("plan, round 1" in line and "calculator-arithmetic" in line for line in lines)
    assert any(line.startswith("→ calculator [arithmetic]: 2+3") for line in lines)
    assert any("✓ calculator completed: 2 + 3 = 5" in line for line in lines)
    assert output.index("✓ calculator") < output.rindex("2 + 3 = 5")


def test_send_watch_refused_before_the_stream_shows_the_problem(run: Any) -> None:
    problem = {"status": 422, "title": "Unprocessable Content", "detail": "unknown agent 'x'"}
    code, output, _ = run(answer(422, problem), "send", "hi", "--watch", "--agent", "x")
    assert code == 1
    assert "422" in output
    assert "unknown agent 'x'" in output


def test_a_wrong_key_exits_1_with_the_problem_and_a_hint(run: Any) -> None:
    problem = {"status": 401, "title": "Unauthorized", "detail": "a valid API key is required"}
    code, output, _ = run(answer(401, problem), "agents")
    assert code == 1
    assert "401 Unauthorized" in output
    assert "HUBSPOKE_API_KEY" in output


def test_a_failed_task_exits_1(run: Any) -> None:
    failed = {**TASK, "status": "failed", "output": None, "error": "agent 'calculator' failed"}
    code, output, _ = run(answer(201, failed), "send", "2+3")
    assert code == 1
    assert "agent 'calculator' failed" in output


def test_agents_lists_the_registry(run: Any) -> None:
    paused = {**AGENT, "app_id": "units", "routable": False,
              "paused": {"by": "ops", "reason": "flaky", "at": "2026-11-30T01:00:00Z"}}  # fmt: skip
    code, output, fake = run(answer(200, {"count": 2, "agents": [AGENT, paused]}), "agents")
    assert code == 0, output
    assert fake.requests[0].url.path == "/v1/agents"
    assert "calculator" in output
    assert "arithmetic" in output
    assert "healthy" in output
    assert "paused by ops: flaky" in output


def test_task_reads_one_task(run: Any) -> None:
    code, output, fake = run(answer(200, TASK), "task", TASK_ID)
    assert code == 0, output
    assert (fake.requests[0].method, fake.requests[0].url.path) == ("GET", f"/v1/tasks/{TASK_ID}")
    assert "2 + 3 = 5" in output


@pytest.mark.parametrize(("command", "decision"), [("approve", "approve"), ("reject", "reject")])
def test_a_decision_posts_to_the_step_s_approval(run: Any, command: str, decision: str) -> None:
    code, output, fake = run(answer(200, TASK), command, TASK_ID, STEP_ID, "--comment", "ok")
    assert code == 0, output
    request = fake.requests[0]
    assert (request.method, request.url.path) == (
        "POST",
        f"/v1/tasks/{TASK_ID}/approvals/{STEP_ID}",
    )
    assert fake.last_json == {"decision": decision, "comment": "ok"}


def test_a_decision_already_taken_shows_the_conflict(run: Any) -> None:
    problem = {"status": 409, "title": "Conflict", "detail": "already approved by ops"}
    code, output, _ = run(answer(409, problem), "reject", TASK_ID, STEP_ID)
    assert code == 1
    assert "409 Conflict" in output
    assert "already approved by ops" in output


def test_approvals_lists_the_waiting_steps(run: Any) -> None:
    waiting = {"count": 1, "approvals": [{
        "task_id": TASK_ID, "step_id": STEP_ID, "agent": "units", "skill": "convert",
        "input": "3 km in miles", "requested_at": "2026-11-30T01:00:00Z",
        "deadline": "2026-11-30T01:10:00Z", "decision": None, "by": None, "at": None,
        "comment": None}]}  # fmt: skip
    code, output, fake = run(answer(200, waiting), "approvals")
    assert code == 0, output
    assert fake.requests[0].url.path == "/v1/approvals"
    assert "units" in output
    assert "convert" in output


def test_pause_and_resume_post_the_reason(run: Any) -> None:
    code, output, fake = run(answer(200, AGENT), "pause", "calculator", "--reason", "upgrade")
    assert code == 0, output
    assert fake.requests[0].url.path == "/v1/agents/calculator/pause"
    assert fake.last_json == {"reason": "upgrade"}
    code, output, fake = run(answer(200, AGENT), "resume", "calculator")
    assert code == 0, output
    assert fake.requests[0].url.path == "/v1/agents/calculator/resume"
    assert fake.last_json == {}


def test_pause_needs_a_reason(run: Any) -> None:
    code, _, fake = run(answer(200, AGENT), "pause", "calculator")
    assert code == 2
    assert fake.requests == []


def test_no_stack_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HUBSPOKE_URL", raising=False)
    monkeypatch.delenv("HUBSPOKE_API_KEY", raising=False)
    monkeypatch.setenv("HUBSPOKE_RUN_DIR", str(tmp_path / "nothing"))
    result = CliRunner().invoke(cli.app, ["agents"])
    assert result.exit_code == 3
    assert "HUBSPOKE_URL" in result.output


def test_nothing_listening_is_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with HubspokeClient("http://hub.test", "k", transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(Unreachable, match="is the stack running"):
            client.agents()
        with pytest.raises(Unreachable):
            list(client.stream("2+3"))


def test_an_error_without_problem_json_still_says_its_status() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(502, text="bad gateway"))
    with (
        HubspokeClient("http://hub.test", "k", transport=transport) as client,
        pytest.raises(ApiProblem) as raised,
    ):
        client.task(TASK_ID)
    assert (raised.value.problem.status, raised.value.problem.detail) == (502, "bad gateway")


def test_settings_come_from_the_stack_file_unless_the_environment_says(tmp_path: Path) -> None:
    run_dir = tmp_path / ".run"
    run_dir.mkdir()
    (run_dir / "api-key").write_text("key-from-file\n")
    stack = {"version": 1, "orchestrator": {"url": "http://127.0.0.1:8000/"},
             "api_key_file": "api-key"}  # fmt: skip
    (run_dir / "stack.json").write_text(json.dumps(stack))
    found = load_settings({}, tmp_path)
    assert (found.url, found.api_key) == ("http://127.0.0.1:8000", "key-from-file")
    both = load_settings({"HUBSPOKE_URL": "http://h", "HUBSPOKE_API_KEY": "k"}, tmp_path)
    assert (both.url, both.api_key) == ("http://h", "k")
    key_only = load_settings({"HUBSPOKE_API_KEY": "k"}, tmp_path)
    assert (key_only.url, key_only.api_key) == ("http://127.0.0.1:8000", "k")
    (run_dir / "stack.json").write_text("{}")
    with pytest.raises(ConfigError, match="not a stack file"):
        load_settings({}, tmp_path)
