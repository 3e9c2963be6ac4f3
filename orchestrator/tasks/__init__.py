"""Tasks: what callers ask for, how each step reaches an agent, and what is kept."""
