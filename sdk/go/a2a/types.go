// Package a2a is the A2A 1.0 JSON-RPC binding as Hubspoke speaks it: the wire
// types (proto JSON names: camelCase fields, enum names such as
// TASK_STATE_COMPLETED and ROLE_AGENT) and an http.Handler for POST /a2a.
//
// It exists because no Go SDK on the module proxy speaks A2A 1.0
// (github.com/a2aproject/a2a-go v0.3.x speaks 0.3: message/send, lower-case
// states). Only what a Hubspoke agent serves is here: SendMessage (blocking),
// GetTask, CancelTask; the wire shapes follow the A2A 1.0 specification
// (a2a.proto) and are checked against a2a-sdk 1.x by the conformance kit.
package a2a

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Role is who sent a message (A2A 1.0 enum names).
type Role string

// The roles of A2A 1.0.
const (
	RoleUser  Role = "ROLE_USER"
	RoleAgent Role = "ROLE_AGENT"
)

// TaskState is a task's state (A2A 1.0 enum names).
type TaskState string

// The states a Hubspoke agent's tasks take.
const (
	TaskStateWorking   TaskState = "TASK_STATE_WORKING"
	TaskStateCompleted TaskState = "TASK_STATE_COMPLETED"
	TaskStateFailed    TaskState = "TASK_STATE_FAILED"
	TaskStateRejected  TaskState = "TASK_STATE_REJECTED"
	TaskStateCanceled  TaskState = "TASK_STATE_CANCELED"
)

// Final reports whether no further change can follow the state.
func (s TaskState) Final() bool {
	return s == TaskStateCompleted || s == TaskStateFailed || s == TaskStateRejected || s == TaskStateCanceled
}

// Part is one piece of a message or artifact: exactly one of Text, Data, URL, Raw.
type Part struct {
	Text      *string         `json:"text,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	URL       *string         `json:"url,omitempty"`
	Raw       *string         `json:"raw,omitempty"`
	MediaType string          `json:"mediaType,omitempty"`
	Filename  string          `json:"filename,omitempty"`
	Metadata  map[string]any  `json:"metadata,omitempty"`
}

// TextPart is a text/plain part holding text.
func TextPart(text string) Part { return Part{Text: &text, MediaType: "text/plain"} }

// DataPart is an application/json part holding value (which must marshal to JSON).
func DataPart(value any) (Part, error) {
	data, err := json.Marshal(value)
	if err != nil {
		return Part{}, err
	}
	return Part{Data: data, MediaType: "application/json"}, nil
}

// Message is one turn of a conversation.
type Message struct {
	MessageID        string         `json:"messageId"`
	ContextID        string         `json:"contextId,omitempty"`
	TaskID           string         `json:"taskId,omitempty"`
	Role             Role           `json:"role"`
	Parts            []Part         `json:"parts"`
	Metadata         map[string]any `json:"metadata,omitempty"`
	Extensions       []string       `json:"extensions,omitempty"`
	ReferenceTaskIDs []string       `json:"referenceTaskIds,omitempty"`
}

// Text is the message's text parts joined by newlines.
func (m *Message) Text() string {
	text := ""
	for _, part := range m.Parts {
		if part.Text == nil {
			continue
		}
		if text != "" {
			text += "\n"
		}
		text += *part.Text
	}
	return text
}

// TaskStatus is a task's state, with the agent's message for it.
type TaskStatus struct {
	State     TaskState `json:"state"`
	Message   *Message  `json:"message,omitempty"`
	Timestamp string    `json:"timestamp,omitempty"`
}

// Artifact is an output of a task.
type Artifact struct {
	ArtifactID  string `json:"artifactId"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Parts       []Part `json:"parts"`
}

// Task is the unit of work an agent answers a message with.
type Task struct {
	ID        string         `json:"id"`
	ContextID string         `json:"contextId"`
	Status    TaskStatus     `json:"status"`
	Artifacts []Artifact     `json:"artifacts,omitempty"`
	History   []Message      `json:"history,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// SendMessageConfiguration is how the caller wants the answer.
type SendMessageConfiguration struct {
	AcceptedOutputModes []string `json:"acceptedOutputModes,omitempty"`
	HistoryLength       *int     `json:"historyLength,omitempty"`
	ReturnImmediately   bool     `json:"returnImmediately,omitempty"`
}

// SendMessageRequest is the params of SendMessage.
type SendMessageRequest struct {
	Message       *Message                  `json:"message"`
	Configuration *SendMessageConfiguration `json:"configuration,omitempty"`
	Metadata      map[string]any            `json:"metadata,omitempty"`
}

// SendMessageResponse is SendMessage's result: the task (this binding never answers a bare message).
type SendMessageResponse struct {
	Task *Task `json:"task"`
}

// NewID is 32 random hex digits (a UUID's worth), for task, message and artifact ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// Now is the current UTC time as RFC 3339 with milliseconds, as task timestamps carry it.
func Now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00") }
