"""Deadlines: a task's time budget, carried to agents and enforced there.

A caller may send `Hubspoke-Deadline: <Unix seconds>` with a request (A2A
calls carry theirs in the message instead: `chassis.a2a_server`).
`DeadlineGuard` refuses a request whose deadline has already passed (504,
nothing runs) and stops one that runs past it (504, if no answer has
started), so an agent never works on something nobody waits for any more.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis.contract import DEADLINE_HEADER, remaining_seconds
from chassis.problems import send_problem

__all__ = ["DeadlineGuard"]

_HEADER = DEADLINE_HEADER.lower().encode()


def _parse(raw: bytes) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError):
        return None


class DeadlineGuard:
    """ASGI middleware enforcing the caller's deadline on every request that carries one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = dict(scope.get("headers", ())).get(_HEADER) if scope["type"] == "http" else None
        if raw is None:
            await self.app(scope, receive, send)
            return
        deadline = _parse(raw)
        if deadline is None:
            await send_problem(send, 400, f"{DEADLINE_HEADER} must be Unix seconds, got {raw!r}")
            return
        left = remaining_seconds(deadline)
        if left <= 0:
            await send_problem(send, 504, f"the caller's deadline passed {-left:.1f}s ago")
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(left):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if not started:
                await send_problem(send, 504, "the caller's deadline passed while working")
