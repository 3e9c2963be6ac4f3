"""Only the app's own sidecar may call it: the APP_API_TOKEN check.

Started with `APP_API_TOKEN`, daprd sends that token as `dapr-api-token` on
every call it makes to the app. A request without it did not come through
the sidecar (someone reached the app port directly) and gets 401. `/healthz`
stays open so a kubelet or the launcher can probe liveness.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from chassis.problems import send_problem

__all__ = ["APP_TOKEN_HEADER", "AppTokenGuard"]

APP_TOKEN_HEADER = "dapr-api-token"  # noqa: S105 - a header name, not a secret
_OPEN_PATHS = ("/healthz",)


class AppTokenGuard:
    """401 for requests to `guarded` path prefixes (all when empty) lacking the token."""

    def __init__(self, app: ASGIApp, token: str, guarded: Sequence[str] = ()) -> None:
        self.app = app
        self._token = token.encode()
        self._guarded = tuple(guarded)

    def _needs_token(self, path: str) -> bool:
        if path in _OPEN_PATHS:
            return False
        return not self._guarded or path.startswith(self._guarded)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._needs_token(scope["path"]):
            presented = dict(scope["headers"]).get(APP_TOKEN_HEADER.encode(), b"")
            if not hmac.compare_digest(presented, self._token):
                await _unauthorized(send)
                return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send) -> None:
    await send_problem(
        send, 401, "this app accepts calls from its Dapr sidecar only (no or wrong app token)"
    )
