package hubspoke

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The fixed key (bytes 0..31) and what chassis/signatures.py signs with it
// (tests/unit/chassis, agents/units/src/signatures.test.ts): Ed25519 is
// deterministic, so every language must produce these exact strings.
const (
	vectorPrivate   = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	vectorPublic    = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
	vectorSignature = "7pO3VdxjQ5Kfako1i8m7pkMg9TJC8K0ZPn0Nn98c-OU8qBCcjxh3uhhYymX-OoMhbAoUOyrP97LuJJ2z9OsXBQ"
	vectorTopic     = "agent.requests.units"
	vectorData      = `{"a": 1.5, "é": [true, null, "x"], "n": 10}`
)

func vectorSigner(t *testing.T, appID, key string) *EventSigner {
	t.Helper()
	signer, err := NewEventSigner(appID, key)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func envelopeJSON(t *testing.T, signer *EventSigner, topic, data, id string) json.RawMessage {
	t.Helper()
	event, err := signer.Envelope(topic, json.RawMessage(data), id)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(event)
	return raw
}

func vectorVerifier(t *testing.T) *EventVerifier {
	t.Helper()
	verifier, err := NewEventVerifier(`{"orchestrator":"`+vectorPublic+`"}`, true)
	if err != nil {
		t.Fatal(err)
	}
	return verifier
}

func TestSignsExactlyAsThePythonChassis(t *testing.T) {
	signer := vectorSigner(t, "orchestrator", vectorPrivate)
	event, err := signer.Envelope(vectorTopic, json.RawMessage(vectorData), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if signer.Kid != "orchestrator:56475aa75463474c" {
		t.Errorf("kid %s", signer.Kid)
	}
	if event[SignatureAttribute] != vectorSignature || event[KidAttribute] != signer.Kid || event["id"] != "m1" {
		t.Errorf("envelope %v", event)
	}
	if refused := vectorVerifier(t).Refusal(envelopeJSON(t, signer, vectorTopic, vectorData, "m1"), "orchestrator", vectorTopic); refused != "" {
		t.Error(refused)
	}
}

func TestRefusesChangedReplayedUnsignedOrForeignMessages(t *testing.T) {
	verifier := vectorVerifier(t)
	signed := envelopeJSON(t, vectorSigner(t, "orchestrator", vectorPrivate), vectorTopic, vectorData, "m1")
	changed := strings.Replace(string(signed), `"n":10`, `"n":11`, 1)
	other := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("\x07", 32)))
	for name, c := range map[string]struct {
		event          string
		producer, want string
	}{
		"changed":      {changed, "orchestrator", "changed after signing"},
		"replayed":     {string(signed), "orchestrator", "signature: not"},
		"unsigned":     {`{"id":"m1","data":{}}`, "orchestrator", "signature: none"},
		"unknown app":  {string(signed), "calculator", `no public key known for "calculator"`},
		"another key":  {string(envelopeJSON(t, vectorSigner(t, "orchestrator", other), vectorTopic, vectorData, "m1")), "orchestrator", "another key"},
		"not an event": {`[1]`, "orchestrator", "not a CloudEvent"},
	} {
		topic := vectorTopic
		if name == "replayed" {
			topic = "agent.requests.calculator"
		}
		if refused := verifier.Refusal(json.RawMessage(c.event), c.producer, topic); !strings.Contains(refused, c.want) {
			t.Errorf("%s: %q, want %q", name, refused, c.want)
		}
	}
	if refused := (&EventVerifier{}).Refusal(json.RawMessage(`{}`), "orchestrator", vectorTopic); refused != "" {
		t.Errorf("off: %s", refused)
	}
	if refused := (*EventVerifier)(nil).Refusal(signed, "orchestrator", vectorTopic); refused == "" {
		t.Error("a nil verifier accepted a message")
	}
}

func TestRefusesKeysThatAreNotRawEd25519(t *testing.T) {
	if _, err := NewEventSigner("units", "c2hvcnQ"); !errors.Is(err, ErrKey) {
		t.Errorf("short private key: %v", err)
	}
	for _, keys := range []string{`{"units":"c2hvcnQ"}`, `["x"]`, `{`} {
		if _, err := NewEventVerifier(keys, true); !errors.Is(err, ErrKey) {
			t.Errorf("%s: %v", keys, err)
		}
	}
}

