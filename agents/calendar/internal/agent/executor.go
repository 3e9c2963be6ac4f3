package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hubspoke/hubspoke/agents/calendar/internal/dates"
	"github.com/hubspoke/hubspoke/sdk/go/a2a"
	"github.com/hubspoke/hubspoke/sdk/go/hubspoke"
)

// maxInputChars is this skill's own limit on a question (the contract's is 20,000).
const maxInputChars = 500

// Executor answers one message = one step (a2a.Executor). Outcomes are task
// states: completed with the answer (a text part and the facts as a data
// part); rejected with the reason when the input is the problem (empty, too
// long, an unknown skill, no date found, an impossible date); failed with
// "deadline passed" when metadata.hubspoke.deadline is past.
type Executor struct {
	Log *slog.Logger
	Now func() time.Time // the clock; time.Now in main
}

// Execute implements a2a.Executor.
func (e Executor) Execute(ctx context.Context, req *a2a.SendMessageRequest) a2a.Outcome {
	orders, err := hubspoke.StepOrders(req)
	if err != nil {
		return rejected(err.Error())
	}
	if orders.Passed(e.Now()) {
		return a2a.Outcome{State: a2a.TaskStateFailed, Reason: hubspoke.DeadlinePassedReason}
	}
	if orders.Skill != "" && orders.Skill != SkillID {
		return rejected(fmt.Sprintf("unknown skill %q; this agent has %s", orders.Skill, SkillID))
	}
	answer, err := e.answer(req.Message)
	var refused *dates.Refused
	switch {
	case errors.As(err, &refused):
		e.Log.InfoContext(ctx, "not answered", "reason", refused.Reason)
		return rejected(refused.Reason)
	case err != nil:
		e.Log.ErrorContext(ctx, "answer crashed", "err", err.Error())
		return a2a.Outcome{State: a2a.TaskStateFailed, Reason: "the agent failed while answering"}
	}
	data, err := a2a.DataPart(answer)
	if err != nil {
		return a2a.Outcome{State: a2a.TaskStateFailed, Reason: "the agent failed while answering"}
	}
	e.Log.InfoContext(ctx, "answered", "operation", answer.Operation)
	return a2a.Outcome{State: a2a.TaskStateCompleted, Parts: []a2a.Part{a2a.TextPart(answer.Text), data}}
}

// answer reads the arguments a planner filled (a data part) before the text.
func (e Executor) answer(msg *a2a.Message) (dates.Answer, error) {
	for _, part := range msg.Parts {
		if part.Data == nil {
			continue
		}
		var args dates.Arguments
		decoder := json.NewDecoder(strings.NewReader(string(part.Data)))
		decoder.DisallowUnknownFields()
		if decoder.Decode(&args) == nil && args.Operation != "" {
			return dates.Do(args, e.Now().UTC())
		}
	}
	text := strings.TrimSpace(msg.Text())
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return dates.Answer{}, &dates.Refused{Reason: `the input is empty; ask e.g. "what day of the week is 25 December 2026"`}
	case n > maxInputChars:
		return dates.Answer{}, &dates.Refused{Reason: fmt.Sprintf("the input is longer than %d characters", maxInputChars)}
	}
	return dates.Ask(text, e.Now().UTC())
}

func rejected(reason string) a2a.Outcome {
	return a2a.Outcome{State: a2a.TaskStateRejected, Reason: reason}
}
