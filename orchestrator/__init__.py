"""The orchestrator (hub): public task API, agent selection, task state."""
