// Command calendar is the calendar agent: dates and time zones over A2A 1.0,
// beside its own daprd. Settings come from the environment (hubspoke.LoadSettings).
//
//	calendar          serve (what dapr.yaml starts)
//	calendar --card   print the card it would serve, and exit (make eval reads it so)
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/hubspoke/hubspoke/agents/calendar/internal/agent"
	"github.com/hubspoke/hubspoke/sdk/go/hubspoke"
)

func main() {
	settings, err := hubspoke.LoadSettings(hubspoke.Environ, "calendar", 8005)
	if err == nil && len(os.Args) == 2 && os.Args[1] == "--card" {
		_, err = os.Stdout.Write(agent.Card(settings))
	} else if err == nil {
		log := hubspoke.NewLogger(os.Stdout, settings.AppID, settings.LogLevel, settings.AppAPIToken, settings.DaprAPIToken)
		executor := agent.Executor{Log: log.With("logger", "executor"), Now: time.Now}
		err = hubspoke.Serve(settings, agent.Version, agent.Card(settings), executor)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "calendar agent failed: %v\n", err)
		os.Exit(1)
	}
}
