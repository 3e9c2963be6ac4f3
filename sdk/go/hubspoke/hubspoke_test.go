package hubspoke

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
)

func TestPathAmbiguity(t *testing.T) {
	refused := []string{"/a%2Fb", "/a%2fb", "/a%5Cb", "/a%252Fb", "/x%2F%2E%2E%2Fhealthz", "/%68ealthz",
		"/healthz%23x", "/healthz%3Fx", "/a/../b", "/a//b", "/a/", `/a\b`, "/a%zz", "/a%0a", "a"}
	for _, path := range refused {
		if PathAmbiguity(path) == "" {
			t.Errorf("%s: accepted", path)
		}
	}
	for _, path := range []string{"/", "/a2a", "/events/pubsub/agent.requests.calendar", "/a%20b", "/caf%C3%A9"} {
		if reason := PathAmbiguity(path); reason != "" {
			t.Errorf("%s: refused (%s)", path, reason)
		}
	}
}

func TestLoadSettings(t *testing.T) {
	env := map[string]string{"APP_PORT": "9000", "HUBSPOKE_ASYNC_WORK": "off", "HUBSPOKE_HEARTBEAT_SECONDS": "0.5"}
	s, err := LoadSettings(func(k string) string { return env[k] }, "calendar", 8005)
	if err != nil || s.AppPort != 9000 || s.AsyncWork || s.Heartbeat != 500*time.Millisecond || s.AppID != "calendar" {
		t.Fatalf("%+v %v", s, err)
	}
	for name, value := range map[string]string{"APP_PORT": "http", "HUBSPOKE_SELF_REGISTER": "maybe", "APP_ID": "Not_An_Id"} {
		_, err := LoadSettings(func(k string) string {
			if k == name {
				return value
			}
			return ""
		}, "calendar", 8005)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, value, err)
		}
	}
}

// fakeDapr is DaprPort in memory: a state store with ETags, and the messages published.
type fakeDapr struct {
	mu        sync.Mutex
	state     map[string]json.RawMessage
	etags     map[string]int
	published []string // topic of each publish
	failSave  bool
}

func newFake() *fakeDapr {
	return &fakeDapr{state: map[string]json.RawMessage{}, etags: map[string]int{}}
}

func (f *fakeDapr) Publish(_ context.Context, _, topic string, _ any, _ map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published = append(f.published, topic)
	return nil
}

func (f *fakeDapr) GetState(_ context.Context, _, key string) (*StateItem, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.state[key]; ok {
		return &StateItem{Value: v, ETag: string(rune('0' + f.etags[key]))}, nil
	}
	return nil, nil
}

func (f *fakeDapr) SaveState(_ context.Context, _, key string, value any, etag string, firstWrite bool, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSave {
		return ErrDapr
	}
	_, exists := f.state[key]
	if firstWrite && ((etag == "" && exists) || (etag != "" && etag != string(rune('0'+f.etags[key])))) {
		return ErrEtagMismatch
	}
	data, _ := json.Marshal(value)
	f.state[key] = data
	f.etags[key]++
	return nil
}

type countingSender struct{ calls int }

func (c *countingSender) SendMessage(_ context.Context, req *a2a.SendMessageRequest) (*a2a.Task, *a2a.Error) {
	c.calls++
	return &a2a.Task{ID: "t", ContextID: req.Message.ContextID, Status: a2a.TaskStatus{State: a2a.TaskStateCompleted}}, nil
}

func work(agent string) json.RawMessage {
	return json.RawMessage(`{"taskId":"task-1","stepId":"` + strings.Repeat("ab", 16) + `","agent":"` + agent +
		`","deadline":"2030-01-01T00:00:00Z","request":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"x"}]}}}`)
}

func inbox(dapr DaprPort, sender MessageSender) *Inbox {
	// Signatures off here: signatures_test.go checks them.
	return &Inbox{Dapr: dapr, Sender: sender, Store: "statestore", PubSub: "pubsub", AppID: "calendar",
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Verifier: &EventVerifier{}, Hub: "orchestrator"}
}

func TestInboxAnswersOncePerMessage(t *testing.T) {
	dapr, sender := newFake(), &countingSender{}
	in := inbox(dapr, sender)
	for range 2 {
		if status := in.Handle(context.Background(), CloudEvent{ID: "e1", Data: work("calendar")}); status != DeliverySuccess {
			t.Fatalf("status %s", status)
		}
	}
	if sender.calls != 1 || len(dapr.published) != 2 || dapr.published[1] != "agent.results.calendar" {
		t.Fatalf("worked %d times, published %v", sender.calls, dapr.published)
	}
}

func TestInboxLeavesClaimedWorkToItsHolder(t *testing.T) {
	dapr, sender := newFake(), &countingSender{}
	held, release, err := Claims{Dapr: dapr, Store: "statestore"}.Hold(context.Background(), "e1")
	if !held || err != nil {
		t.Fatalf("claim: %v %v", held, err)
	}
	defer release()
	if status := inbox(dapr, sender).Handle(context.Background(), CloudEvent{ID: "e1", Data: work("calendar")}); status != DeliveryRetry {
		t.Fatalf("status %s, want RETRY while another delivery holds the claim", status)
	}
	if sender.calls != 0 {
		t.Fatal("worked on a claimed message")
	}
}

func TestInboxDropsAndRetries(t *testing.T) {
	dapr, sender := newFake(), &countingSender{}
	in := inbox(dapr, sender)
	for name, event := range map[string]CloudEvent{
		"not work":    {ID: "e", Data: json.RawMessage(`"hello"`)},
		"other agent": {ID: "e", Data: work("units")},
		"no event id": {Data: work("calendar")},
		"bad step id": {ID: "e", Data: json.RawMessage(strings.Replace(string(work("calendar")), "abab", "zz", 1))},
	} {
		if status := in.Handle(context.Background(), event); status != DeliveryDrop {
			t.Errorf("%s: %s, want DROP", name, status)
		}
	}
	dapr.failSave = true
	if status := in.Handle(context.Background(), CloudEvent{ID: "e2", Data: work("calendar")}); status != DeliveryRetry {
		t.Errorf("store down: %s, want RETRY", status)
	}
}

func TestRegistrarSendsRegisterHeartbeatDeregister(t *testing.T) {
	dapr := newFake()
	r := &Registrar{Dapr: dapr, PubSub: "pubsub", AppID: "calendar", Card: json.RawMessage(`{}`),
		Interval: 10 * time.Millisecond, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	if len(dapr.published) < 3 || dapr.published[0] != "agents.registry.calendar" {
		t.Fatalf("published %v", dapr.published)
	}
	if msg := r.Message("deregister"); string(msg.Card) != "null" || msg.InstanceID == "" {
		t.Fatalf("deregister message %+v", msg)
	}
}

func TestTelemetryNamesTheServiceAndTheSDK(t *testing.T) {
	// The launcher's receiver tells an app's spans from its sidecar's by telemetry.sdk.language.
	shutdown, err := StartTelemetry(context.Background(), Settings{AppID: "calendar"}, "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()
	_, span := otel.Tracer("test").Start(context.Background(), "probe")
	span.End()
	attributes := span.(interface{ Resource() *resource.Resource }).Resource().Set()
	for key, want := range map[string]string{"service.name": "calendar", "telemetry.sdk.language": "go"} {
		if got, ok := attributes.Value(attribute.Key(key)); !ok || got.AsString() != want {
			t.Errorf("%s = %q, want %q", key, got.AsString(), want)
		}
	}
}
