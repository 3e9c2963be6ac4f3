package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
)

func message(text, deadline string) *a2a.SendMessageRequest {
	return &a2a.SendMessageRequest{Message: &a2a.Message{MessageID: "m", Role: a2a.RoleUser,
		Parts:    []a2a.Part{a2a.TextPart(text)},
		Metadata: map[string]any{"hubspoke": map[string]any{"deadline": deadline}}}}
}

func TestOutcomes(t *testing.T) {
	count := Count{Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	cases := []struct {
		text, deadline string
		state          a2a.TaskState
	}{
		{examples[0], "2030-01-01T00:00:00Z", a2a.TaskStateCompleted},
		{"", "2030-01-01T00:00:00Z", a2a.TaskStateRejected},
		{strings.Repeat("x", 20001), "2030-01-01T00:00:00Z", a2a.TaskStateRejected},
		{examples[0], "2020-01-01T00:00:00Z", a2a.TaskStateFailed},
	}
	for _, c := range cases {
		if got := count.Execute(context.Background(), message(c.text, c.deadline)); got.State != c.state {
			t.Errorf("%.20q: %s, want %s", c.text, got.State, c.state)
		}
	}
}
