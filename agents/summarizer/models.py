"""What the summarizer takes (its skill's structured arguments) and records about finished tasks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chassis.contract import MAX_INPUT_CHARS

__all__ = ["Activity", "ActivityView", "RecentTask", "SummaryArguments"]

RECENT_LIMIT = 20
SEEN_LIMIT = 500


class SummaryArguments(BaseModel):
    """The summarize skill's arguments (a data part): the text alone, without the instruction."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=MAX_INPUT_CHARS, description="The text to summarise, alone."
    )


class RecentTask(BaseModel):
    task_id: str
    agent: str
    status: str


class ActivityView(BaseModel):
    """Counts of finished tasks seen on `task.completed`, and the latest ones."""

    completed: int = 0
    failed: int = 0
    by_agent: dict[str, int] = Field(default_factory=dict)
    recent: list[RecentTask] = Field(default_factory=list)


class Activity(ActivityView):
    """The stored record: the view plus what makes counting idempotent."""

    # Event ids already counted: pub/sub is at-least-once, counting is not.
    seen_event_ids: list[str] = Field(default_factory=list)

    def view(self) -> ActivityView:
        return ActivityView.model_validate(self.model_dump(exclude={"seen_event_ids"}))

    def record(self, event_id: str, task: RecentTask) -> bool:
        """Count one finished task; False if this event was counted before."""
        if event_id in self.seen_event_ids:
            return False
        self.seen_event_ids = [*self.seen_event_ids, event_id][-SEEN_LIMIT:]
        if task.status == "completed":
            self.completed += 1
        else:
            self.failed += 1
        self.by_agent[task.agent] = self.by_agent.get(task.agent, 0) + 1
        self.recent = [task, *self.recent][:RECENT_LIMIT]
        return True
