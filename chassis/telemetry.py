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
the agents' in-process inbox calls.
"""

from __future__ import annotations

import os
import uuid

from fastapi import FastAPI
from opentelemetry import metrics, trace
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

__all__ = ["configure_telemetry", "instrument_app"]

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
    readers = []
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    # Before any client exists: aiohttp sessions are traced from their creation.
    AioHttpClientInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()


def instrument_app(app: FastAPI) -> None:
    """Server spans for every request, continuing the caller's trace."""
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz", exclude_spans=["receive", "send"]
    )
