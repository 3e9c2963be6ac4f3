"""How `hubspoke` shows answers on a terminal (rich tables and lines)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from hubspoke_cli.models import Agent, ApprovalList, Task

__all__ = ["agents_table", "approvals_table", "event_line", "task_view"]

_STATUS_STYLE = {"completed": "green", "failed": "red", "rejected": "red", "running": "yellow"}


def _status(status: str) -> str:
    style = _STATUS_STYLE.get(status, "cyan")
    return f"[{style}]{escape(status)}[/{style}]"


def _health(health: str) -> str:
    style = "green" if health == "healthy" else "red"
    return f"[{style}]{escape(health)}[/{style}]"


def event_line(name: str, data: dict[str, Any]) -> str | None:
    """One line for a streamed event (POST /v1/tasks/stream); None for an `answer`,
    which the caller shows as the whole task."""
    if name == "task":
        return f"task [bold]{escape(str(data.get('id')))}[/bold] {_status(str(data.get('status')))}"
    if name == "plan":
        calls = ", ".join(
            f"{escape(str(c.get('function')))}({escape(str(c.get('input')))!r})"
            for c in data.get("calls", [])
        )
        return f"plan, round {data.get('round', 0) + 1}: {calls}"
    if name == "step.started":
        skill = " " + escape(f"[{data['skill']}]") if data.get("skill") else ""
        return f"→ {escape(str(data.get('agent')))}{skill}: {escape(str(data.get('input')))}"
    if name == "step.finished":
        said = data.get("output") if data.get("status") == "completed" else data.get("error")
        mark = "[green]✓[/green]" if data.get("status") == "completed" else "[red]✗[/red]"
        return f"{mark} {escape(str(data.get('agent')))} {_status(str(data.get('status')))}: " + (
            escape(str(said or ""))
        )
    if name == "error":
        return f"[red]error {data.get('status')}[/red]: {escape(str(data.get('detail')))}"
    if name == "answer":
        return None
    return f"{escape(name)}: {escape(str(data))}"


def task_view(task: Task) -> Table:
    """A task as a two-column table, its steps and approvals after its answer."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("task", task.id)
    table.add_row("status", _status(task.status))
    table.add_row("input", escape(task.input))
    if task.output is not None:
        table.add_row("answer", escape(task.output))
    if task.error:
        table.add_row("error", f"[red]{escape(task.error)}[/red]")
    for n, step in enumerate(task.steps, 1):
        said = step.output if step.status == "completed" else step.error
        skill = " " + escape(f"[{step.skill}]") if step.skill else ""
        table.add_row(
            f"step {n}",
            f"{escape(step.agent)}{skill} {_status(step.status)}: {escape(said or '')}",
        )
    for approval in task.approvals:
        decided = f"{approval.decision} by {approval.by}" if approval.decision else "waiting"
        table.add_row(f"approval {approval.step_id[:12]}", escape(decided))
    if task.created_at:
        table.add_row("created", task.created_at.isoformat(timespec="seconds"))
    if task.completed_at:
        table.add_row("finished", task.completed_at.isoformat(timespec="seconds"))
    return table


def agents_table(agents: list[Agent]) -> Table:
    """The registry: one row per agent."""
    table = Table("agent", "version", "health", "instances", "skills", "routable", "note")
    for agent in sorted(agents, key=lambda a: a.app_id):
        note = ""
        if agent.paused is not None:
            note = f"paused by {agent.paused.by}: {agent.paused.reason}"
        elif agent.evaluation is not None and agent.evaluation.state != "passed":
            note = f"evaluation {agent.evaluation.state}"
        routable = "" if agent.routable is None else ("yes" if agent.routable else "no")
        table.add_row(
            escape(agent.app_id),
            escape(agent.version),
            _health(agent.health),
            str(agent.live_instances),
            escape(", ".join(s.id for s in agent.skills)),
            routable,
            escape(note),
        )
    return table


def approvals_table(waiting: ApprovalList) -> Table:
    """Steps waiting for a decision."""
    table = Table("task", "step", "agent", "skill", "input", "deadline")
    for approval in waiting.approvals:
        deadline = approval.deadline.isoformat(timespec="seconds") if approval.deadline else ""
        table.add_row(
            escape(approval.task_id or ""),
            escape(approval.step_id),
            escape(approval.agent),
            escape(approval.skill or ""),
            escape(approval.input),
            deadline,
        )
    return table
