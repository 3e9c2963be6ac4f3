"""hubspoke: the orchestrator from a terminal."""
