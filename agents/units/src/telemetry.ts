/**
 * OpenTelemetry for this agent: traces over OTLP/HTTP (protobuf, as the Python services send), W3C trace context in and out.
 *
 * The exporter sends to `OTEL_EXPORTER_OTLP_ENDPOINT` (the launcher's
 * receiver locally, the collector in k8s: the variable the Python services
 * read); without it spans still exist, so logs carry trace ids. The resource
 * names the service by its Dapr app-id, as the sidecars do.
 *
 * Every request but /healthz gets a SERVER span that continues the
 * `traceparent` its caller's sidecar sent (invocations and pub/sub
 * deliveries alike); every call to the sidecar gets a CLIENT span whose
 * context travels on in `traceparent`, so Dapr carries it into the
 * CloudEvents this agent publishes. Only the app's own sidecar reaches the
 * handlers (the app-token check runs first), so every caller is trusted to
 * continue its trace.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

import { HEALTH_PATH } from './contract.ts';

export interface Telemetry {
  tracer: Tracer;
  /** Export what is left and stop. */
  shutdown(): Promise<void>;
}

/** Install the global tracer provider, context manager and W3C propagator (once per process). */
export function startTelemetry(opts: {
  service: string;
  version: string;
  otlpEndpoint: string | undefined;
  exportDelayMs: number;
  processors?: SpanProcessor[];
}): Telemetry {
  const processors = [...(opts.processors ?? [])];
  if (opts.otlpEndpoint !== undefined) {
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces) itself.
    processors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        scheduledDelayMillis: opts.exportDelayMs,
      }),
    );
  }
  const provider = new TracerProvider({
    // The default resource names the SDK and its language (telemetry.sdk.*), as the Python
    // services' does: the local receiver tells app spans from daprd's by it.
    resource: defaultResource().merge(resourceFromAttributes({
      'service.name': opts.service,
      'service.version': opts.version,
      'service.instance.id': randomUUID().replaceAll('-', ''),
    })),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer('hubspoke.units', opts.version),
    shutdown: () => provider.shutdown(),
  };
}

/** Express middleware: a SERVER span per request (not /healthz), in the caller's trace. */
export function traceRequests(tracer: Tracer) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === HEALTH_PATH) {
      next();
      return;
    }
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    res.on('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Run `work` in a CLIENT span named `name`; `headers` gets the span's `traceparent`. */
export async function inClientSpan<T>(
  tracer: Tracer,
  name: string,
  headers: Record<string, string>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
    propagation.inject(context.active(), headers);
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active span's ids for log lines, if a span is active. */
export function traceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (span === undefined || !trace.isSpanContextValid(span)) return undefined;
  return { trace_id: span.traceId, span_id: span.spanId };
}
