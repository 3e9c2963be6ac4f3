"""Project tools run with `python -m tools.<name>` (tools/dapr is the Go module of the runtime)."""
