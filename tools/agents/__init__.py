"""`python -m tools.agents`: what the scripts and tests read of the agents' declaration.

The declaration itself (dapr.yaml + agents/<app-id>/agent.yaml) is modelled in
`launcher.agents`; this package runs the manifests' commands (`commands`) and
checks every file that must name each agent against it (`checks`).
"""
