"""The edge trust rule: only the app's own sidecar continues a trace; others get one of ours."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import DEFAULT_ON

from chassis.edge_tracing import EdgeTrust, caller_trace_id
from chassis.telemetry import CallerProofSampler, instrument_app

TOKEN = "sidecar-token"
CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"

router = APIRouter()


@router.get("/v1/tasks")
@router.get("/events/pubsub/topic")
async def seen() -> dict[str, str | None]:
    """What the handler sees: the current trace id, and the caller's if set aside."""
    span = trace.get_current_span().get_span_context()
    return {"trace_id": format(span.trace_id, "032x"), "caller_trace_id": caller_trace_id()}


def traceparent(flags: str) -> dict[str, str]:
    return {"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-{flags}", "baggage": "user=mallory"}


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def client(exporter: InMemorySpanExporter) -> Iterator[TestClient]:
    provider = TracerProvider(sampler=CallerProofSampler(DEFAULT_ON))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = FastAPI()
    app.include_router(router)
    instrument_app(app, EdgeTrust(app_token=TOKEN, sidecar_paths=("/events/",)), provider)
    with TestClient(app) as test_client:
        yield test_client


def server_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = [s for s in exporter.get_finished_spans() if s.kind is trace.SpanKind.SERVER]
    assert len(spans) == 1, spans
    return spans[0]


@pytest.mark.parametrize("flags", ["00", "01"])
def test_public_route_starts_its_own_trace_and_links_the_callers(
    client: TestClient, exporter: InMemorySpanExporter, flags: str
) -> None:
    seen = client.get("/v1/tasks", headers=traceparent(flags)).json()
    span = server_span(exporter)
    ours = format(span.context.trace_id, "032x")
    assert ours != CALLER_TRACE
    assert span.parent is None
    assert seen == {"trace_id": ours, "caller_trace_id": CALLER_TRACE}
    [link] = span.links
    assert format(link.context.trace_id, "032x") == CALLER_TRACE
    assert format(link.context.span_id, "016x") == CALLER_SPAN


def test_sidecar_callback_with_the_app_token_continues_the_trace(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    headers = {**traceparent("01"), "dapr-api-token": TOKEN}
    seen = client.get("/events/pubsub/topic", headers=headers).json()
    span = server_span(exporter)
    assert seen == {"trace_id": CALLER_TRACE, "caller_trace_id": None}
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == CALLER_SPAN
    assert not span.links


def test_sampled_out_sidecar_context_is_continued_and_still_recorded(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    headers = {**traceparent("00"), "dapr-api-token": TOKEN}
    assert client.get("/events/pubsub/topic", headers=headers).json()["trace_id"] == CALLER_TRACE
    span = server_span(exporter)
    assert span.context.trace_flags.sampled
    assert format(span.context.trace_id, "032x") == CALLER_TRACE


@pytest.mark.parametrize("token", [None, "wrong"])
def test_callback_path_without_the_app_token_is_not_trusted(
    client: TestClient, exporter: InMemorySpanExporter, token: str | None
) -> None:
    headers = traceparent("01") | ({"dapr-api-token": token} if token else {})
    seen = client.get("/events/pubsub/topic", headers=headers).json()
    assert seen["trace_id"] != CALLER_TRACE
    assert seen["caller_trace_id"] == CALLER_TRACE
    assert server_span(exporter).parent is None


def test_request_without_context_gets_a_recorded_trace(
    client: TestClient, exporter: InMemorySpanExporter
) -> None:
    seen = client.get("/v1/tasks").json()
    span = server_span(exporter)
    assert span.context.trace_flags.sampled
    assert seen == {"trace_id": format(span.context.trace_id, "032x"), "caller_trace_id": None}
    assert not span.links


@pytest.mark.parametrize(
    ("paths", "path", "token", "trusted"),
    [
        (("/dapr/", "/events/"), "/events/pubsub/x", TOKEN.encode(), True),
        (("/dapr/", "/events/"), "/dapr/subscribe", TOKEN.encode(), True),
        (("/dapr/", "/events/"), "/v1/tasks", TOKEN.encode(), False),
        (("/dapr/", "/events/"), "/events/pubsub/x", None, False),
        (("/dapr/", "/events/"), "/events/pubsub/x", b"sidecar-tokenX", False),
        ((), "/a2a", TOKEN.encode(), True),
        ((), "/a2a", None, False),
    ],
)
def test_trust_rule(paths: tuple[str, ...], path: str, token: bytes | None, trusted: bool) -> None:
    assert EdgeTrust(app_token=TOKEN, sidecar_paths=paths).trusts(path, token) is trusted


def test_without_an_app_token_only_the_sidecar_paths_are_trusted() -> None:
    trust = EdgeTrust(app_token=None, sidecar_paths=("/events/",))
    assert trust.trusts("/events/pubsub/x", None)
    assert not trust.trusts("/v1/tasks", None)
