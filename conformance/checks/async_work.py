"""Asynchronous work over the design's dapr-pubsub binding, answered once per stepId.

`async.once`: the kit publishes one work message on `agent.requests.<app-id>`
through the orchestrator's sidecar, waits for its result on `agent.results.<app-id>`,
then publishes the very same message again (a redelivery, or an orchestrator
that ran the step again after a restart). Passing: one result for the
stepId, or several that carry the SAME task (the answer sent again, as the
Python inbox does), so the work was done once. Failing: no result, a result
off the design's shape, or two different tasks for one stepId (done twice).

Repeats are sent after the first answer, not at the same instant: a
simultaneous duplicate is not checked.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from a2a.types import Task
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError

from conformance import wire
from conformance.ports import Transcript, WorkBus
from conformance.results import CheckResult, failed, passed, skipped
from conformance.steps import rfc3339, state_name, step_request

__all__ = ["check_async_work"]

NAME = "async.once"
_POLL_S = 0.2


def _work(app_id: str, text: str, skill: str | None, budget: timedelta) -> dict[str, Any]:
    step_id, task_id = uuid.uuid4().hex, f"conformance-{uuid.uuid4().hex[:12]}"
    request = step_request(
        text, skill=skill, deadline_in=budget, context_id=task_id, step_id=step_id
    )
    return {
        "taskId": task_id,
        "stepId": step_id,
        "agent": app_id,
        "deadline": rfc3339(datetime.now(UTC) + budget),
        "request": MessageToDict(request),
    }


async def _results_for(
    bus: WorkBus, app_id: str, mark: str, step_id: str, at_least: int, wait_s: float
) -> list[dict[str, Any]]:
    """Results for `step_id` after `mark`, once `at_least` came or `wait_s` passed."""
    end = time.monotonic() + wait_s
    while True:
        results = await bus.stream_since(wire.results_topic(app_id), mark)
        found = [r for r in results if r.get("stepId") == step_id]
        if len(found) >= at_least or time.monotonic() >= end:
            return found
        await asyncio.sleep(_POLL_S)


def _shape_problem(result: dict[str, Any], work: dict[str, Any]) -> str | None:
    for key in ("taskId", "stepId", "agent"):
        if result.get(key) != work[key]:
            return f"result.{key} is {result.get(key)!r}, not {work[key]!r}: quote the work's {key}"
    try:
        task = ParseDict(result.get("task"), Task())
    except (ParseError, TypeError) as exc:
        return f"result.task is not an A2A Task in proto JSON ({exc}): publish the Task"
    if state_name(task) != "completed":
        return f"the card's example ended {state_name(task)} over pub/sub: it must complete"
    return None


async def check_async_work(
    bus: WorkBus,
    transcript: Transcript,
    app_id: str,
    example: tuple[str, str] | None,
    *,
    offers_pubsub: bool,
    wait: timedelta,
    settle: timedelta,
) -> CheckResult:
    """Publish one work message twice (after the first answer); expect one answer per stepId."""
    if not offers_pubsub:
        return skipped(
            NAME, "the card offers no dapr-pubsub interface: asynchronous work not checked"
        )
    skill, text = example or (None, "conformance: asynchronous work")
    work = _work(app_id, text, skill, wait)
    topic = wire.results_topic(app_id)
    mark = await bus.stream_mark(topic)
    sent = await bus.publish_work(app_id, work, event_id=work["stepId"])
    if sent.status not in (200, 204):
        return failed(
            NAME,
            f"publishing on {wire.requests_topic(app_id)} through the orchestrator's sidecar "
            f"answered HTTP {sent.status} ({sent.text[:160]}): add the topic to "
            "components/common/pubsub.yaml (allowedTopics, protectedTopics, the orchestrator's "
            "publishingScopes, the agent's subscriptionScopes) and the agent to its scopes",
        )
    first = await _results_for(bus, app_id, mark, work["stepId"], 1, wait.total_seconds())
    if not first:
        return failed(
            NAME,
            f"no result for stepId {work['stepId']} on {topic} within "
            f"{wait.total_seconds():.0f}s: subscribe to {wire.requests_topic(app_id)} and publish "
            "{taskId, stepId, agent, task} on agent.results.<app-id>",
        )
    problem = _shape_problem(first[0], work)
    if problem is not None:
        return failed(NAME, problem)
    await bus.publish_work(app_id, work, event_id=work["stepId"])
    every = await _results_for(bus, app_id, mark, work["stepId"], 2, settle.total_seconds())
    for result in every:  # what the agent said over pub/sub goes to the secrets check too
        transcript.record(f"work {work['stepId']} (result on {topic})", json.dumps(result))
    return _verdict(work["stepId"], every)


def _verdict(step_id: str, results: list[dict[str, Any]]) -> CheckResult:
    task_ids = sorted({str((r.get("task") or {}).get("id")) for r in results})
    if len(task_ids) > 1:
        return failed(
            NAME,
            f"the same work (stepId {step_id}) was worked on {len(task_ids)} times (tasks "
            f"{task_ids}): dedupe by stepId; keep the first answer under the stepId and send "
            "it again (or nothing) when the message comes again",
        )
    if len(results) == 1:
        return passed(NAME, f"sent twice, answered once (task {task_ids[0]})")
    return passed(
        NAME,
        f"sent twice, worked on once: {len(results)} copies of the same answer (task "
        f"{task_ids[0]}); the orchestrator keeps the first per stepId",
    )
