// Command scheduler is Dapr's scheduler service (workflow timers and
// reminders, on an embedded etcd), built from the pinned module. Only Dapr
// Workflows need it here (the dapr-agents peer of the benchmark); build.sh
// builds it with --workflows.
package main

import "github.com/dapr/dapr/cmd/scheduler/app"

func main() {
	app.Run()
}
