"""The OTLP receiver redacts credentials from every attribute map before writing."""

from __future__ import annotations

import io
import json
from email.message import Message
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from chassis.redaction import REDACTED, Redactor
from launcher.collector import read_body, spans_of, trace_of

TOKEN = "the-run-token-0123456789"


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _export() -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.extend(
        [_kv("service.name", "summarizer"), _kv("deploy.note", f"started with {TOKEN}")]
    )
    span = resource_spans.scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = b"\x01" * 16, b"\x02" * 8, "GET /v1.0/metadata"
    span.attributes.extend(
        [
            _kv("dapr-api-token", TOKEN),
            _kv("http.status_code", "401"),
            KeyValue(
                key="http.request.header.authorization",
                value=AnyValue(array_value=ArrayValue(values=[AnyValue(string_value="Bearer x")])),
            ),
        ]
    )
    span.events.add(name="exception", attributes=[_kv("exception.message", f"bad {TOKEN}")])
    span.links.add(trace_id=b"\x03" * 16, span_id=b"\x04" * 8, attributes=[_kv("cookie", "s=1")])
    span.status.message = f"unauthorized: {TOKEN}"
    span.kind = Span.SPAN_KIND_SERVER
    return request


def test_spans_events_links_and_resource_are_redacted() -> None:
    [span] = spans_of(_export(), Redactor([TOKEN]))
    assert TOKEN not in json.dumps(span)
    assert span["attributes"]["dapr-api-token"] == REDACTED
    assert span["attributes"]["http.request.header.authorization"] == REDACTED
    assert span["attributes"]["http.status_code"] == "401"
    assert span["events"][0]["attributes"]["exception.message"] == f"bad {REDACTED}"
    assert span["links"][0]["attributes"]["cookie"] == REDACTED
    assert span["status"] == f"unauthorized: {REDACTED}"
    assert (span["service"], span["kind"]) == ("summarizer", "server")


def test_credential_keys_are_redacted_even_without_known_secrets() -> None:
    [span] = spans_of(_export())
    assert span["attributes"]["dapr-api-token"] == REDACTED


def _headers(**values: str) -> Message:
    headers = Message()
    for name, value in values.items():
        headers[name.replace("_", "-")] = value
    return headers


def test_bodies_are_read_by_length_or_in_chunks() -> None:
    body = _export().SerializeToString()
    sized = read_body(io.BytesIO(body + b"next request"), _headers(content_length=str(len(body))))
    assert sized == body
    halves = (body[:10], body[10:])
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in halves) + b"0\r\n\r\n"
    stream = io.BytesIO(chunked + b"next request")
    assert read_body(stream, _headers(transfer_encoding="chunked")) == body
    assert stream.read() == b"next request"  # nothing of the next request consumed


def test_one_trace_is_answered_from_the_file_earliest_span_first(tmp_path: Path) -> None:
    wanted, other = "01" * 16, "02" * 16
    common = {"name": "n", "service": "s", "process": "app", "kind": "server", "status": ""}
    lines = [
        {**common, "trace_id": wanted, "span_id": "b", "parent_span_id": "a", "start_ns": 5},
        {**common, "trace_id": other, "span_id": "x", "parent_span_id": "", "start_ns": 1},
        {**common, "trace_id": wanted, "span_id": "a", "parent_span_id": "", "start_ns": 2},
    ]
    spans_file = tmp_path / "traces.jsonl"
    spans_file.write_text("".join(json.dumps({**s, "end_ns": 9}) + "\n" for s in lines))
    found = trace_of(spans_file, wanted)
    assert found["trace_id"] == wanted
    assert [(s["span_id"], s["parent_span_id"]) for s in found["spans"]] == [
        ("a", None),
        ("b", "a"),
    ]
    assert found["spans"][0]["start_unix_nano"] == 2
    assert found["spans"][0]["status"] is None
    assert trace_of(tmp_path / "absent.jsonl", wanted) == {"trace_id": wanted, "spans": []}
