"""The router evaluation: how often the planner sends a request to exactly the right agents.

`python -m eval` (`make eval`) plans every labelled request of
`eval/routing.yaml` with the orchestrator's own planner (Semantic Kernel and
the configured chat model, the local one by default) over the real agents'
cards, and reports the accuracy and the misses.
"""
