// Package agent is the calendar agent's A2A side: its card and the executor
// that turns one message into one answer (package dates does the maths).
package agent

import (
	"encoding/json"

	"github.com/hubspoke/hubspoke/sdk/go/hubspoke"
)

// Version is the agent's SemVer, in its card and /healthz.
const Version = "0.1.0"

// SkillID is the agent's one skill.
const SkillID = "dates-and-times"

// Examples are the skill's examples: the router ranks against them, and the kit sends each.
var Examples = []string{
	"what day of the week is 25 December 2026",
	"add 90 days to 2026-12-08",
	"number of days until 1 March",
	"what time is it in Tokyo when it is 9am in London",
	"if it is 9:30 pm in New York, what time is it in Paris",
}

// evaluation: examples with their expected answers; the registry runs them
// through the agent over Dapr and routes to it only once all pass.
var evaluation = []map[string]any{
	{"skill": SkillID, "input": "what day of the week is 25 December 2026",
		"expect": map[string]any{"state": "completed", "contains": []string{"Friday"}}},
	{"skill": SkillID, "input": "add 90 days to 2026-12-08",
		"expect": map[string]any{"state": "completed", "contains": []string{"8 March 2027"}}},
	{"skill": SkillID, "input": "what day is 31 February 2027",
		"expect": map[string]any{"state": "rejected", "contains": []string{}}},
}

var schemas = map[string]any{
	"inputSchema": map[string]any{
		"type": "string", "minLength": 1, "maxLength": maxInputChars,
		"description": "A question about dates or time zones, e.g. \"add 90 days to 2026-12-08\".",
		"examples":    Examples,
	},
	// The structured arguments a caller may send as a data part beside the text (dates.Arguments).
	"argumentsSchema": map[string]any{
		"type": "object", "required": []string{"operation"}, "additionalProperties": false,
		"properties": map[string]any{
			"operation": map[string]any{"enum": []string{"weekday", "days-between", "add", "convert-time"}},
			"date":      map[string]any{"type": "string", "format": "date", "description": "YYYY-MM-DD; default today (UTC)."},
			"until":     map[string]any{"type": "string", "format": "date", "description": "days-between: the last day."},
			"amount":    map[string]any{"type": "integer", "description": "add: how many units (negative: back)."},
			"unit":      map[string]any{"enum": []string{"day", "week", "month", "year"}},
			"time":      map[string]any{"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "convert-time: HH:MM; default now."},
			"from":      map[string]any{"type": "string", "description": "convert-time: IANA zone or city of the time."},
			"to":        map[string]any{"type": "string", "description": "convert-time: IANA zone or city to say it in."},
		},
	},
	"outputSchema": map[string]any{
		"type": "object", "required": []string{"operation", "text"},
		"properties": map[string]any{
			"operation": map[string]any{"type": "string"},
			"text":      map[string]any{"type": "string", "description": "The answer as a sentence."},
			"date":      map[string]any{"type": "string", "format": "date", "description": "The day answered."},
			"weekday":   map[string]any{"type": "string"},
			"days":      map[string]any{"type": "integer", "description": "days-between: the signed count."},
			"time":      map[string]any{"type": "string", "format": "date-time", "description": "convert-time: in the target zone."},
		},
	},
}

// Card is the agent's A2A 1.0 card with the Hubspoke extension v2, as JSON.
// Interfaces point at the CALLER's own sidecar (3500, Dapr's default HTTP
// port): a caller reaches this agent through Dapr only, never at its app port.
func Card(s hubspoke.Settings) json.RawMessage {
	card := map[string]any{
		"name": "Calendar",
		"description": "Answers questions about dates and time zones: the day of the week of a date, " +
			"days between dates, a date plus or minus days, weeks, months or years, and a time of day in another city.",
		"version":             Version,
		"supportedInterfaces": hubspoke.Interfaces(s),
		"provider":            map[string]string{"organization": s.Owner, "url": s.ProviderURL},
		"capabilities": map[string]any{
			"streaming": false, "pushNotifications": false,
			"extensions": []map[string]any{
				hubspoke.Extension(s, map[string]any{SkillID: schemas}, evaluation),
			},
		},
		"securitySchemes":      hubspoke.SecuritySchemes(),
		"securityRequirements": hubspoke.SecurityRequirements(),
		"defaultInputModes":    []string{"text/plain"},
		"defaultOutputModes":   []string{"text/plain", "application/json"},
		"skills": []map[string]any{{
			"id": SkillID, "name": "Dates and times",
			"description": "Day of the week of a date, days until or between dates, adding or subtracting days, " +
				"weeks, months or years to a date, and what time it is in another city or time zone.",
			"tags":     []string{"calendar", "date", "weekday", "time zone", "time in a city", "days until", "date arithmetic"},
			"examples": Examples, "inputModes": []string{"text/plain", "application/json"},
			"outputModes": []string{"text/plain", "application/json"},
		}},
	}
	out, _ := json.Marshal(card) // maps of strings, numbers and slices: always marshals
	return out
}
