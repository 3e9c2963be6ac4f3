"""JSON-lines logging for every service, configured once at start-up."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from opentelemetry import trace

from chassis.edge_tracing import caller_trace_id
from chassis.redaction import Redactor

__all__ = ["configure_logging"]

# Attributes every LogRecord has; anything else was passed with `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class _JsonFormatter(logging.Formatter):
    def __init__(self, service: str, redactor: Redactor) -> None:
        super().__init__()
        self._service = service
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        caller_trace = caller_trace_id()
        if caller_trace is not None:
            # The trace id an outside caller sent: searchable, but never ours.
            entry["caller_trace_id"] = caller_trace
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        # Last, on the whole line: a header dict passed in `extra`, or a token quoted
        # in an exception's text, is caught wherever it sits.
        return self._redactor.text(json.dumps(self._redactor.attributes(entry), default=str))


def configure_logging(service: str, level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Send all logs to stdout as JSON lines tagged with the service name.

    Credentials (chassis.redaction: header values, and the `secrets` given,
    e.g. the app's tokens) are redacted from every line.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_JsonFormatter(service, Redactor(secrets)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # One line per request is the sidecar's job, and costs throughput here.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Semantic Kernel logs three INFO lines per function call: noise at our volume.
    logging.getLogger("semantic_kernel").setLevel(logging.WARNING)
