"""A minimal OTLP/HTTP trace receiver: spans from apps and sidecars, as JSON lines.

`python -m launcher.collector --port 4318 --out .run/traces.jsonl`. It takes
what an OpenTelemetry collector's OTLP/HTTP receiver takes (protobuf or JSON
on /v1/traces; /v1/metrics and /v1/logs are accepted and dropped) and writes
one line per span: trace and span ids, parent, name, service, kind, times,
attributes and links.
`python -m launcher.traces` prints them as a waterfall, and `GET /traces/<trace-id>`
answers one trace's spans as JSON (the orchestrator's trace query backend,
ORCHESTRATOR_TRACE_QUERY_URL). Use a real collector
(or Azure Monitor) in production: point OTEL_EXPORTER_OTLP_ENDPOINT and the
Dapr Configuration's tracing endpoint at it (k8s/base ships one).

Credentials never reach the file: attributes of spans, their events and
links, and of the resource are redacted before writing (chassis.redaction:
credential keys such as `dapr-api-token`, and the run's secret values, given
one per line in the HUBSPOKE_REDACT_SECRETS environment variable). A sidecar
that refuses a call with 401 records the token it was shown; it stops here.
The file is created 0600.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from chassis.redaction import Redactor
from launcher.private_files import make_private_dir, open_private_append

__all__ = ["SECRETS_ENV", "main", "read_body", "spans_of", "trace_of"]

SECRETS_ENV = "HUBSPOKE_REDACT_SECRETS"

_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def _plain(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_plain(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _plain(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def _attributes(items: Any, redactor: Redactor) -> dict[str, Any]:
    return redactor.attributes({item.key: _plain(item.value) for item in items})


def spans_of(
    request: ExportTraceServiceRequest, redactor: Redactor | None = None
) -> list[dict[str, Any]]:
    """Flatten an OTLP export into one dict per span, every attribute map redacted."""
    redactor = redactor or Redactor()
    spans = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes, redactor)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "service": resource.get("service.name", "unknown"),
                        # A sidecar and its app share the service name; daprd's resource
                        # names no SDK language, the apps' OpenTelemetry SDK does.
                        "process": "app" if "telemetry.sdk.language" in resource else "daprd",
                        "kind": _KINDS.get(span.kind, str(span.kind)),
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "attributes": _attributes(span.attributes, redactor),
                        "status": redactor.text(span.status.message),
                        "events": [
                            {
                                "name": redactor.text(event.name),
                                "time_ns": event.time_unix_nano,
                                "attributes": _attributes(event.attributes, redactor),
                            }
                            for event in span.events
                        ],
                        "links": [
                            {
                                "trace_id": link.trace_id.hex(),
                                "span_id": link.span_id.hex(),
                                "attributes": _attributes(link.attributes, redactor),
                            }
                            for link in span.links
                        ],
                    }
                )
    return spans


_TRACE_PATH = re.compile(r"^/traces/([0-9a-f]{32})$")


def trace_of(path: Path, trace_id: str) -> dict[str, Any]:
    """One trace from the spans file: `{"trace_id", "spans": [...]}`, spans earliest first.

    Each span as the orchestrator's trace route shows it: span_id, parent_span_id
    (None for a root), name, service, process (app or daprd), kind,
    start_unix_nano, end_unix_nano, status (its error message, or None).
    """
    spans = []
    if path.exists():
        with path.open() as lines:
            for line in lines:
                if trace_id not in line:  # most lines: no JSON parse
                    continue
                span = json.loads(line)
                if span["trace_id"] != trace_id:
                    continue
                spans.append(
                    {
                        "span_id": span["span_id"],
                        "parent_span_id": span["parent_span_id"] or None,
                        "name": span["name"],
                        "service": span["service"],
                        "process": span.get("process"),
                        "kind": span["kind"],
                        "start_unix_nano": span["start_ns"],
                        "end_unix_nano": span["end_ns"],
                        "status": span["status"] or None,
                    }
                )
    spans.sort(key=lambda s: s["start_unix_nano"])
    return {"trace_id": trace_id, "spans": spans}


def read_body(stream: BufferedIOBase, headers: Message) -> bytes:
    """A request's body, sized by Content-Length or sent in chunks.

    OpenTelemetry JS streams its exports (`Transfer-Encoding: chunked`, no
    length), where the Python SDK and daprd send a length.
    """
    if "chunked" not in (headers.get("transfer-encoding") or "").lower():
        return stream.read(int(headers.get("content-length") or 0))
    body = bytearray()
    while True:
        size = int(stream.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):  # trailers, then the end
                pass
            return bytes(body)
        body += stream.read(size)
        stream.readline()  # the CRLF after each chunk


class _Receiver(BaseHTTPRequestHandler):
    out: Path
    redactor = Redactor()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = read_body(self.rfile, self.headers)
        if self.path.rstrip("/") == "/v1/traces":
            request = ExportTraceServiceRequest()
            if "json" in (self.headers.get("content-type") or ""):
                json_format.Parse(body, request)
            else:
                request.ParseFromString(body)
            lines = "".join(json.dumps(s) + "\n" for s in spans_of(request, self.redactor))
            with self.lock, open_private_append(self.out) as sink:
                sink.write(lines.encode())
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self) -> None:
        found = _TRACE_PATH.match(self.path)
        if found is None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        with self.lock:  # no half-written export
            reply = json.dumps(trace_of(self.out, found.group(1))).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        return  # one line per export would drown the launcher's output


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher.collector")
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    make_private_dir(args.out.parent)
    _Receiver.out = args.out
    _Receiver.redactor = Redactor(os.environ.get(SECRETS_ENV, "").split())
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _Receiver)
    print(f"OTLP/HTTP receiver on 127.0.0.1:{args.port}, spans to {args.out}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
