package hubspoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Sidecar errors:
//
//	ErrDapr              the sidecar did not do what was asked (unreachable, an HTTP error)
//	├── ErrTooLarge      an event's data is over MaxMessageBytes; nothing was published
//	└── ErrEtagMismatch  a first-write save lost its race (the key exists / changed)
var (
	ErrDapr         = errors.New("dapr sidecar")
	ErrTooLarge     = fmt.Errorf("%w: message too large", ErrDapr)
	ErrEtagMismatch = fmt.Errorf("%w: etag mismatch", ErrDapr)
)

// StateItem is a stored value with its ETag.
type StateItem struct {
	Value json.RawMessage
	ETag  string
}

// DaprPort is what an agent asks of its sidecar: publish and state, the only
// Dapr APIs the agents' role allows (dapr-config/agent.yaml). Tests swap in a fake.
type DaprPort interface {
	// Publish sends data (marshalled to JSON) on topic; metadata goes to Dapr as is (e.g. cloudevent.id).
	Publish(ctx context.Context, pubsub, topic string, data any, metadata map[string]string) error
	// GetState is the item under key, or nil when there is none.
	GetState(ctx context.Context, store, key string) (*StateItem, error)
	// SaveState stores value under key; with firstWrite, only if the key is absent (etag "")
	// or unchanged since read, else ErrEtagMismatch; ttl 0 keeps it.
	SaveState(ctx context.Context, store, key string, value any, etag string, firstWrite bool, ttl time.Duration) error
}

// Sidecar is DaprPort over the sidecar's HTTP API on 127.0.0.1, with
// dapr-api-token and the trace context on every call. With a Signer, every
// message goes out as the app's own signed CloudEvent (signatures.go).
type Sidecar struct {
	Signer *EventSigner // nil: published unsigned, in Dapr's own envelope
	base   string
	token  string
	client *http.Client
	tracer trace.Tracer
}

// NewSidecar talks to the sidecar on port, presenting token.
func NewSidecar(port int, token string) *Sidecar {
	return &Sidecar{
		base:   "http://127.0.0.1:" + strconv.Itoa(port),
		token:  token,
		client: &http.Client{Timeout: 5 * time.Second},
		tracer: otel.Tracer("hubspoke/sidecar"),
	}
}

func (s *Sidecar) send(ctx context.Context, name, method, path string, body []byte) (int, []byte, http.Header, error) {
	return s.sendAs(ctx, name, method, path, body, "application/json")
}

func (s *Sidecar) sendAs(ctx context.Context, name, method, path string, body []byte, contentType string) (int, []byte, http.Header, error) {
	ctx, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %s: %v", ErrDapr, name, err)
	}
	if s.token != "" {
		req.Header.Set(AppTokenHeader, s.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	// Dapr carries this context on into the CloudEvents it publishes.
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	reply, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %s: sidecar unreachable (%v)", ErrDapr, name, err)
	}
	defer reply.Body.Close()
	span.SetAttributes(attribute.Int("http.response.status_code", reply.StatusCode))
	data, err := io.ReadAll(io.LimitReader(reply.Body, 4<<20))
	return reply.StatusCode, data, reply.Header, err
}

// Publish implements DaprPort.
func (s *Sidecar) Publish(ctx context.Context, pubsub, topic string, data any, metadata map[string]string) error {
	body, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDapr, err)
	}
	if len(body) > MaxMessageBytes {
		return fmt.Errorf("%w: a message of %d bytes for %s exceeds the limit of %d bytes", ErrTooLarge, len(body), topic, MaxMessageBytes)
	}
	contentType := "application/json"
	if s.Signer != nil {
		// Our own envelope: Dapr keeps a CloudEvent's extension attributes, and the
		// envelope's id is the one the metadata asked for.
		event, err := s.Signer.Envelope(topic, body, metadata["cloudevent.id"])
		if err != nil {
			return fmt.Errorf("%w: %v", ErrDapr, err)
		}
		if body, err = json.Marshal(event); err != nil {
			return fmt.Errorf("%w: %v", ErrDapr, err)
		}
		contentType = "application/cloudevents+json"
	}
	query := url.Values{}
	for k, v := range metadata {
		if s.Signer == nil || k != "cloudevent.id" {
			query.Set("metadata."+k, v)
		}
	}
	path := "/v1.0/publish/" + url.PathEscape(pubsub) + "/" + url.PathEscape(topic)
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	status, reply, _, err := s.sendAs(ctx, "publish "+topic, http.MethodPost, path, body, contentType)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("%w: publishing to %s/%s: HTTP %d %s", ErrDapr, pubsub, topic, status, reply)
	}
	return nil
}

// GetState implements DaprPort.
func (s *Sidecar) GetState(ctx context.Context, store, key string) (*StateItem, error) {
	path := "/v1.0/state/" + url.PathEscape(store) + "/" + url.PathEscape(key)
	status, reply, header, err := s.send(ctx, "state get", http.MethodGet, path, nil)
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusNoContent:
		return nil, nil
	case status >= 300:
		return nil, fmt.Errorf("%w: reading %s/%s: HTTP %d %s", ErrDapr, store, key, status, reply)
	}
	return &StateItem{Value: reply, ETag: header.Get("ETag")}, nil
}

// SaveState implements DaprPort.
func (s *Sidecar) SaveState(ctx context.Context, store, key string, value any, etag string, firstWrite bool, ttl time.Duration) error {
	item := map[string]any{"key": key, "value": value}
	if etag != "" {
		item["etag"] = etag
	}
	if ttl > 0 {
		item["metadata"] = map[string]string{"ttlInSeconds": strconv.Itoa(int(ttl.Seconds()))}
	}
	if firstWrite {
		// first-write without an ETag means "insert only if absent" in Dapr's stores.
		item["options"] = map[string]string{"concurrency": "first-write"}
	}
	body, err := json.Marshal([]any{item})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDapr, err)
	}
	status, reply, _, err := s.send(ctx, "state save", http.MethodPost, "/v1.0/state/"+url.PathEscape(store), body)
	switch {
	case err != nil:
		return err
	case status == http.StatusConflict:
		return fmt.Errorf("%w: %s/%s changed since it was read", ErrEtagMismatch, store, key)
	case status >= 300 && firstWrite && etag == "" && status == http.StatusInternalServerError:
		// state.redis answers a lost create-only race with a plain 500: the key existing
		// now is what tells the conflict from a failure (as chassis/dapr.py does).
		if held, getErr := s.GetState(ctx, store, key); getErr == nil && held != nil {
			return fmt.Errorf("%w: %s/%s was created meanwhile", ErrEtagMismatch, store, key)
		}
		fallthrough
	case status >= 300:
		return fmt.Errorf("%w: saving %s/%s: HTTP %d %s", ErrDapr, store, key, status, reply)
	}
	return nil
}

// WaitUntilReady waits until the sidecar's outbound side is up (components
// loaded, GET /v1.0/healthz/outbound answers 2xx), at most limit.
func (s *Sidecar) WaitUntilReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v1.0/healthz/outbound", nil)
		if reply, err := s.client.Do(req); err == nil {
			reply.Body.Close()
			if reply.StatusCode < 300 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: sidecar not ready after %s", ErrDapr, limit)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
