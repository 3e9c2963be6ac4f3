// Command placement is Dapr's actor placement service, built from the pinned
// module. Only Dapr Workflows need it here (the dapr-agents peer of the
// benchmark); build.sh builds it with --workflows.
package main

import "github.com/dapr/dapr/cmd/placement/app"

func main() {
	app.Run()
}
