"""The agent registry: cards, liveness, ranking and routing of registered agents."""
