"""The orchestrator sidecar's HTTPEndpoint resources, one per allowlisted external agent.

The allowlist is the orchestrator's own setting, ORCHESTRATOR_EXTERNAL_AGENTS
(read here from the environment the orchestrator will get), so the
orchestrator and its sidecar can never disagree on it. Each entry becomes
`<run>/resources/orchestrator/httpendpoint-<name>.yaml`, a folder only the
orchestrator's daprd loads, written before that daprd starts.

Header values (and root CAs) come from the sidecar's secret store
`sidecar-secrets`: locally the launcher adds them to the orchestrator
sidecar's secrets file from HUBSPOKE_EXTERNAL_SECRETS, a JSON object
`{"<secret name>": "<value>"}` that only the launcher reads (it is removed
from every app's and sidecar's environment).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from launcher.private_files import make_private_dir, write_private
from orchestrator.registry.allowlist import ExternalAgent, http_endpoint_resource

__all__ = [
    "ALLOWLIST_VARIABLE",
    "SECRETS_VARIABLE",
    "WEBHOOKS_VARIABLE",
    "ExternalAgentsError",
    "allowlisted",
    "external_secrets",
    "write_http_endpoints",
    "write_sidecar_secrets",
]

ALLOWLIST_VARIABLE = "ORCHESTRATOR_EXTERNAL_AGENTS"
# A2A push-notification webhooks: the same kind of entry, called the same way.
WEBHOOKS_VARIABLE = "ORCHESTRATOR_PUSH_WEBHOOKS"
SECRETS_VARIABLE = "HUBSPOKE_EXTERNAL_SECRETS"
_AGENTS = TypeAdapter(list[ExternalAgent])
_SECRETS = TypeAdapter(dict[str, str])


class ExternalAgentsError(ValueError):
    """The allowlist or its secrets are malformed or incomplete."""


def allowlisted(env: Mapping[str, str]) -> list[ExternalAgent]:
    """The entries of ORCHESTRATOR_EXTERNAL_AGENTS and ORCHESTRATOR_PUSH_WEBHOOKS in `env`
    (none when unset); their names must differ, being HTTPEndpoint names of one sidecar."""
    entries: list[ExternalAgent] = []
    for variable in (ALLOWLIST_VARIABLE, WEBHOOKS_VARIABLE):
        raw = env.get(variable, "").strip()
        try:
            entries += _AGENTS.validate_json(raw) if raw else []
        except ValidationError as exc:
            raise ExternalAgentsError(f"{variable}: {exc}") from exc
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise ExternalAgentsError(
            f"{ALLOWLIST_VARIABLE} and {WEBHOOKS_VARIABLE} name an HTTPEndpoint twice: {names}"
        )
    return entries


def external_secrets(env: Mapping[str, str]) -> dict[str, str]:
    """The secret values of HUBSPOKE_EXTERNAL_SECRETS in `env` (none when unset)."""
    raw = env.get(SECRETS_VARIABLE, "").strip()
    try:
        return _SECRETS.validate_json(raw) if raw else {}
    except ValidationError as exc:
        # The values are secrets: name the problem, not the input.
        raise ExternalAgentsError(f"{SECRETS_VARIABLE} is not a JSON object of strings") from exc


def write_http_endpoints(agents: list[ExternalAgent], folder: Path) -> list[Path]:
    """Write one HTTPEndpoint YAML per agent into `folder` (emptied first); their paths."""
    make_private_dir(folder, tighten=True)
    for old in folder.glob("httpendpoint-*.yaml"):
        old.unlink()
    written = []
    for agent in agents:
        path = folder / f"httpendpoint-{agent.name}.yaml"
        path.write_text(yaml.safe_dump(http_endpoint_resource(agent), sort_keys=False))
        written.append(path)
    return written


def write_sidecar_secrets(
    agents: list[ExternalAgent], secrets: Mapping[str, str], secrets_file: Path
) -> None:
    """Add the secrets the agents' headers and CAs name to a sidecar's secrets file."""
    needed = {h.secret for a in agents for h in a.headers}
    needed |= {a.root_ca_secret for a in agents if a.root_ca_secret}
    missing = sorted(needed - set(secrets))
    if missing:
        raise ExternalAgentsError(
            f"{SECRETS_VARIABLE} lacks the secrets {', '.join(missing)} that "
            f"{ALLOWLIST_VARIABLE} refers to"
        )
    if not needed:
        return
    stored = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
    clashing = sorted(needed & set(stored))
    if clashing:
        raise ExternalAgentsError(f"secret names already used by the sidecar: {clashing}")
    write_private(secrets_file, json.dumps({**stored, **{k: secrets[k] for k in needed}}))