func TestSignsTheCardOverItsCanonicalFormWithoutEmptyValues(t *testing.T) {
	signer := vectorSigner(t, "calendar", vectorPrivate)
	card := json.RawMessage(`{"name":"c","description":"d","skills":[],"provider":{"url":""},"signatures":[]}`)
	signed, err := signer.SignCard(card)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Signatures []struct{ Protected, Signature string }
	}
	_ = json.Unmarshal(signed, &got)
	if len(got.Signatures) != 1 {
		t.Fatalf("signatures %s", signed)
	}
	header, _ := base64.RawURLEncoding.DecodeString(got.Signatures[0].Protected)
	if string(header) != `{"alg":"EdDSA","kid":"`+signer.Kid+`","typ":"JOSE"}` {
		t.Errorf("header %s", header)
	}
	// Empty values and signatures are not signed; a changed field is.
	same, _ := signer.SignCard(json.RawMessage(`{"description":"d","name":"c"}`))
	changed, _ := signer.SignCard(json.RawMessage(`{"description":"e","name":"c"}`))
	if !strings.Contains(string(same), got.Signatures[0].Signature) || strings.Contains(string(changed), got.Signatures[0].Signature) {
		t.Errorf("the signature does not cover exactly the card's non-empty fields")
	}
}

func TestInboxDropsWorkTheHubDidNotSign(t *testing.T) {
	hub := vectorSigner(t, "orchestrator", vectorPrivate)
	topic := RequestsTopic("calendar")
	data := string(work("calendar"))
	other := vectorSigner(t, "units", base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("\x07", 32))))
	for name, c := range map[string]struct {
		event json.RawMessage
		want  DeliveryStatus
	}{
		"signed by the hub":      {envelopeJSON(t, hub, topic, data, "e1"), DeliverySuccess},
		"unsigned":               {json.RawMessage(`{"id":"e1","data":` + data + `}`), DeliveryDrop},
		"signed by another app":  {envelopeJSON(t, other, topic, data, "e1"), DeliveryDrop},
		"signed for other topic": {envelopeJSON(t, hub, RequestsTopic("units"), data, "e1"), DeliveryDrop},
	} {
		var event CloudEvent
		if err := json.Unmarshal(c.event, &event); err != nil {
			t.Fatal(err)
		}
		dapr := newFake()
		in := inbox(dapr, &countingSender{})
		in.Verifier = vectorVerifier(t)
		if status := in.Handle(context.Background(), event); status != c.want {
			t.Errorf("%s: %s, want %s", name, status, c.want)
		}
	}
}

func TestPublishSendsTheAppsOwnSignedCloudEvent(t *testing.T) {
	var contentType string
	var body []byte
	sidecar, stop := recordingSidecar(t, func(ct string, b []byte) { contentType, body = ct, b })
	defer stop()
	sidecar.Signer = vectorSigner(t, "orchestrator", vectorPrivate)
	if err := sidecar.Publish(context.Background(), "pubsub", vectorTopic, json.RawMessage(vectorData), map[string]string{"cloudevent.id": "m1"}); err != nil {
		t.Fatal(err)
	}
	if contentType != "application/cloudevents+json" {
		t.Errorf("content type %q", contentType)
	}
	if refused := vectorVerifier(t).Refusal(body, "orchestrator", vectorTopic); refused != "" || !strings.Contains(string(body), vectorSignature) {
		t.Errorf("published %s: %s", body, refused)
	}
}

// recordingSidecar is a Sidecar whose "daprd" is an HTTP server that records each request.
func recordingSidecar(t *testing.T, record func(contentType string, body []byte)) (*Sidecar, func()) {
	t.Helper()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		record(r.Header.Get("Content-Type"), body)
		w.WriteHeader(http.StatusNoContent)
	}))
	sidecar := NewSidecar(8080, "")
	sidecar.base = server.URL
	return sidecar, server.Close
}

func TestServeSigningReadsTheKeysOfTheSettings(t *testing.T) {
	env := map[string]string{
		"APP_ID": "calendar", "HUBSPOKE_SIGNING_KEY": vectorPrivate, "HUBSPOKE_HUB_APP_ID": "hub",
		"HUBSPOKE_SIGNING_PUBLIC_KEYS": `{"hub":"` + vectorPublic + `"}`, "HUBSPOKE_VERIFY_SIGNATURES": "false",
	}
	s, err := LoadSettings(func(k string) string { return env[k] }, "calendar", 8005)
	if err != nil || s.HubAppID != "hub" || s.VerifySignatures || s.SigningKey != vectorPrivate {
		t.Fatalf("settings %+v, %v", s, err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	sidecar := NewSidecar(3500, "")
	verifier, card, err := signing(s, sidecar, json.RawMessage(`{"name":"c"}`), log)
	if err != nil || verifier.Enabled || sidecar.Signer == nil || sidecar.Signer.Kid != "calendar:56475aa75463474c" ||
		!strings.Contains(string(card), `"signatures"`) {
		t.Errorf("signing: %v %v %s", err, verifier, card)
	}
	s.SigningKey = "c2hvcnQ"
	if _, _, err := signing(s, NewSidecar(3500, ""), card, log); !errors.Is(err, ErrKey) {
		t.Errorf("a short key started: %v", err)
	}
	s.SigningKey, s.SigningPublicKeys = "", "{"
	if _, _, err := signing(s, NewSidecar(3500, ""), card, log); !errors.Is(err, ErrKey) {
		t.Errorf("unreadable public keys started: %v", err)
	}
}
