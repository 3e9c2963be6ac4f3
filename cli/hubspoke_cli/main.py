"""`hubspoke`: send a task and watch it, list agents, read a task, decide approvals.

Exit codes: 0 done; 1 the orchestrator refused or failed (its problem JSON is
shown), or the task ended failed; 2 bad usage; 3 no orchestrator to talk to
(the stack is not running, or no URL is configured).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from hubspoke_cli.client import ApiProblem, HubspokeClient, HubspokeError, Unreachable
from hubspoke_cli.models import Task
from hubspoke_cli.render import (
    agents_table,
    approvals_table,
    event_line,
    task_view,
)
from hubspoke_cli.settings import ConfigError, load_settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="hubspoke",
    help="The Hubspoke orchestrator from a terminal. URL and key: HUBSPOKE_URL and "
    "HUBSPOKE_API_KEY, else the running stack's .run/stack.json.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

FAILED, UNREACHABLE = 1, 3


def _client() -> HubspokeClient:
    try:
        settings = load_settings(os.environ, Path.cwd())
    except ConfigError as exc:
        err.print(f"[red]hubspoke:[/red] {exc}")
        raise typer.Exit(UNREACHABLE) from exc
    return HubspokeClient(settings.url, settings.api_key)


def _fail(exc: HubspokeError) -> typer.Exit:
    """Say why a call failed, and the exit code that goes with it."""
    if isinstance(exc, ApiProblem):
        problem = exc.problem
        err.print(f"[red]hubspoke: {problem.status} {problem.title}[/red]: {problem.detail}")
        if problem.status == 401:
            err.print("check HUBSPOKE_API_KEY (or the run's key in .run/api-key)")
        return typer.Exit(FAILED)
    err.print(f"[red]hubspoke:[/red] {exc}")
    return typer.Exit(UNREACHABLE if isinstance(exc, Unreachable) else FAILED)


def _finish(task: Task) -> None:
    out.print(task_view(task))
    if task.status == "failed":
        raise typer.Exit(FAILED)


@app.command()
def send(
    text: Annotated[str, typer.Argument(help="The task, in words.")],
    agent: Annotated[str | None, typer.Option(help="Send it to this agent only.")] = None,
    asynchronous: Annotated[
        bool, typer.Option("--async", help="Queue it (202) instead of waiting in the request.")
    ] = False,
    watch: Annotated[
        bool, typer.Option(help="Show the plan, each step and the answer as they come.")
    ] = False,
    context: Annotated[
        str | None,
        typer.Option(help="Continue this conversation (a context id; a new one starts it)."),
    ] = None,
) -> None:
    """Send a task; with --watch, follow it live; with --context, as a follow-up."""
    with _client() as client:
        try:
            if watch and not asynchronous:
                _stream(client, text, agent, context)
            elif watch:
                _poll(client, client.send(text, agent=agent, asynchronous=True, context_id=context))
            else:
                _finish(
                    client.send(text, agent=agent, asynchronous=asynchronous, context_id=context)
                )
        except HubspokeError as exc:
            raise _fail(exc) from exc


def _stream(
    client: HubspokeClient, text: str, agent: str | None, context: str | None = None
) -> None:
    answer: Task | None = None
    failed = False
    with out.status("working…"):
        for name, data in client.stream(text, agent=agent, context_id=context):
            line = event_line(name, data)
            if line is not None:
                out.print(line)
            if name == "answer":
                answer = Task.model_validate(data)
            failed = failed or name == "error"
    if answer is not None:
        _finish(answer)
    elif failed:
        raise typer.Exit(FAILED)


def _poll(client: HubspokeClient, task: Task, interval_s: float = 0.5) -> None:
    """Follow a queued task by reading it until it is final, printing each new step."""
    out.print(event_line("task", {"id": task.id, "status": task.status}) or "")
    shown = 0
    with out.status("queued…") as status:
        while True:
            for step in task.steps[shown:]:
                out.print(event_line("step.finished", step.model_dump()) or "")
            shown = len(task.steps)
            if task.final:
                break
            status.update(f"{task.status}…")
            time.sleep(interval_s)
            task = client.task(task.id)
    _finish(task)


@app.command("task")
def show_task(task_id: Annotated[str, typer.Argument(help="The task's id.")]) -> None:
    """Read a task: its status, answer and steps."""
    with _client() as client:
        try:
            task = client.task(task_id)
        except HubspokeError as exc:
            raise _fail(exc) from exc
    out.print(task_view(task))


@app.command()
def agents() -> None:
    """List the registered agents, their health and skills."""
    with _client() as client:
        try:
            listed = client.agents()
        except HubspokeError as exc:
            raise _fail(exc) from exc
    out.print(agents_table(listed))


@app.command()
def approvals() -> None:
    """List the steps waiting for a person's approval."""
    with _client() as client:
        try:
            waiting = client.approvals()
        except HubspokeError as exc:
            raise _fail(exc) from exc
    if not waiting.approvals:
        out.print("no step waits for an approval")
        return
    out.print(approvals_table(waiting))


def _decide(
    task_id: str, step_id: str, decision: Literal["approve", "reject"], comment: str | None
) -> None:
    with _client() as client:
        try:
            task = client.decide(task_id, step_id, decision, comment)
        except HubspokeError as exc:
            raise _fail(exc) from exc
    out.print(task_view(task))


Comment = Annotated[str | None, typer.Option(help="Why (kept with the decision).")]


@app.command()
def approve(task_id: str, step_id: str, comment: Comment = None) -> None:
    """Approve a step waiting for approval: the agent is called."""
    _decide(task_id, step_id, "approve", comment)


@app.command()
def reject(task_id: str, step_id: str, comment: Comment = None) -> None:
    """Reject a step waiting for approval: it ends refused."""
    _decide(task_id, step_id, "reject", comment)


@app.command()
def pause(
    app_id: str,
    reason: Annotated[str, typer.Option(help="Why (1-500 characters; recorded).")],
) -> None:
    """Take an agent out of plans until it is resumed."""
    with _client() as client:
        try:
            agent = client.pause(app_id, reason)
        except HubspokeError as exc:
            raise _fail(exc) from exc
    out.print(agents_table([agent]))


@app.command()
def resume(
    app_id: str, reason: Annotated[str | None, typer.Option(help="Why (recorded).")] = None
) -> None:
    """Put a paused agent back into plans."""
    with _client() as client:
        try:
            agent = client.resume(app_id, reason)
        except HubspokeError as exc:
            raise _fail(exc) from exc
    out.print(agents_table([agent]))


def main() -> None:
    """The console script's entry point."""
    app()
