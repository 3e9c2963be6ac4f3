"""The summarizer's edge: its A2A skill handler, its activity route, its subscription."""

from __future__ import annotations

import logging
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Depends, FastAPI, Request
from pydantic import ValidationError

from agents.summarizer.models import ActivityView
from agents.summarizer.service import SummarizerService
from chassis.contract import TASK_COMPLETED_TOPIC, CloudEvent, TaskCompleted
from chassis.dapr import DaprError
from chassis.problems import PROBLEM_RESPONSES
from chassis.provenance import EventVerifierDep
from chassis.skills import SkillAnswer, SkillRequest
from chassis.subscriptions import subscriptions

__all__ = ["answer", "router", "subscribe"]

log = logging.getLogger(__name__)


async def _service(request: Request) -> SummarizerService:
    return cast(SummarizerService, request.app.state.service)


ServiceDep = Annotated[SummarizerService, Depends(_service)]
router = APIRouter(prefix="/v1", tags=["agent"], responses=PROBLEM_RESPONSES)


async def answer(app: FastAPI, request: SkillRequest) -> SkillAnswer:
    """Summarize the step's text (the chassis serves this at POST /a2a)."""
    return cast(SummarizerService, app.state.service).answer(request)


@router.get("/activity")
async def activity(service: ServiceDep) -> ActivityView:
    """The finished tasks this agent has seen on `task.completed`."""
    return await service.activity()


def subscribe(app: FastAPI, pubsub: str, hub: str) -> None:
    """Subscribe to `task.completed` (served to Dapr at GET /dapr/subscribe), which only
    the orchestrator (`hub`) publishes and signs."""

    async def on_task_completed(
        service: ServiceDep,
        verifier: EventVerifierDep,
        event: Annotated[dict[str, Any], Body()],
    ) -> dict[str, str]:
        refused = verifier.passes(event, producer=hub, topic=TASK_COMPLETED_TOPIC)
        if refused is not None:  # Dapr drops it; nothing is recorded from it
            log.warning("dropping task.completed event %s: %s", event.get("id"), refused)
            return {"status": "DROP"}
        try:
            envelope = CloudEvent[TaskCompleted].model_validate(event)
        except ValidationError as exc:
            # Redelivering a malformed event cannot make it valid.
            log.warning("dropping malformed task.completed event: %s", exc.errors()[:3])
            return {"status": "DROP"}
        try:
            await service.record_completion(envelope.id, envelope.data)
        except DaprError:
            log.exception("could not record task %s; asking for redelivery", envelope.data.task_id)
            return {"status": "RETRY"}
        return {"status": "SUCCESS"}

    subscriptions(app).subscribe(pubsub=pubsub, topic=TASK_COMPLETED_TOPIC)(on_task_completed)
