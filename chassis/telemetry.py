"""OpenTelemetry for every service, configured once: traces, metrics, log correlation.

Exports OTLP (HTTP/protobuf) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
SDK's exporters read it, and the other standard OTEL_* variables, themselves);
without it, spans still exist so logs carry trace ids, but nothing is sent.
The resource names the service by its Dapr app-id, as the sidecars do, so
app spans and sidecar spans of one app sit under one service.

W3C trace context travels on every hop: FastAPI's instrumentation continues
the `traceparent` the sidecar sends (invocations and pub/sub deliveries), and
aiohttp's instrumentation adds it to every call to the sidecar (invocation,
publish, state), which Dapr carries on, into CloudEvents too; httpx's covers
the agents' in-process inbox calls. Callers other than the app's own sidecar
start a trace of ours (`chassis.edge_tracing`).

Sampling is the SDK's, as `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`
configure it (default `parentbased_always_on`), with one change: a remote
parent's "not sampled" flag is not obeyed; the request is sampled as a new
trace with the same trace id would be. A sampled-out `traceparent` or
CloudEvent therefore cannot switch recording off, while a ratio sampler still
decides the same way for a trace id in every service (and in daprd, whose
`TraceIDRatioBased` compares the same 63 bits).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, TraceState, get_current_span
from opentelemetry.util.types import Attributes
from starlette.types import ASGIApp

from chassis.edge_tracing import EdgeTracing, EdgeTrust, link_caller

__all__ = ["CallerProofSampler", "configure_telemetry", "instrument_app"]

_configured = False


def configure_telemetry(service: str, version: str) -> None:
    """Install the tracer and meter providers (once per process)."""
    global _configured
    if _configured:
        return
    _configured = True
    resource = Resource.create(
        {
            "service.name": service,
            "service.version": version,
            "service.instance.id": uuid.uuid4().hex,
        }
    )
    tracer_provider = TracerProvider(resource=resource)
    # The SDK built the sampler the OTEL_TRACES_SAMPLER* variables name; wrapped
    # before any tracer is created, as tracers take the provider's sampler then.
    tracer_provider.sampler = CallerProofSampler(tracer_provider.sampler)
    readers = []
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    # Before any client exists: aiohttp sessions are traced from their creation.
    AioHttpClientInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()


class CallerProofSampler(Sampler):
    """The configured sampler, deaf to a remote parent's "not sampled" flag.

    Sampled or local parents, and new traces, are decided by `configured`
    as usual; for a remote parent that says "not sampled", `configured`
    decides as for a new trace with that trace id (the caller's tracestate kept).
    """

    def __init__(self, configured: Sampler) -> None:
        self._configured = configured

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        parent = get_current_span(parent_context).get_span_context()
        if not (parent.is_valid and parent.is_remote and not parent.trace_flags.sampled):
            return self._configured.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )
        # An empty Context, not None: None would mean the current one, which holds that parent.
        fresh = self._configured.should_sample(Context(), trace_id, name, kind, attributes, links)
        return SamplingResult(fresh.decision, fresh.attributes, parent.trace_state)

    def get_description(self) -> str:
        return f"CallerProof{{{self._configured.get_description()}}}"


def instrument_app(
    app: FastAPI, trust: EdgeTrust, tracer_provider: TracerProvider | None = None
) -> None:
    """Server spans for every request but /healthz; only callers `trust` names continue
    their trace, the others get one of ours that links theirs."""
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="healthz",
        exclude_spans=["receive", "send"],
        server_request_hook=link_caller,
        tracer_provider=tracer_provider,
    )
    # The instrumentation reads the trace headers in the outermost middleware it
    # builds; the untrusted ones must be set aside before, so wrap what it builds.
    instrumented = app.build_middleware_stack

    def edge_first() -> ASGIApp:
        return EdgeTracing(instrumented(), trust)

    app.build_middleware_stack = edge_first  # type: ignore[method-assign]
