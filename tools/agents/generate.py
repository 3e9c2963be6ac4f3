"""Write each declared agent's entries into the files that list agents one by one.

`python -m tools.agents generate` adds what `tools.agents.checks` finds
missing and can be derived from the app-id alone: the pub/sub topic lists and
scopes, the state and secret stores' scopes, the resiliency targets (local
and k8s/base), the k8s base kustomization and the hub's ORCHESTRATOR_PUBSUB_AGENTS,
the dev overlay's image, and the aks overlay's KEDA ScaledObject and
PodDisruptionBudget (copies of the first agent's, renamed). Entries already
there are kept as they are, with the files' comments (ruamel.yaml round trip).
It also writes k8s/base/<app-id>.yaml (from units.yaml, renamed: its team
adjusts image, resources and settings), adds the app to the overlays' label
selectors and its Redis ACL rules to the aks script. The aks workload
identity (a managed identity per app) is left to `check`, which names it.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from launcher.agents import HUB_APP_ID
from launcher.runfile import AppSpec
from launcher.security import acl_rules

__all__ = ["write_entries"]

Edit = Callable[[list[Any], str], bool]  # documents of one file, app-id -> changed?


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 1 << 20  # long topic lists stay on one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _doc(docs: list[Any], kind: str, name: str) -> Any:
    return next((d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name), None)


def _append(items: Any, value: str) -> bool:
    if value in items:
        return False
    items.append(value)
    return True


def _scopes(kind: str, name: str) -> Edit:
    def edit(docs: list[Any], app_id: str) -> bool:
        found = _doc(docs, kind, name)
        return found is not None and _append(found.setdefault("scopes", []), app_id)

    return edit


def _add_topics(value: str, topics: list[str]) -> str:
    have = [t for t in value.split(",") if t]
    return ",".join([*have, *(t for t in topics if t not in have)])


def _add_scoped(value: str, app: str, topics: list[str]) -> str:
    parts = [p for p in value.split(";") if p]
    for i, part in enumerate(parts):
        owner, _, listed = part.partition("=")
        if owner == app:
            parts[i] = f"{owner}={_add_topics(listed, topics)}"
            return ";".join(parts)
    return ";".join([*parts, f"{app}={','.join(topics)}"])


def _pubsub(docs: list[Any], app_id: str) -> bool:
    component = _doc(docs, "Component", "pubsub")
    if component is None:
        return False
    before = copy.deepcopy(component)
    _append(component.setdefault("scopes", []), app_id)
    consumed = f"agent.requests.{app_id}"
    produced = [f"agents.registry.{app_id}", f"agent.results.{app_id}"]
    produced.append(f"tasks.deadletter.{app_id}")
    for item in component["spec"]["metadata"]:
        key, value = item["name"], str(item.get("value", ""))
        if key in ("allowedTopics", "protectedTopics"):
            item["value"] = _add_topics(value, [consumed, *produced])
        elif key == "publishingScopes":
            value = _add_scoped(value, "orchestrator", [consumed])
            item["value"] = _add_scoped(value, app_id, produced)
        elif key == "subscriptionScopes":
            value = _add_scoped(value, "orchestrator", produced)
            item["value"] = _add_scoped(value, app_id, [consumed])
    return bool(component != before)


def _resiliency(docs: list[Any], app_id: str) -> bool:
    found = _doc(docs, "Resiliency", "hubspoke")
    apps = found["spec"]["targets"]["apps"] if found else None
    if apps is None or app_id in apps:
        return False
    apps[app_id] = {"timeout": "agentCall", "retry": "agentRetry", "circuitBreaker": "agentBreaker"}
    return True


def _kustomization(docs: list[Any], app_id: str) -> bool:
    return (docs[0]["resources"] is not None) and _insert_before(
        docs[0]["resources"], f"{app_id}.yaml", "networkpolicies.yaml"
    )


def _insert_before(items: Any, value: str, anchor: str) -> bool:
    if value in items:
        return False
    items.insert(items.index(anchor) if anchor in items else len(items), value)
    return True


def _hub_env(docs: list[Any], app_id: str) -> bool:
    hub = _doc(docs, "Deployment", "orchestrator")
    for container in hub["spec"]["template"]["spec"]["containers"] if hub else []:
        for variable in container.get("env", []):
            if variable["name"] == "ORCHESTRATOR_PUBSUB_AGENTS":
                listed = variable["value"]
                variable["value"] = type(listed)(_add_topics(str(listed), [app_id]))
                return bool(variable["value"] != listed)
    return False


def _dev_image(docs: list[Any], app_id: str) -> bool:
    images = docs[0].setdefault("images", [])
    if any(i["name"] == f"hubspoke/{app_id}" for i in images):
        return False
    entry = copy.deepcopy(images[-1]) if images else {}
    entry["name"], entry["newName"] = f"hubspoke/{app_id}", f"localhost/hubspoke/{app_id}"
    images.append(entry)
    return True


def _renamed_copy(kind: str) -> Edit:
    """A copy of the file's first agent `kind` (the one after the orchestrator's, if any)."""

    def edit(docs: list[Any], app_id: str) -> bool:
        of_kind = [d for d in docs if d["kind"] == kind]
        models = [d for d in of_kind if d["metadata"]["name"] != "orchestrator"]
        if not models or any(d["metadata"]["name"] == app_id for d in of_kind):
            return False
        model = models[0]
        old = str(model["metadata"]["name"])
        text = io.StringIO()
        _yaml().dump(model, text)
        docs.append(_yaml().load(text.getvalue().replace(old, app_id)))
        return True

    return edit


EDITS: tuple[tuple[str, Edit], ...] = (
    ("components/common/pubsub.yaml", _pubsub),
    ("components/common/secretstore.yaml", _scopes("Component", "sidecar-secrets")),
    ("components/state-sqlite/statestore.yaml", _scopes("Component", "statestore")),
    ("components/state-redis/statestore.yaml", _scopes("Component", "statestore")),
    ("components/common/resiliency.yaml", _resiliency),
    ("k8s/base/dapr-components.yaml", _pubsub),
    ("k8s/base/dapr-components.yaml", _scopes("Component", "statestore")),
    ("k8s/base/dapr-resiliency.yaml", _resiliency),
    ("k8s/base/kustomization.yaml", _kustomization),
    ("k8s/base/orchestrator.yaml", _hub_env),
    ("k8s/overlays/dev/kustomization.yaml", _dev_image),
    ("k8s/overlays/aks/scaling.yaml", _renamed_copy("ScaledObject")),
    ("k8s/overlays/aks/disruption.yaml", _renamed_copy("PodDisruptionBudget")),
)


_SELECTOR = re.compile(
    r"(app\.kubernetes\.io/name in \()([^)]*)(\))|(values: \[)(orchestrator[^\]]*)(\])"
)


def _selectors(text: str, app_id: str) -> str:
    """Label selectors that list every app by name (`in (a,b)`, `values: [a, b]`)."""

    def add(match: re.Match[str]) -> str:
        start, names, end = match.group(1, 2, 3) if match[1] else match.group(4, 5, 6)
        separator = "," if match[1] else ", "
        listed = [n.strip() for n in names.split(",")]
        return match[0] if app_id in listed else f"{start}{names}{separator}{app_id}{end}"

    return _SELECTOR.sub(add, text)


def _redis_policy(text: str, app_id: str) -> str:
    """The aks script's `policies=(...)`: the app's line from launcher.security.acl_rules."""
    if re.search(rf"^\s+{re.escape(app_id)} '", text, re.MULTILINE):
        return text
    line = f"  {app_id} '{acl_rules(app_id, HUB_APP_ID)}'\n"
    head, sep, tail = text.partition("\n)\n")
    return f"{head}\n{line.rstrip()}{sep}{tail}" if sep else text


def _base_manifest(root: Path, app: AppSpec) -> list[str]:
    """k8s/base/<app-id>.yaml from the TypeScript agent's, renamed, on the app's port."""
    target = root / "k8s/base" / f"{app.app_id}.yaml"
    model = root / "k8s/base/units.yaml"
    if target.exists() or not model.is_file():
        return []
    text = model.read_text().replace("units", app.app_id).replace('"8004"', f'"{app.app_port}"')
    header = (
        f"# The {app.app_id} agent (agents/{app.app_id}): written by "
        "`python -m tools.agents generate`\n# from units.yaml; its image, resources and "
        "settings are its team's to adjust.\n"
    )
    body = re.sub(r"\A(#.*\n)+", "", text).replace(": 8004", f": {app.app_port}")
    target.write_text(header + body)
    return [str(target.relative_to(root))]


def _text_edits(root: Path, app_ids: tuple[str, ...]) -> list[str]:
    changed = []
    files = [(f, _selectors) for f in sorted((root / "k8s/overlays").rglob("*.yaml"))]
    files.append((root / "k8s/overlays/aks/redis-access-policies.sh", _redis_policy))
    for file, edit in files:
        if not file.is_file():
            continue
        before = text = file.read_text()
        for app_id in app_ids:
            text = edit(text, app_id)
        if text != before:
            file.write_text(text)
            changed.append(str(file.relative_to(root)))
    return changed


def write_entries(root: Path, apps: tuple[AppSpec, ...]) -> list[str]:
    """Add each agent's entries to the files that list agents under `root`; the paths changed."""
    app_ids = tuple(app.app_id for app in apps)
    changed = _text_edits(root, app_ids)
    for app in apps:
        changed += _base_manifest(root, app)
    for path, edit in EDITS:
        file = root / path
        if not file.is_file():
            continue
        yaml = _yaml()
        docs = list(yaml.load_all(file.read_text()))
        if any([edit(docs, app_id) for app_id in app_ids]):
            out = io.StringIO()
            yaml.dump_all(docs, out)
            file.write_text(out.getvalue())
            changed.append(path)
    return sorted(set(changed))
