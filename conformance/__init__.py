"""The conformance kit: does an agent, in any language, keep Hubspoke's A2A wire?

`python -m conformance <app-id>` checks an agent of a running stack from the
outside, with the orchestrator's identity and nothing else: its card through
the orchestrator's daprd, A2A SendMessage through the same sidecar, work over
pub/sub, results counted in the agent's `agent.results.<app-id>` stream, its registration in
the orchestrator's registry. It never calls the agent's own port, so what it
checks is what the orchestrator will meet.

The wire it checks is written down in `conformance.wire` from the design
(DESIGN-A2A, issue 13), not imported from the Python chassis: an agent that
passes does what the design says, not merely what our own code does.

Layers: `checks/` (what to check, pure logic on `ports`) <- `runner` (which
checks, in what order) <- `adapters` (httpx, the A2A SDK's client, Redis) <-
`__main__` (the command line).
"""
