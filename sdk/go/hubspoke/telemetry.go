package hubspoke

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// StartTelemetry installs the global tracer provider and the W3C propagator:
// spans go over OTLP/HTTP (protobuf, as the Python services send) to
// settings.OTLPEndpoint (the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT and
// adds /v1/traces); without it spans still exist, so logs carry trace ids.
// The resource names the service by its Dapr app-id, as the sidecars do.
// The returned function exports what is left and stops.
func StartTelemetry(ctx context.Context, s Settings, version string) (func(context.Context) error, error) {
	// The SDK's own attributes (telemetry.sdk.language...) tell an app's spans from its sidecar's.
	named, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName(s.AppID), semconv.ServiceVersion(version)))
	if err != nil {
		return nil, err
	}
	options := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithResource(named),
	}
	if s.OTLPEndpoint != "" {
		exporter, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, err
		}
		options = append(options, sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(s.SpanExportDelay)))
	}
	provider := sdktrace.NewTracerProvider(options...)
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return provider.Shutdown, nil
}

// TraceRequests gives every request but /healthz a SERVER span that continues
// the traceparent its caller's sidecar sent (invocations and pub/sub
// deliveries alike). Only the app's own sidecar gets this far (the app-token
// check runs first), so every caller is trusted to continue its trace.
func TraceRequests(next http.Handler) http.Handler {
	tracer := otel.Tracer("hubspoke/edge")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == HealthPath {
			next.ServeHTTP(w, r)
			return
		}
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithTimestamp(time.Now()))
		defer span.End()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(recorder, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", recorder.status))
		if recorder.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(recorder.status))
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
