"""Asynchronous work for an agent: `agent.requests.<app-id>` in, `agent.results` out.

Each work message is answered by the agent's own `POST /v1/invoke`, called
in-process, so work that arrives over pub/sub runs exactly the validation,
service code, deadline and errors of a call through Dapr service invocation;
a refused task is a response with `outcome: refused`, as on that path.

Delivery is at-least-once. Once a result is published, it is kept in the
state store under the message id (with a TTL), so a message delivered or
sent again, even to another replica, is answered with the same result
without being worked on again; the result carries the work's message id,
so the orchestrator keeps only the first copy. A message that does not parse is answered DROP,
and Dapr moves it to the dead-letter topic.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.types import ASGIApp

from chassis.contract import (
    AGENT_INVOKE_METHOD,
    AGENT_RESULTS_TOPIC,
    AgentRequest,
    AgentResponse,
    AgentResult,
    AgentWork,
    CloudEvent,
    deadline_headers,
)
from chassis.dapr import DaprError, DaprPort

__all__ = ["WorkInbox"]

log = logging.getLogger(__name__)

ANSWERED_TTL_S = 24 * 3600  # far longer than any redelivery window


class WorkInbox:
    """Turns work messages into calls of the agent's own API, and publishes the answers."""

    def __init__(
        self,
        *,
        dapr: DaprPort,
        store: str,
        pubsub: str,
        app_id: str,
        app: ASGIApp,
        app_token: str | None,
    ) -> None:
        self._dapr = dapr
        self._store = store
        self._pubsub = pubsub
        self._app_id = app_id
        # The token daprd would present: the in-process call passes the same guards.
        headers = {"dapr-api-token": app_token} if app_token else {}
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://agent", headers=headers
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def handle(self, event: Any) -> str:
        """Work on one delivered message; returns Dapr's status (SUCCESS, RETRY or DROP)."""
        try:
            envelope = CloudEvent[AgentWork].model_validate(event)
        except ValidationError as exc:
            message_id = event.get("id") if isinstance(event, dict) else None
            log.warning("dropping malformed work message %s: %s", message_id, exc.errors()[:3])
            return "DROP"
        if envelope.data.agent != self._app_id:
            log.warning("dropping work %s addressed to %s", envelope.id, envelope.data.agent)
            return "DROP"
        key = f"answered-{envelope.id}"
        try:
            stored = await self._dapr.get_state(self._store, key)
            if stored is None:
                result = await self._answer(envelope.data)
            else:
                # Sent again (the orchestrator ran the task again after a restart):
                # answer again with what was answered, without working on it again.
                log.info("work message %s answered already; sending the answer again", envelope.id)
                result = AgentResult.model_validate_json(stored.data)
            await self._dapr.publish(
                self._pubsub,
                AGENT_RESULTS_TOPIC,
                result.model_dump_json().encode(),
                metadata={"cloudevent.id": envelope.id},
            )
            if stored is None:
                await self._dapr.save_state(
                    self._store, key, result.model_dump_json().encode(), ttl_s=ANSWERED_TTL_S
                )
        except DaprError as exc:
            log.warning("work message %s not answered yet: %s", envelope.id, exc)
            return "RETRY"
        return "SUCCESS"

    async def _answer(self, work: AgentWork) -> AgentResult:
        request = AgentRequest(task_id=work.task_id, input=work.input)
        reply = await self._client.post(
            f"/{AGENT_INVOKE_METHOD}",
            json=request.model_dump(),
            headers=deadline_headers(work.deadline),
        )
        result = AgentResult(task_id=work.task_id, step_id=work.step_id, agent=self._app_id)
        if not reply.is_success:
            return result.model_copy(update={"status": reply.status_code, "error": _reason(reply)})
        try:
            response = AgentResponse.model_validate_json(reply.content)
        except ValidationError:
            return result.model_copy(
                update={"status": 502, "error": "the agent answered outside the contract"}
            )
        return result.model_copy(update={"response": response})


def _reason(reply: httpx.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        return reply.text[:500]
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else str(body)[:500]
