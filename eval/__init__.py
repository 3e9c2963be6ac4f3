"""The answer evaluation: does every labelled request get the right answer or a clear refusal.

`python -m eval` (`make eval`) sends every request of `eval/sets/` through the
public API of a running stack (real sidecars, every agent) and judges the
agents that answered and the final text; `--in-process` plans with the
orchestrator's own planner and answers with the agents' domain code here.
It reports routing and answer accuracy overall, per part and per agent, and
prints every miss (see docs/planning-and-evaluation.md).
"""
