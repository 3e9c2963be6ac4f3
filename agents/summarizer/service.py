"""The summarizer's use cases: summarize a task, record finished tasks."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from agents.summarizer.models import ActivityView, RecentTask, SummaryArguments
from agents.summarizer.persistence import ActivityRepository
from agents.summarizer.summarize import summarize
from chassis.contract import TaskCompleted
from chassis.errors import UnprocessableError
from chassis.skills import SkillAnswer, SkillRequest

__all__ = ["NothingToSummarizeError", "SummarizerService"]

log = logging.getLogger(__name__)


class NothingToSummarizeError(UnprocessableError):
    """The task has no text left once its instruction is removed."""


class SummarizerService:
    def __init__(self, *, agent_id: str, activity: ActivityRepository) -> None:
        self._agent_id = agent_id
        self._activity = activity

    def answer(self, request: SkillRequest) -> SkillAnswer:
        """Summarize the task's text in at most two sentences: the argument `text` when the
        caller gave it, else the message's text less its instruction."""
        text = request.input
        if "text" in request.arguments:
            try:
                text = SummaryArguments.model_validate(request.arguments).text
            except ValidationError as exc:
                raise NothingToSummarizeError(f"arguments: {exc.errors()[0]['msg']}") from exc
        summary = summarize(text)
        log.info("summarized %d chars", len(request.input), extra={"task_id": request.task_id})
        if not summary:
            raise NothingToSummarizeError("the input has no text to summarize")
        return SkillAnswer(output=summary, data={"input_chars": len(request.input)})

    async def record_completion(self, event_id: str, event: TaskCompleted) -> bool:
        """Count a finished task once, however often the event is delivered."""
        task = RecentTask(task_id=event.task_id, agent=event.agent, status=event.status)
        counted = await self._activity.update(lambda activity: activity.record(event_id, task))
        log.info(
            "task.completed %s",
            "recorded" if counted else "already seen",
            extra={"task_id": event.task_id, "event_id": event_id},
        )
        return counted

    async def activity(self) -> ActivityView:
        """What the summarizer has seen of finished tasks."""
        return (await self._activity.load()).view()
