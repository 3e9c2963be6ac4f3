"""Asynchronous work for an agent: `agent.requests.<app-id>` in, `agent.results.<app-id>` out.

The agent's side of our A2A pub/sub binding (see `chassis.contract`). Each
work message carries an A2A SendMessageRequest; it is sent, in-process, to
the agent's own `POST /a2a` as a JSON-RPC SendMessage, so work that arrives
over pub/sub runs exactly the validation, service code, deadline and states
of a call through Dapr service invocation, and the A2A Task it ends in is the
result. A request the endpoint answers with no task (a JSON-RPC error, a
non-2xx status) is answered by a `failed` task saying why.

Delivery is at-least-once. A delivery first claims its message id
(`chassis.claims`): a copy delivered meanwhile finds the claim and is answered
RETRY, so the work runs once; a claim whose holder died frees itself. The
result is kept under the message id (with a TTL) before it is published, so a
message delivered or sent again, even to another replica, is answered with
the same result without being worked on again; the result carries the work's
message id, so the orchestrator keeps only the first copy. A message that
does not parse is answered DROP, and Dapr moves it to the agent's dead-letter
topic. A result too large to publish is given up here: a `WorkGivenUp` with
the reason goes to the same dead-letter topic, and the orchestrator fails the
step with it.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, VERSION_HEADER
from pydantic import ValidationError
from starlette.types import ASGIApp

from chassis.a2a_server import failed_task
from chassis.card import A2A_PATH
from chassis.claims import WorkClaims
from chassis.contract import (
    AgentResult,
    AgentWork,
    CloudEvent,
    WorkGivenUp,
    agent_dead_letter_topic,
    agent_requests_topic,
    agent_results_topic,
)
from chassis.dapr import DaprError, DaprPort, MessageTooLarge
from chassis.signatures import EventVerifier

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
        verifier: EventVerifier,
        hub: str,
    ) -> None:
        self._dapr = dapr
        self._verifier = verifier
        self._hub = hub
        self._store = store
        self._pubsub = pubsub
        self._app_id = app_id
        self._claims = WorkClaims(dapr, store)
        # The token daprd would present: the in-process call passes the same guards.
        headers = {"dapr-api-token": app_token} if app_token else {}
        headers[VERSION_HEADER] = PROTOCOL_VERSION_CURRENT
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
        # Only the hub may give work: Dapr moves a refused message to our dead-letter
        # topic, where the hub records it without failing any step (it is not signed).
        refused = self._verifier.passes(
            event, producer=self._hub, topic=agent_requests_topic(self._app_id)
        )
        if refused is not None:
            log.warning("dropping work message %s: %s", envelope.id, refused)
            return "DROP"
        if envelope.data.agent != self._app_id:
            log.warning("dropping work %s addressed to %s", envelope.id, envelope.data.agent)
            return "DROP"
        key = f"answered-{envelope.id}"
        try:
            stored = await self._dapr.get_state(self._store, key)
            if stored is None:
                async with self._claims.hold(envelope.id) as mine:
                    if not mine:
                        log.info("work message %s is being worked on; redeliver later", envelope.id)
                        return "RETRY"
                    result = await self._answer(envelope.data)
                    await self._dapr.save_state(
                        self._store, key, result.model_dump_json().encode(), ttl_s=ANSWERED_TTL_S
                    )
            else:
                # Sent again (the orchestrator ran the task again after a restart):
                # answer again with what was answered, without working on it again.
                log.info("work message %s answered already; sending the answer again", envelope.id)
                result = AgentResult.model_validate_json(stored.data)
            try:
                await self._dapr.publish(
                    self._pubsub,
                    agent_results_topic(self._app_id),
                    result.model_dump_json().encode(),
                    metadata={"cloudevent.id": envelope.id},
                )
            except MessageTooLarge as exc:
                await self._give_up(envelope.data, f"the result was not published: {exc}")
                return "SUCCESS"
        except DaprError as exc:
            log.warning("work message %s not answered yet: %s", envelope.id, exc)
            return "RETRY"
        return "SUCCESS"

    async def _give_up(self, work: AgentWork, reason: str) -> None:
        """Record on our dead-letter topic why this work ends without a result."""
        log.warning("giving up work %s: %s", work.step_id, reason)
        notice = WorkGivenUp(
            task_id=work.task_id, step_id=work.step_id, agent=self._app_id, reason=reason
        )
        await self._dapr.publish(
            self._pubsub,
            agent_dead_letter_topic(self._app_id),
            notice.model_dump_json().encode(),
        )

    async def _answer(self, work: AgentWork) -> AgentResult:
        rpc = {
            "jsonrpc": "2.0",
            "id": work.step_id,
            "method": "SendMessage",
            "params": work.request,
        }
        reply = await self._client.post(A2A_PATH, json=rpc)
        task = _task_of(reply)
        if isinstance(task, str):
            task = failed_task(task_id=work.step_id, context_id=work.task_id, reason=task)
        return AgentResult(
            task_id=work.task_id, step_id=work.step_id, agent=self._app_id, task=task
        )


def _task_of(reply: httpx.Response) -> dict[str, Any] | str:
    """The A2A Task a JSON-RPC SendMessage answered, or why there is none."""
    try:
        body = reply.json()
    except ValueError:
        return f"the agent answered HTTP {reply.status_code} without JSON"
    if not isinstance(body, dict):
        return "the agent answered outside JSON-RPC"
    if not reply.is_success or "error" in body:
        error = body.get("error")
        said = error.get("message") if isinstance(error, dict) else body.get("detail")
        return f"the agent could not take the work: {said or reply.status_code}"[:500]
    task = body.get("result", {}).get("task") if isinstance(body.get("result"), dict) else None
    return task if isinstance(task, dict) else "the agent answered with no task"
