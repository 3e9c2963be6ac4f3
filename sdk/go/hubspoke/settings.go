// Package hubspoke is what every Go agent of Hubspoke shares: its settings,
// the hubspoke.agent/v2 contract (topics, registration, work and result
// messages), its sidecar's HTTP API, the pub/sub inbox, registration and
// heartbeats, the raw-path guard, tracing and JSON logs, and the HTTP edge
// that puts them together. The Python chassis (chassis/) and the TypeScript
// units agent do the same; the names and rules are theirs.
package hubspoke

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Settings are the agent's settings, read from the environment in this one place.
// The names are the Python chassis's (chassis/settings.py), so the launcher,
// dapr.yaml and the k8s manifests configure a Go agent as any other.
type Settings struct {
	AppID             string        // APP_ID: the agent's Dapr app-id
	AppPort           int           // APP_PORT: the port its sidecar calls it on
	AppHost           string        // HUBSPOKE_APP_HOST: the address it listens on (0.0.0.0 in containers)
	LogLevel          string        // HUBSPOKE_LOG_LEVEL: DEBUG, INFO, WARNING, ERROR
	MaxRequestBytes   int64         // HUBSPOKE_MAX_REQUEST_BYTES: larger bodies get 413
	AppAPIToken       string        // APP_API_TOKEN: the token daprd presents; "" = no check (tests only)
	DaprHTTPPort      int           // DAPR_HTTP_PORT: the sidecar's HTTP port
	DaprAPIToken      string        // DAPR_API_TOKEN: the token the app presents to its sidecar
	PubSub            string        // HUBSPOKE_PUBSUB: the pub/sub component
	StateStore        string        // HUBSPOKE_STATE_STORE: the state store of the inbox's records
	SelfRegister      bool          // HUBSPOKE_SELF_REGISTER: announce on agents.registry.<app-id>
	Heartbeat         time.Duration // HUBSPOKE_HEARTBEAT_SECONDS: between heartbeats
	Owner             string        // HUBSPOKE_AGENT_OWNER: the card's provider.organization and owner
	ProviderURL       string        // HUBSPOKE_PROVIDER_URL: the card's provider.url
	AsyncWork         bool          // HUBSPOKE_ASYNC_WORK: take work from agent.requests.<app-id>
	OTLPEndpoint      string        // OTEL_EXPORTER_OTLP_ENDPOINT: OTLP/HTTP base URL; "" = export nothing
	SpanExportDelay   time.Duration // OTEL_BSP_SCHEDULE_DELAY (ms): how long spans wait to be batched
	SidecarWaitLimit  time.Duration // how long to wait for the sidecar's outbound side at start (60 s)
	SigningKey        string        // HUBSPOKE_SIGNING_KEY: Ed25519 private key (base64url, raw) signing what it publishes and its card; "" = unsigned
	SigningPublicKeys string        // HUBSPOKE_SIGNING_PUBLIC_KEYS: JSON object, app id -> public key (base64url, raw)
	VerifySignatures  bool          // HUBSPOKE_VERIFY_SIGNATURES: refuse work the hub did not sign
	HubAppID          string        // HUBSPOKE_HUB_APP_ID: the app-id whose key signs work
}

var appIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// LoadSettings reads the settings from getenv (os.Getenv in main); defaultAppID
// and defaultPort apply when APP_ID / APP_PORT are unset. An unreadable value
// is an error naming the variable: the process must not start with it.
func LoadSettings(getenv func(string) string, defaultAppID string, defaultPort int) (Settings, error) {
	r := reader{getenv: getenv}
	s := Settings{
		AppID:             r.text("APP_ID", r.text("HUBSPOKE_APP_ID", defaultAppID)),
		AppPort:           r.integer("APP_PORT", r.integer("HUBSPOKE_APP_PORT", defaultPort, 1, 65535), 1, 65535),
		AppHost:           r.text("HUBSPOKE_APP_HOST", "127.0.0.1"),
		LogLevel:          strings.ToUpper(r.text("HUBSPOKE_LOG_LEVEL", "INFO")),
		MaxRequestBytes:   int64(r.integer("HUBSPOKE_MAX_REQUEST_BYTES", 1<<20, 1024, 1<<30)),
		AppAPIToken:       getenv("APP_API_TOKEN"),
		DaprHTTPPort:      r.integer("DAPR_HTTP_PORT", 3500, 1, 65535),
		DaprAPIToken:      getenv("DAPR_API_TOKEN"),
		PubSub:            r.text("HUBSPOKE_PUBSUB", "pubsub"),
		StateStore:        r.text("HUBSPOKE_STATE_STORE", "statestore"),
		SelfRegister:      r.flag("HUBSPOKE_SELF_REGISTER", true),
		Heartbeat:         time.Duration(r.number("HUBSPOKE_HEARTBEAT_SECONDS", 5, 0.1, 300) * float64(time.Second)),
		Owner:             r.text("HUBSPOKE_AGENT_OWNER", "hubspoke"),
		ProviderURL:       r.text("HUBSPOKE_PROVIDER_URL", "https://github.com/hubspoke/hubspoke"),
		AsyncWork:         r.flag("HUBSPOKE_ASYNC_WORK", true),
		OTLPEndpoint:      getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
		SpanExportDelay:   time.Duration(r.number("OTEL_BSP_SCHEDULE_DELAY", 5000, 0, 600000) * float64(time.Millisecond)),
		SidecarWaitLimit:  60 * time.Second,
		SigningKey:        getenv("HUBSPOKE_SIGNING_KEY"),
		SigningPublicKeys: r.text("HUBSPOKE_SIGNING_PUBLIC_KEYS", "{}"),
		VerifySignatures:  r.flag("HUBSPOKE_VERIFY_SIGNATURES", true),
		HubAppID:          r.text("HUBSPOKE_HUB_APP_ID", "orchestrator"),
	}
	if r.err == nil && !appIDPattern.MatchString(s.AppID) {
		r.err = fmt.Errorf("APP_ID %q is not a Dapr app-id", s.AppID)
	}
	return s, r.err
}

// reader keeps the first error, so LoadSettings reads like a list.
type reader struct {
	getenv func(string) string
	err    error
}

func (r *reader) text(name, fallback string) string {
	if v := r.getenv(name); v != "" {
		return v
	}
	return fallback
}

func (r *reader) number(name string, fallback, lo, hi float64) float64 {
	raw := r.getenv(name)
	if raw == "" {
		return fallback
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || v < lo || v > hi {
		r.fail(fmt.Errorf("%s must be a number in [%g, %g], got %q", name, lo, hi, raw))
		return fallback
	}
	return v
}

func (r *reader) integer(name string, fallback, lo, hi int) int {
	v := r.number(name, float64(fallback), float64(lo), float64(hi))
	if v != float64(int(v)) {
		r.fail(fmt.Errorf("%s must be a whole number, got %q", name, r.getenv(name)))
	}
	return int(v)
}

func (r *reader) flag(name string, fallback bool) bool {
	switch strings.ToLower(r.getenv(name)) {
	case "":
		return fallback
	// pydantic's spellings, so one variable means the same to every agent.
	case "1", "true", "yes", "on", "t", "y":
		return true
	case "0", "false", "no", "off", "f", "n":
		return false
	}
	r.fail(fmt.Errorf("%s must be true or false, got %q", name, r.getenv(name)))
	return fallback
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Environ is os.Getenv, for LoadSettings in main.
var Environ = os.Getenv
