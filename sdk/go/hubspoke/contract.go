package hubspoke

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// The Hubspoke contract (hubspoke.agent/v2) as chassis/contract.py states it.
const (
	ContractVersion      = "hubspoke.agent/v2"
	ExtensionURI         = "https://hubspoke.dev/extensions/agent/v2"
	PubSubBindingURI     = "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1"
	A2APath              = "/a2a"
	CardPath             = "/.well-known/agent-card.json"
	HealthPath           = "/healthz"
	SubscribePath        = "/dapr/subscribe"
	AppTokenHeader       = "dapr-api-token"
	MaxInputChars        = 20000
	MaxMessageBytes      = 1048576 - 65536 // subscribers refuse over 1 MiB, and Dapr wraps the data
	DeadlinePassedReason = "deadline passed"
)

// RegistryTopic is where the agent announces itself (only it may publish there).
func RegistryTopic(appID string) string { return "agents.registry." + appID }

// RequestsTopic is where the agent takes asynchronous work (only it may subscribe).
func RequestsTopic(appID string) string { return "agent.requests." + appID }

// ResultsTopic is where the agent publishes its results (only it may publish there).
func ResultsTopic(appID string) string { return "agent.results." + appID }

// DeadLetterTopic is where its sidecar moves work it gave up on, and the agent its own give-ups.
func DeadLetterTopic(appID string) string { return "tasks.deadletter." + appID }

// EventsRoute is the route Dapr delivers topic of pubsub to: two segments deep,
// which the agents' access policy denies the orchestrator (work comes through the broker only).
func EventsRoute(pubsub, topic string) string { return "/events/" + pubsub + "/" + topic }

// RegistrationMessage is chassis.contract.RegistrationMessage, field for field.
type RegistrationMessage struct {
	Kind       string          `json:"kind"` // register, heartbeat, deregister
	AppID      string          `json:"app_id"`
	InstanceID string          `json:"instance_id"`
	Card       json.RawMessage `json:"card"` // null on deregister
	SentAt     string          `json:"sent_at"`
}

// AgentWork is the data of a message on agent.requests.<app-id>.
type AgentWork struct {
	TaskID   string          `json:"taskId"`
	StepID   string          `json:"stepId"`
	Agent    string          `json:"agent"`
	Deadline string          `json:"deadline"`
	Request  json.RawMessage `json:"request"` // an A2A SendMessageRequest as proto JSON
}

// AgentResult is the answer on agent.results.<app-id>, once per step.
type AgentResult struct {
	TaskID string `json:"taskId"`
	StepID string `json:"stepId"`
	Agent  string `json:"agent"`
	Task   any    `json:"task"` // an A2A Task as proto JSON
}

// WorkGivenUp is work the agent ends without a result, and why (on tasks.deadletter.<app-id>).
type WorkGivenUp struct {
	TaskID string `json:"taskId"`
	StepID string `json:"stepId"`
	Agent  string `json:"agent"`
	Reason string `json:"reason"`
}

// ErrMalformedWork marks a message that is not work of this contract: Dapr drops it to the dead letters.
var ErrMalformedWork = errors.New("malformed work")

var stepIDPattern = regexp.MustCompile(`^[0-9a-f]{32,64}$`)

// ParseWork reads the work in a delivered CloudEvent's data; errors wrap ErrMalformedWork.
func ParseWork(data json.RawMessage) (AgentWork, error) {
	var work AgentWork
	if err := json.Unmarshal(data, &work); err != nil {
		return work, fmt.Errorf("%w: data must be an AgentWork object: %v", ErrMalformedWork, err)
	}
	for name, value := range map[string]string{"taskId": work.TaskID, "agent": work.Agent, "deadline": work.Deadline} {
		if value == "" || len(value) > 64 {
			return work, fmt.Errorf("%w: %s must be a string of 1-64 characters", ErrMalformedWork, name)
		}
	}
	if !stepIDPattern.MatchString(work.StepID) {
		return work, fmt.Errorf("%w: stepId must be 32-64 hex digits", ErrMalformedWork)
	}
	if _, err := time.Parse(time.RFC3339Nano, work.Deadline); err != nil {
		return work, fmt.Errorf("%w: deadline must be RFC 3339", ErrMalformedWork)
	}
	var req struct {
		Message map[string]any `json:"message"`
	}
	if json.Unmarshal(work.Request, &req) != nil || req.Message == nil {
		return work, fmt.Errorf("%w: request must be an A2A SendMessageRequest with a message", ErrMalformedWork)
	}
	return work, nil
}
