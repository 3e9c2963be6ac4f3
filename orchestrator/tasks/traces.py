"""A task's trace, read from the trace query backend (adapter).

Locally the launcher's OTLP receiver answers `GET {url}/traces/{trace_id}`
with `{"trace_id", "spans": [...]}` (spans already redacted; launcher/collector.py).
In a cluster, point ORCHESTRATOR_TRACE_QUERY_URL at a service that answers the
same; unset, the trace route answers 404 "no trace backend configured".
"""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from chassis.errors import NotFoundError, UpstreamError
from orchestrator.tasks.models import TaskTrace

__all__ = ["NoTraceBackend", "TraceQuery"]


class NoTraceBackend(NotFoundError):
    """No trace query backend is configured (ORCHESTRATOR_TRACE_QUERY_URL)."""


class TraceQuery:
    """Reads spans by trace id; `http` has the backend's base URL (None: no backend)."""

    def __init__(self, http: httpx.AsyncClient | None) -> None:
        self._http = http

    async def trace(self, trace_id: str) -> TaskTrace:
        """The spans of `trace_id`, earliest first (none yet: an empty list).

        Raises NoTraceBackend (404) without a backend, UpstreamError (502) when
        it does not answer or answers something else than a trace.
        """
        if self._http is None:
            raise NoTraceBackend("no trace backend configured (ORCHESTRATOR_TRACE_QUERY_URL)")
        try:
            reply = await self._http.get(f"/traces/{trace_id}")
            reply.raise_for_status()
            found = TaskTrace.model_validate_json(reply.content)
        except (httpx.HTTPError, ValidationError) as exc:
            raise UpstreamError(f"the trace backend did not answer with a trace: {exc}") from exc
        found.spans.sort(key=lambda span: span.start_unix_nano)
        return found

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
