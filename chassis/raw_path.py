"""Serve a request only on the path the sidecar authorised: refuse ambiguous raw paths.

The guard reads the raw path (ASGI `raw_path`, before any decoding) and
answers 400 problem JSON, before routing, when decoding could change which
route it names (the rules: chassis.paths).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from chassis.paths import path_ambiguity
from chassis.problems import send_problem

__all__ = ["RawPathGuard"]


class RawPathGuard:
    """ASGI middleware: 400 problem JSON for an HTTP request whose raw path is ambiguous."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode()
            reason = path_ambiguity(raw)
            if reason is not None:
                detail = (
                    f"the request path holds {reason}; this app serves a path only as its "
                    "sidecar authorised it, so send it unencoded"
                )
                await send_problem(send, 400, detail)
                return
        await self.app(scope, receive, send)
