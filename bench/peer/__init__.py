"""The benchmark's peer: dapr-agents (PyPI, pinned in requirements.txt) doing Hubspoke's tasks.

- `environment`: its own virtual environment under .cache/, from the hashed requirements
  (its dependencies never touch Hubspoke's uv.lock or .venv).
- `stack`: the launcher's stack plus what Dapr Workflows need (placement, scheduler).
- `skills`, `apps`: the dapr-agents orchestrator and three agents (run in that environment).
"""
