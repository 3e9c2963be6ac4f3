"""The orchestrator's public API over HTTP: one method per call `hubspoke` makes.

Errors::

    HubspokeError
     ├── Unreachable   nothing answers at the URL (the stack is not running?)
     └── ApiProblem    the orchestrator answered 4xx/5xx; `.problem` is its problem JSON

The transport is injectable: unit tests pass `httpx.MockTransport`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import httpx
from httpx_sse import SSEError, connect_sse

from hubspoke_cli.models import (
    Agent,
    AgentList,
    ApprovalList,
    Problem,
    Task,
    problem_of,
)

__all__ = ["ApiProblem", "HubspokeClient", "HubspokeError", "StreamEvent", "Unreachable"]

StreamEvent = tuple[str, dict[str, Any]]


class HubspokeError(Exception):
    """A call to the orchestrator did not give an answer."""


class Unreachable(HubspokeError):
    """Nothing answered at the orchestrator's URL."""


class ApiProblem(HubspokeError):
    """The orchestrator refused or failed the call (4xx/5xx)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.title}: {problem.detail}".strip(": "))
        self.problem = problem


class HubspokeClient:
    """Calls of the public API with the caller's API key (`X-API-Key`)."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 120,
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._url = url
        self._http = httpx.Client(
            base_url=url, headers=headers, timeout=timeout_s, transport=transport
        )

    def __enter__(self) -> HubspokeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.is_error:
            raise ApiProblem(problem_of(response.status_code, _body(response)))
        return response.json()

    def _unreachable(self, exc: httpx.TransportError) -> Unreachable:
        why = type(exc).__name__
        return Unreachable(f"no answer from {self._url} ({why}): is the stack running?")

    # -- tasks --------------------------------------------------------------

    def send(
        self,
        text: str,
        *,
        agent: str | None = None,
        asynchronous: bool = False,
        context_id: str | None = None,
    ) -> Task:
        """POST /v1/tasks: the answered task (201), or the queued one (202) when asynchronous;
        with `context_id`, the next turn of that conversation."""
        body: dict[str, Any] = {"input": text}
        if agent:
            body["agent"] = agent
        if context_id:
            body["context_id"] = context_id
        if asynchronous:
            body["mode"] = "async"
        return Task.model_validate(self._call("POST", "/v1/tasks", json=body))

    def stream(
        self, text: str, *, agent: str | None = None, context_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """POST /v1/tasks/stream: (event name, data) as the task runs: task, plan,
        step.started, step.finished, then answer or error."""
        body: dict[str, Any] = {"input": text, **({"agent": agent} if agent else {})}
        if context_id:
            body["context_id"] = context_id
        try:
            with connect_sse(self._http, "POST", "/v1/tasks/stream", json=body) as source:
                if source.response.is_error:
                    source.response.read()
                    status = source.response.status_code
                    raise ApiProblem(problem_of(status, _body(source.response)))
                for event in source.iter_sse():
                    yield event.event, event.json() if event.data else {}
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        except SSEError as exc:
            raise HubspokeError(f"the orchestrator did not stream events: {exc}") from exc

    def task(self, task_id: str) -> Task:
        """GET /v1/tasks/{id}."""
        return Task.model_validate(self._call("GET", f"/v1/tasks/{task_id}"))

    # -- agents -------------------------------------------------------------

    def agents(self) -> list[Agent]:
        """GET /v1/agents."""
        return AgentList.model_validate(self._call("GET", "/v1/agents")).agents

    def pause(self, app_id: str, reason: str) -> Agent:
        """POST /v1/agents/{app_id}/pause: the planner leaves the agent out until resumed."""
        answer = self._call("POST", f"/v1/agents/{app_id}/pause", json={"reason": reason})
        return Agent.model_validate(answer)

    def resume(self, app_id: str, reason: str | None = None) -> Agent:
        """POST /v1/agents/{app_id}/resume."""
        body = {"reason": reason} if reason else {}
        return Agent.model_validate(self._call("POST", f"/v1/agents/{app_id}/resume", json=body))

    # -- approvals ----------------------------------------------------------

    def approvals(self) -> ApprovalList:
        """GET /v1/approvals: the steps waiting for a person's decision."""
        return ApprovalList.model_validate(self._call("GET", "/v1/approvals"))

    def decide(
        self,
        task_id: str,
        step_id: str,
        decision: Literal["approve", "reject"],
        comment: str | None = None,
    ) -> Task:
        """POST /v1/tasks/{task_id}/approvals/{step_id}: the task after the decision."""
        body: dict[str, Any] = {"decision": decision}
        if comment:
            body["comment"] = comment
        path = f"/v1/tasks/{task_id}/approvals/{step_id}"
        return Task.model_validate(self._call("POST", path, json=body))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
