package hubspoke

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
)

// Registrar announces one agent instance on agents.registry.<app-id>: register
// at start, a heartbeat every interval (with the card, so an orchestrator that
// lost the record gets it back), deregister on shutdown (chassis/registration.py).
type Registrar struct {
	Dapr       DaprPort
	PubSub     string
	AppID      string
	Card       json.RawMessage
	Interval   time.Duration
	Log        *slog.Logger
	InstanceID string // one per process; Run sets a random one when empty
}

// Message is the registration message of kind this instance sends now.
func (r *Registrar) Message(kind string) RegistrationMessage {
	card := r.Card
	if kind == "deregister" {
		card = json.RawMessage("null")
	}
	return RegistrationMessage{
		Kind: kind, AppID: r.AppID, InstanceID: r.InstanceID, Card: card,
		SentAt: time.Now().UTC().Format(time.RFC3339Nano),
	}
}

func (r *Registrar) send(ctx context.Context, kind string) error {
	return r.Dapr.Publish(ctx, r.PubSub, RegistryTopic(r.AppID), r.Message(kind), nil)
}

// Run registers, then heartbeats until ctx ends, then deregisters (3 s at most).
func (r *Registrar) Run(ctx context.Context) {
	if r.InstanceID == "" {
		r.InstanceID = a2a.NewID()
	}
	kind := "register"
	for {
		if err := r.send(ctx, kind); err != nil {
			// Keep trying: the orchestrator learns of us at the next beat that gets through.
			r.Log.Warn("registration not published", "kind", kind, "err", err.Error())
		} else {
			kind = "heartbeat"
		}
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
			defer cancel()
			if err := r.send(final, "deregister"); err != nil {
				r.Log.Warn("deregistration not published", "err", err.Error())
			}
			return
		case <-time.After(r.Interval):
		}
	}
}
