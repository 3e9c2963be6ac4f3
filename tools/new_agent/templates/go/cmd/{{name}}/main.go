// Command {{name}} is a Hubspoke agent in Go: it counts the words of a text.
// Replace Count, the skill and the examples with the agent's own work; the
// sdk/go packages do the A2A 1.0 JSON-RPC, the pub/sub inbox, registration,
// tracing and logs (docs/any-language.md, "The worked example in Go").
//
//	{{name}}          serve (what dapr.yaml starts)
//	{{name}} --card   print the card it would serve, and exit (make eval reads it so)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hubspoke/hubspoke/sdk/go/a2a"
	"github.com/hubspoke/hubspoke/sdk/go/hubspoke"
)

const (
	version  = "0.1.0"
	skillID  = "count-words"
	maxChars = 2000
)

var examples = []string{"count the words in: the quick brown fox"}

// Count answers one message: completed with the count, rejected for an empty or long
// text or another skill, failed once the step's deadline has passed.
type Count struct{ Now func() time.Time }

// Execute implements a2a.Executor.
func (c Count) Execute(_ context.Context, req *a2a.SendMessageRequest) a2a.Outcome {
	orders, err := hubspoke.StepOrders(req)
	switch {
	case err != nil:
		return a2a.Outcome{State: a2a.TaskStateRejected, Reason: err.Error()}
	case orders.Passed(c.Now()):
		return a2a.Outcome{State: a2a.TaskStateFailed, Reason: hubspoke.DeadlinePassedReason}
	case orders.Skill != "" && orders.Skill != skillID:
		return a2a.Outcome{State: a2a.TaskStateRejected, Reason: "unknown skill " + orders.Skill}
	}
	text := req.Message.Text()
	if _, after, found := strings.Cut(text, ":"); found {
		text = after
	}
	text = strings.TrimSpace(text)
	if text == "" || len([]rune(text)) > maxChars {
		return a2a.Outcome{State: a2a.TaskStateRejected, Reason: fmt.Sprintf("send a text of 1-%d characters", maxChars)}
	}
	words := len(strings.Fields(text))
	data, err := a2a.DataPart(map[string]int{"words": words})
	if err != nil {
		return a2a.Outcome{State: a2a.TaskStateFailed, Reason: "the agent failed"}
	}
	return a2a.Outcome{State: a2a.TaskStateCompleted, Parts: []a2a.Part{a2a.TextPart(fmt.Sprintf("%d words", words)), data}}
}

// card is the agent's A2A 1.0 card with the Hubspoke extension v2.
func card(s hubspoke.Settings) json.RawMessage {
	schemas := map[string]any{
		"inputSchema":  map[string]any{"type": "string", "minLength": 1, "maxLength": maxChars},
		"outputSchema": map[string]any{"type": "object", "properties": map[string]any{"words": map[string]string{"type": "integer"}}},
	}
	out, _ := json.Marshal(map[string]any{
		"name": "{{name}}", "description": "Counts the words of a text.", "version": version,
		"supportedInterfaces": hubspoke.Interfaces(s),
		"provider":            map[string]string{"organization": s.Owner, "url": s.ProviderURL},
		"capabilities": map[string]any{"streaming": false, "pushNotifications": false,
			"extensions": []map[string]any{hubspoke.Extension(s, map[string]any{skillID: schemas},
				[]map[string]any{{"skill": skillID, "input": examples[0],
					"expect": map[string]any{"state": "completed", "contains": []string{"4 words"}}}})}},
		"securitySchemes":      hubspoke.SecuritySchemes(),
		"securityRequirements": hubspoke.SecurityRequirements(),
		"defaultInputModes":    []string{"text/plain"}, "defaultOutputModes": []string{"text/plain", "application/json"},
		"skills": []map[string]any{{"id": skillID, "name": "Count words", "description": "Count the words of a text.",
			"tags": []string{"words", "count"}, "examples": examples}},
	})
	return out
}

func main() {
	settings, err := hubspoke.LoadSettings(hubspoke.Environ, "{{name}}", 8000)
	if err == nil && len(os.Args) == 2 && os.Args[1] == "--card" {
		_, err = os.Stdout.Write(card(settings))
	} else if err == nil {
		err = hubspoke.Serve(settings, version, card(settings), Count{Now: time.Now})
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "{{name}} agent failed: %v\n", err)
		os.Exit(1)
	}
}
