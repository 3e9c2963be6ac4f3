package hubspoke

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
)

// DeliveryStatus is the agent's answer to a Dapr delivery: SUCCESS (done),
// RETRY (deliver again later), DROP (never: to the dead letters).
type DeliveryStatus string

// Dapr's delivery statuses.
const (
	DeliverySuccess DeliveryStatus = "SUCCESS"
	DeliveryRetry   DeliveryStatus = "RETRY"
	DeliveryDrop    DeliveryStatus = "DROP"
)

const answeredKept = 24 * time.Hour // far longer than any redelivery window

// MessageSender runs an A2A SendMessage in-process (a2a.Handler does).
type MessageSender interface {
	SendMessage(ctx context.Context, req *a2a.SendMessageRequest) (*a2a.Task, *a2a.Error)
}

// CloudEvent is the part of a delivered CloudEvent the inbox reads, and the
// whole event as delivered (Raw), whose signature attributes the inbox checks.
type CloudEvent struct {
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
	Raw  json.RawMessage `json:"-"`
}

// UnmarshalJSON reads the event and keeps its JSON in Raw.
func (e *CloudEvent) UnmarshalJSON(raw []byte) error {
	type fields CloudEvent // without this method
	if err := json.Unmarshal(raw, (*fields)(e)); err != nil {
		return err
	}
	e.Raw = append(json.RawMessage(nil), raw...)
	return nil
}

// Inbox answers work from agent.requests.<app-id> on agent.results.<app-id>,
// once per message id: the same handler as POST /a2a answers it, so work over
// pub/sub gets the same validation, deadline and outcomes. A delivery claims
// the message id first (Claims), so copies arriving together wait (RETRY);
// the answer is kept under answered-<id> (TTL 24 h) and sent again, not worked
// again, when the message comes again. Malformed work is DROPped to the dead
// letters; a result too large to publish is given up there with the reason.
// Only the hub (Hub) gives work: a message Verifier refuses (unsigned, another
// key, changed after signing) is DROPped too, before anything is worked on.
type Inbox struct {
	Dapr   DaprPort
	Sender MessageSender
	Store  string
	PubSub string
	AppID  string
	Log    *slog.Logger
	// Verifier checks that Hub signed the work; nil refuses every message.
	Verifier *EventVerifier
	Hub      string
}

// Handle works on one delivered CloudEvent and returns Dapr's status for it.
func (in *Inbox) Handle(ctx context.Context, event CloudEvent) DeliveryStatus {
	work, err := ParseWork(event.Data)
	if err == nil && event.ID == "" {
		err = errors.New("the CloudEvent has no id")
	}
	if err != nil {
		in.Log.WarnContext(ctx, "dropping malformed work message", "event_id", event.ID, "reason", err.Error())
		return DeliveryDrop
	}
	// Dapr moves a refused message to our dead-letter topic, where the hub records
	// it without failing any step (it is not the hub's).
	if refused := in.Verifier.Refusal(event.Raw, in.Hub, RequestsTopic(in.AppID)); refused != "" {
		in.Log.WarnContext(ctx, "dropping work message", "event_id", event.ID, "reason", refused)
		return DeliveryDrop
	}
	if work.Agent != in.AppID {
		in.Log.WarnContext(ctx, "dropping work addressed to another agent", "event_id", event.ID, "agent", work.Agent)
		return DeliveryDrop
	}
	status, err := in.answer(ctx, event.ID, work)
	if err != nil {
		in.Log.WarnContext(ctx, "work not answered yet", "event_id", event.ID, "err", err.Error())
		return DeliveryRetry
	}
	return status
}

func (in *Inbox) answer(ctx context.Context, id string, work AgentWork) (DeliveryStatus, error) {
	key := "answered-" + id
	stored, err := in.Dapr.GetState(ctx, in.Store, key)
	if err != nil {
		return "", err
	}
	var result json.RawMessage
	if stored != nil {
		// Sent again (the orchestrator ran the task again after a restart): the same answer.
		in.Log.InfoContext(ctx, "work answered already; sending the answer again", "event_id", id)
		result = stored.Value
	} else {
		held, release, err := Claims{Dapr: in.Dapr, Store: in.Store}.Hold(ctx, id)
		if err != nil {
			return "", err
		}
		if !held {
			in.Log.InfoContext(ctx, "work is being worked on; redeliver later", "event_id", id)
			return DeliveryRetry, nil
		}
		defer release()
		if result, err = json.Marshal(in.run(ctx, work)); err != nil {
			return "", err
		}
		if err := in.Dapr.SaveState(ctx, in.Store, key, result, "", false, answeredKept); err != nil {
			return "", err
		}
	}
	err = in.Dapr.Publish(ctx, in.PubSub, ResultsTopic(in.AppID), result, map[string]string{"cloudevent.id": id})
	if errors.Is(err, ErrTooLarge) {
		notice := WorkGivenUp{work.TaskID, work.StepID, in.AppID, "the result was not published: " + err.Error()}
		in.Log.WarnContext(ctx, "giving up work", "event_id", id, "reason", notice.Reason)
		return DeliverySuccess, in.Dapr.Publish(ctx, in.PubSub, DeadLetterTopic(in.AppID), notice, nil)
	}
	return DeliverySuccess, err
}

// run answers the work's SendMessageRequest as POST /a2a would; the work's
// deadline binds even when the message does not repeat it.
func (in *Inbox) run(ctx context.Context, work AgentWork) AgentResult {
	result := AgentResult{TaskID: work.TaskID, StepID: work.StepID, Agent: in.AppID}
	var req a2a.SendMessageRequest
	if err := json.Unmarshal(work.Request, &req); err != nil || req.Message == nil {
		result.Task = refusedTask(work, "the request is not an A2A SendMessageRequest")
		return result
	}
	orders, _ := req.Message.Metadata["hubspoke"].(map[string]any)
	if orders == nil {
		orders = map[string]any{}
	}
	if _, ok := orders["deadline"]; !ok {
		orders["deadline"] = work.Deadline
	}
	if req.Message.Metadata == nil {
		req.Message.Metadata = map[string]any{}
	}
	req.Message.Metadata["hubspoke"] = orders
	task, rpcErr := in.Sender.SendMessage(ctx, &req)
	if rpcErr != nil {
		// The handler refused the request itself: the input is the problem.
		result.Task = refusedTask(work, rpcErr.Message)
		return result
	}
	result.Task = task
	return result
}

func refusedTask(work AgentWork, reason string) *a2a.Task {
	return &a2a.Task{
		ID: work.StepID, ContextID: work.TaskID,
		Status: a2a.TaskStatus{State: a2a.TaskStateRejected, Timestamp: a2a.Now(), Message: &a2a.Message{
			MessageID: work.StepID + "-status", ContextID: work.TaskID, TaskID: work.StepID,
			Role: a2a.RoleAgent, Parts: []a2a.Part{a2a.TextPart(reason)},
		}},
	}
}
