package hubspoke

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// NewLogger writes JSON lines in the shape the Python services write
// (chassis/logs.py): ts, level, service, logger, msg, and trace_id/span_id of
// the active span. secrets (the app's tokens, 8+ characters) are replaced by
// [redacted] wherever they appear in a line.
func NewLogger(out io.Writer, service, level string, secrets ...string) *slog.Logger {
	var lvl slog.Level
	switch strings.ToUpper(level) {
	case "DEBUG":
		lvl = slog.LevelDebug
	case "WARNING", "WARN":
		lvl = slog.LevelWarn
	case "ERROR", "CRITICAL":
		lvl = slog.LevelError
	}
	kept := []string{}
	for _, s := range secrets {
		if len(s) >= 8 {
			kept = append(kept, s)
		}
	}
	json := slog.NewJSONHandler(&redacting{out: out, secrets: kept}, &slog.HandlerOptions{
		Level: lvl,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				a.Key, a.Value = "ts", slog.StringValue(a.Value.Time().UTC().Format("2006-01-02T15:04:05.000Z07:00"))
			case slog.LevelKey:
				if a.Value.Any().(slog.Level) == slog.LevelWarn {
					a.Value = slog.StringValue("WARNING") // the Python level name
				}
			}
			return a
		},
	})
	return slog.New(traceHandler{json}).With("service", service)
}

// traceHandler adds the active span's ids to every record.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if span := trace.SpanContextFromContext(ctx); span.IsValid() {
		r.AddAttrs(slog.String("trace_id", span.TraceID().String()), slog.String("span_id", span.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

// redacting censors secrets in each line before it is written.
type redacting struct {
	mu      sync.Mutex
	out     io.Writer
	secrets []string
}

func (w *redacting) Write(line []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	censored := line
	for _, s := range w.secrets {
		censored = bytes.ReplaceAll(censored, []byte(s), []byte("[redacted]"))
	}
	if _, err := w.out.Write(censored); err != nil {
		return 0, err
	}
	return len(line), nil
}
