"""Whose trace a request joins: only the app's own sidecar may continue one.

A `traceparent` is a claim by the caller. From the app's own sidecar (it
presents the app token, on a path only the sidecar calls) it is Dapr's
context, and the request continues it. From anyone else (the orchestrator's
public API, or a request that reached an app port without the token) it is
set aside: the request starts a trace of our own, the caller's context is
kept as a span link, and its `tracestate` and `baggage` are dropped. So an
outside caller can neither choose the trace id our logs carry nor switch
recording off with a sampled-out flag.

`EdgeTracing` must run before the OpenTelemetry middleware reads the headers
(`chassis.telemetry.instrument_app` puts it there); `link_caller` is that
middleware's server request hook.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

from chassis.app_token import APP_TOKEN_HEADER

__all__ = ["EdgeTracing", "EdgeTrust", "caller_trace_id", "link_caller"]

_CONTEXT_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})
# Where EdgeTracing leaves the caller's context for the server span's link.
_CALLER_KEY = "hubspoke.caller_span_context"
_caller_trace: ContextVar[str | None] = ContextVar("caller_trace", default=None)
_w3c = TraceContextTextMapPropagator()


class EdgeTrust:
    """The rule: a request continues its caller's trace only if it came through our sidecar.

    `sidecar_paths`: path prefixes only the sidecar calls (empty: every path,
    as for agents). `app_token`: what the sidecar presents in `dapr-api-token`;
    without one (no token configured) the sidecar paths are trusted as they are
    served: to anyone who reaches the port.
    """

    def __init__(self, *, app_token: str | None, sidecar_paths: Sequence[str] = ()) -> None:
        self._token = app_token.encode() if app_token is not None else None
        self._paths = tuple(sidecar_paths)

    def trusts(self, path: str, presented_token: bytes | None) -> bool:
        """True if a request to `path` presenting `presented_token` may continue its trace."""
        if self._paths and not path.startswith(self._paths):
            return False
        if self._token is None:
            return True
        return presented_token is not None and hmac.compare_digest(presented_token, self._token)


class EdgeTracing:
    """ASGI layer: an untrusted request's trace context headers are taken out before tracing."""

    def __init__(self, app: ASGIApp, trust: EdgeTrust) -> None:
        self.app = app
        self._trust = trust

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # what the instrumentation traces
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        if self._trust.trusts(scope["path"], dict(headers).get(APP_TOKEN_HEADER.encode())):
            await self.app(scope, receive, send)
            return
        caller = _span_context_of(headers)
        kept = [(name, value) for name, value in headers if name not in _CONTEXT_HEADERS]
        scope = {**scope, "headers": kept, _CALLER_KEY: caller}
        token = _caller_trace.set(format(caller.trace_id, "032x") if caller.is_valid else None)
        try:
            await self.app(scope, receive, send)
        finally:
            _caller_trace.reset(token)


def link_caller(span: trace.Span, scope: dict[str, Any]) -> None:
    """Server request hook: link the span to the context an untrusted caller sent."""
    caller = scope.get(_CALLER_KEY)
    if isinstance(caller, trace.SpanContext) and caller.is_valid:
        span.add_link(caller, {"hubspoke.link": "untrusted caller's trace"})


def caller_trace_id() -> str | None:
    """The trace id an untrusted caller sent with the current request (not ours), if any."""
    return _caller_trace.get()


def _span_context_of(headers: list[tuple[bytes, bytes]]) -> trace.SpanContext:
    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in headers
        if name in (b"traceparent", b"tracestate")
    }
    return trace.get_current_span(_w3c.extract(carrier)).get_span_context()
