package hubspoke

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/gowebpki/jcs"
)

// SignCard is card (A2A AgentCard JSON) with one more signature, by this key
// (A2A 1.0 "Agent Card Signing": a JWS with detached payload over the RFC 8785
// canonical card). The payload is what the hub's a2a-sdk (a2a.utils.signing)
// verifies: the card without signatures and without empty strings, lists and
// objects; the protected header is {"alg":"EdDSA","kid":<kid>,"typ":"JOSE"}, as
// chassis/card_signing.py writes it. The card must be in proto JSON form, as the
// hub reads it: a field at its proto default (a non-optional false, 0) is left
// out, else the hub's canonical form differs and it refuses the signature.
// An error means card is not a JSON object.
func (s *EventSigner) SignCard(card json.RawMessage) (json.RawMessage, error) {
	var fields map[string]any
	if err := json.Unmarshal(card, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("the card is not a JSON object: %v", err)
	}
	previous, _ := fields["signatures"].([]any)
	delete(fields, "signatures")
	unsigned, err := json.Marshal(withoutEmpty(fields))
	if err != nil {
		return nil, err
	}
	payload, err := jcs.Transform(unsigned)
	if err != nil {
		return nil, fmt.Errorf("the card has no canonical JSON form: %w", err)
	}
	header, err := json.Marshal(map[string]string{"alg": "EdDSA", "kid": s.Kid, "typ": "JOSE"})
	if err != nil {
		return nil, err
	}
	protected := base64.RawURLEncoding.EncodeToString(header)
	input := protected + "." + base64.RawURLEncoding.EncodeToString(payload)
	signature := base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.key, []byte(input)))
	fields["signatures"] = append(previous, map[string]string{"protected": protected, "signature": signature})
	return json.Marshal(fields)
}

// withoutEmpty is value without empty strings, lists and objects (and nulls),
// recursively, as a2a.utils.signing cleans a card before canonicalising it; nil = empty.
func withoutEmpty(value any) any {
	switch v := value.(type) {
	case map[string]any:
		kept := map[string]any{}
		for key, item := range v {
			if cleaned := withoutEmpty(item); cleaned != nil {
				kept[key] = cleaned
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return kept
	case []any:
		kept := []any{}
		for _, item := range v {
			if cleaned := withoutEmpty(item); cleaned != nil {
				kept = append(kept, cleaned)
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return kept
	case string:
		if v == "" {
			return nil
		}
	}
	return value
}
