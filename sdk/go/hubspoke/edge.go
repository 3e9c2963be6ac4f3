package hubspoke

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// Problem answers status with an RFC 9457 problem JSON body.
func Problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail,
	})
}

// AppTokenGuard answers 401 for every path but /healthz unless the request
// carries the app token: a request without it did not come through the sidecar.
// An empty token turns the check off (tests only).
func AppTokenGuard(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		presented := r.Header.Get(AppTokenHeader)
		if token != "" && r.URL.Path != HealthPath && subtle.ConstantTimeCompare([]byte(presented), []byte(token)) != 1 {
			Problem(w, http.StatusUnauthorized, "this app accepts calls from its Dapr sidecar only (no or wrong app token)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Edge is what an agent's sidecar may reach, and nothing else:
//
//	GET  /healthz                      liveness (open: the sidecar and kubelet probe it)
//	GET  /.well-known/agent-card.json  the A2A card
//	POST /a2a                          A2A JSON-RPC 2.0
//	GET  /dapr/subscribe               the programmatic subscription (with an Inbox)
//	POST /events/<pubsub>/<topic>      work deliveries from the sidecar (with an Inbox)
//
// Errors leave as problem JSON; the raw-path guard runs first, then the app
// token check, then tracing.
type Edge struct {
	Settings Settings
	Version  string
	Card     json.RawMessage
	A2A      http.Handler
	Inbox    *Inbox // nil: no asynchronous work
	Log      *slog.Logger
}

// Handler is the edge as one http.Handler.
func (e Edge) Handler() http.Handler {
	mux := http.NewServeMux()
	health, _ := json.Marshal(map[string]string{"status": "ok", "app_id": e.Settings.AppID, "version": e.Version})
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, health) })
	mux.HandleFunc("GET "+CardPath, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, e.Card) })
	mux.Handle("POST "+A2APath, e.A2A)
	if e.Inbox != nil {
		topic := RequestsTopic(e.Settings.AppID)
		route := EventsRoute(e.Settings.PubSub, topic)
		subscription, _ := json.Marshal([]map[string]string{{
			"pubsubname": e.Settings.PubSub, "topic": topic, "route": route,
			"deadLetterTopic": DeadLetterTopic(e.Settings.AppID),
		}})
		mux.HandleFunc("GET "+SubscribePath, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, subscription) })
		mux.HandleFunc("POST "+route, e.deliver)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == A2APath {
			w.Header().Set("Allow", "POST")
			Problem(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s is not served; A2A JSON-RPC takes POST", r.Method, A2APath))
			return
		}
		Problem(w, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
	})
	return RawPathGuard(AppTokenGuard(e.Settings.AppAPIToken, TraceRequests(mux)))
}

func (e Edge) deliver(w http.ResponseWriter, r *http.Request) {
	var event CloudEvent
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, e.Settings.MaxRequestBytes)).Decode(&event); err != nil {
		// Not a CloudEvent at all: nothing to work on, ever.
		e.Log.WarnContext(r.Context(), "dropping an unreadable delivery", "err", err.Error())
		writeJSON(w, []byte(`{"status":"DROP"}`))
		return
	}
	status := e.Inbox.Handle(r.Context(), event)
	body, _ := json.Marshal(map[string]DeliveryStatus{"status": status})
	writeJSON(w, body)
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
