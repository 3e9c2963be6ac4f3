"""`make new-agent NAME=<app-id> LANG=<language>`: a working agent from a template.

Each language's template is a folder `tools/new_agent/templates/<language>/`:
its files (a `.tmpl` suffix is dropped) are copied to `agents/<app-id>/` with
`{{name}}` replaced by the app-id, and its `template.yaml` gives the dapr.yaml
entry's `appDirPath` and `command`. The generator then declares the agent
(dapr.yaml entry on the next free ports; `agent.yaml` comes from the template)
and writes its entries everywhere else (`python -m tools.agents generate`).
"""
