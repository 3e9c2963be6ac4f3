package hubspoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
)

// Orders are what a step's metadata asks: metadata.hubspoke = {deadline, skill}.
type Orders struct {
	Deadline time.Time // zero: none
	Skill    string    // "": the agent's only skill
}

// StepOrders reads the orders from the message's metadata (or the request's);
// an error says what is malformed (the step is then rejected).
func StepOrders(req *a2a.SendMessageRequest) (Orders, error) {
	var orders map[string]any
	for _, metadata := range []map[string]any{req.Message.Metadata, req.Metadata} {
		if found, ok := metadata["hubspoke"].(map[string]any); ok {
			orders = found
			break
		}
	}
	var o Orders
	if raw, ok := orders["deadline"]; ok {
		text, _ := raw.(string)
		deadline, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return o, errors.New("metadata.hubspoke.deadline must be an RFC 3339 time")
		}
		o.Deadline = deadline
	}
	if raw, ok := orders["skill"]; ok && raw != nil {
		skill, isText := raw.(string)
		if !isText {
			return o, errors.New("metadata.hubspoke.skill must be a skill id")
		}
		o.Skill = skill
	}
	return o, nil
}

// Passed reports whether the deadline is set and not after now.
func (o Orders) Passed(now time.Time) bool { return !o.Deadline.IsZero() && !o.Deadline.After(now) }

// Serve runs an agent until SIGTERM or SIGINT: telemetry and logs, its sidecar
// (waited for), the A2A handler, the inbox (when AsyncWork), the edge on
// AppHost:AppPort, and registration (when SelfRegister), which deregisters
// before Serve returns. card is the served card as JSON.
func Serve(s Settings, version string, card json.RawMessage, executor a2a.Executor) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	shutdownTelemetry, err := StartTelemetry(ctx, s, version)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	log := NewLogger(os.Stdout, s.AppID, s.LogLevel, s.AppAPIToken, s.DaprAPIToken)
	sidecar := NewSidecar(s.DaprHTTPPort, s.DaprAPIToken)
	verifier, card, err := signing(s, sidecar, card, log)
	if err != nil {
		return err
	}
	handler := a2a.NewHandler(executor, s.MaxRequestBytes)
	edge := Edge{Settings: s, Version: version, Card: card, A2A: handler, Log: log}
	if s.AsyncWork {
		edge.Inbox = &Inbox{Dapr: sidecar, Sender: handler, Store: s.StateStore, PubSub: s.PubSub, AppID: s.AppID, Log: log.With("logger", "inbox"),
			Verifier: verifier, Hub: s.HubAppID}
	}
	if err := sidecar.WaitUntilReady(ctx, s.SidecarWaitLimit); err != nil {
		return err
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(s.AppHost, strconv.Itoa(s.AppPort)))
	if err != nil {
		return err
	}
	server := &http.Server{Handler: edge.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(listener) }()
	log.Info("serving", "port", s.AppPort)

	registered := make(chan struct{})
	if s.SelfRegister {
		registrar := &Registrar{Dapr: sidecar, PubSub: s.PubSub, AppID: s.AppID, Card: card, Interval: s.Heartbeat, Log: log.With("logger", "registration")}
		go func() { registrar.Run(ctx); close(registered) }()
	} else {
		close(registered)
	}
	<-ctx.Done()
	log.Info("stopping")
	<-registered // deregistered (or gave up after 3 s)
	closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = server.Shutdown(closing)
	return shutdownTelemetry(closing)
}
