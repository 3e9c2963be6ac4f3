package hubspoke

// Per-app Ed25519 signatures, the scheme of chassis/signatures.py and
// agents/units/src/signatures.ts (docs/security.md "Signatures"): a message's
// signature covers the RFC 8785 canonical JSON of {producer, topic, id, data}
// and travels in the CloudEvent extension attributes hubspokesig (base64url)
// and hubspokekid (<app-id>:<fingerprint>). Keys are raw Ed25519 keys in
// base64url, the d and x of a JWK (RFC 8037).

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gowebpki/jcs"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
)

// The CloudEvent extension attributes of a signature.
const (
	SignatureAttribute = "hubspokesig"
	KidAttribute       = "hubspokekid"
)

// ErrKey is a key setting that is set but cannot be read: the process must not start.
var ErrKey = errors.New("signing key")

func rawKey(encoded, what string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(encoded), "="))
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("%w: %s is not 32 bytes (base64url, raw)", ErrKey, what)
	}
	return raw, nil
}

// CanonicalEvent is the bytes a message's signature covers (RFC 8785); data is JSON.
// An error means data has no canonical form (not JSON, or a number JSON cannot carry).
func CanonicalEvent(producer, topic, id string, data json.RawMessage) ([]byte, error) {
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	signed, err := json.Marshal(map[string]any{"producer": producer, "topic": topic, "id": id, "data": data})
	if err != nil {
		return nil, err
	}
	return jcs.Transform(signed)
}

// EventSigner signs what AppID publishes, with its private key.
type EventSigner struct {
	AppID string
	Kid   string // <app-id>:<first 16 hex digits of SHA-256 of the raw public key>
	key   ed25519.PrivateKey
}

// NewEventSigner reads privateKey (HUBSPOKE_SIGNING_KEY: base64url raw seed); ErrKey if it is not one.
func NewEventSigner(appID, privateKey string) (*EventSigner, error) {
	seed, err := rawKey(privateKey, "HUBSPOKE_SIGNING_KEY")
	if err != nil {
		return nil, err
	}
	key := ed25519.NewKeyFromSeed(seed)
	fingerprint := sha256.Sum256(key.Public().(ed25519.PublicKey))
	return &EventSigner{AppID: appID, Kid: appID + ":" + hex.EncodeToString(fingerprint[:])[:16], key: key}, nil
}

// Envelope is a signed CloudEvent carrying data (JSON) for topic, to publish as
// application/cloudevents+json: Dapr keeps its extension attributes. id "" = a new one.
func (s *EventSigner) Envelope(topic string, data json.RawMessage, id string) (map[string]any, error) {
	if id == "" {
		id = a2a.NewID()
	}
	signed, err := CanonicalEvent(s.AppID, topic, id, data)
	if err != nil {
		return nil, fmt.Errorf("the message for %s has no canonical JSON form: %w", topic, err)
	}
	return map[string]any{
		"specversion": "1.0", "id": id, "source": s.AppID, "type": "com.dapr.event.sent",
		"datacontenttype": "application/json", "data": data,
		SignatureAttribute: base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.key, signed)),
		KidAttribute:       s.Kid,
	}, nil
}

// EventVerifier checks a delivered CloudEvent against its topic owner's public
// key (never a key the message names). Enabled false accepts every message.
type EventVerifier struct {
	keys    map[string]ed25519.PublicKey
	Enabled bool
}

// NewEventVerifier reads publicKeys (HUBSPOKE_SIGNING_PUBLIC_KEYS: a JSON object,
// app id -> base64url raw public key; "" = none); ErrKey if it is not one.
func NewEventVerifier(publicKeys string, enabled bool) (*EventVerifier, error) {
	listed := map[string]string{}
	if strings.TrimSpace(publicKeys) != "" {
		if err := json.Unmarshal([]byte(publicKeys), &listed); err != nil {
			return nil, fmt.Errorf("%w: HUBSPOKE_SIGNING_PUBLIC_KEYS is not a JSON object of app id -> key", ErrKey)
		}
	}
	v := &EventVerifier{keys: map[string]ed25519.PublicKey{}, Enabled: enabled}
	for appID, encoded := range listed {
		raw, err := rawKey(encoded, fmt.Sprintf("the public key of %q", appID))
		if err != nil {
			return nil, err
		}
		v.keys[appID] = raw
	}
	return v, nil
}

// Refusal is why event (a delivered CloudEvent as JSON) is not producer's signed
// message for topic, or "" when it is (or when checking is off). A nil verifier
// refuses everything: an inbox without one must not act on unchecked work.
func (v *EventVerifier) Refusal(event json.RawMessage, producer, topic string) string {
	if v == nil {
		return "signature: no verifier configured"
	}
	if !v.Enabled {
		return ""
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(event, &fields); err != nil || fields == nil {
		return "signature: the message is not a CloudEvent object"
	}
	var signature string
	if json.Unmarshal(fields[SignatureAttribute], &signature) != nil || signature == "" {
		return fmt.Sprintf("signature: none on a message of %q's topic %s", producer, topic)
	}
	key, known := v.keys[producer]
	if !known {
		return fmt.Sprintf("signature: no public key known for %q", producer)
	}
	var id any
	_ = json.Unmarshal(fields["id"], &id)
	raw, decodeErr := base64.RawURLEncoding.DecodeString(strings.TrimRight(signature, "="))
	signed, err := CanonicalEvent(producer, topic, pythonStr(id), fields["data"])
	if decodeErr == nil && err == nil && ed25519.Verify(key, signed, raw) {
		return ""
	}
	return fmt.Sprintf("signature: not %q's for this message on %s (signed by another key, or changed after signing)", producer, topic)
}

// pythonStr is the id as the signers read it (str(event.get("id")) in Python);
// only a string id can match what a signer signed.
func pythonStr(id any) string {
	if text, ok := id.(string); ok {
		return text
	}
	return fmt.Sprint(id)
}

// signing reads the keys in s: the sidecar signs what it publishes and the card
// is signed (both unsigned, with a warning, without HUBSPOKE_SIGNING_KEY); the
// verifier checks work. An unreadable key is an error: the process must not start.
func signing(s Settings, sidecar *Sidecar, card json.RawMessage, log *slog.Logger) (*EventVerifier, json.RawMessage, error) {
	verifier, err := NewEventVerifier(s.SigningPublicKeys, s.VerifySignatures)
	if err != nil {
		return nil, nil, err
	}
	if !s.VerifySignatures {
		log.Warn("HUBSPOKE_VERIFY_SIGNATURES is off: work is taken without checking who signed it")
	}
	if s.SigningKey == "" {
		log.Warn("no HUBSPOKE_SIGNING_KEY: messages and the card go out unsigned")
		return verifier, card, nil
	}
	signer, err := NewEventSigner(s.AppID, s.SigningKey)
	if err != nil {
		return nil, nil, err
	}
	if card, err = signer.SignCard(card); err != nil {
		return nil, nil, err
	}
	sidecar.Signer = signer
	return verifier, card, nil
}
