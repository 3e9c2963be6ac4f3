"""Every file that must name each agent, checked against the declaration.

Dapr components, resiliency targets and the k8s base and overlays list the
agents one by one (Dapr and Kubernetes have no "every agent" selector). Each
check below reads one such file and reports, per declared agent, the entry it
lacks as a `Missing(path, entry)`: the message says which file to change and
what to add. `python -m tools.agents check` prints them; a unit test fails on any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CHECKS", "Missing", "missing_entries"]


@dataclass(frozen=True)
class Missing:
    """`entry` (what to add, in the file's terms) is absent from `path` (repository-relative)."""

    path: str
    entry: str

    def __str__(self) -> str:
        return f"{self.path}: add {self.entry}"


Check = Callable[[Path, str], Iterator[Missing]]


def _docs(root: Path, path: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((root / path).read_text()) if d]


def _named(root: Path, path: str, kind: str, name: str) -> dict[str, Any] | None:
    return next(
        (d for d in _docs(root, path) if d["kind"] == kind and d["metadata"]["name"] == name),
        None,
    )


def _metadata(component: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: str(m.get("value", "")) for m in component["spec"].get("metadata", [])}


def _scoped(scopes: str, app_id: str) -> set[str]:
    """The topics of `app_id` in a `publishingScopes`/`subscriptionScopes` value."""
    for part in scopes.split(";"):
        app, _, topics = part.partition("=")
        if app.strip() == app_id:
            return {t.strip() for t in topics.split(",") if t.strip()}
    return set()


def _pubsub(path: str) -> Check:
    """The shared pub/sub component: scopes, topic lists, both scope maps (docs/security.md)."""

    def check(root: Path, app_id: str) -> Iterator[Missing]:
        component = _named(root, path, "Component", "pubsub")
        if component is None:
            yield Missing(path, "the Component `pubsub`")
            return
        if app_id not in component.get("scopes", []):
            yield Missing(path, f"`{app_id}` to the pubsub Component's `scopes`")
        meta = _metadata(component)
        produced = [f"agents.registry.{app_id}", f"agent.results.{app_id}"]
        produced.append(f"tasks.deadletter.{app_id}")
        consumed = f"agent.requests.{app_id}"
        for key in ("allowedTopics", "protectedTopics"):
            listed = set(meta.get(key, "").split(","))
            for topic in [consumed, *produced]:
                if topic not in listed:
                    yield Missing(path, f"`{topic}` to `{key}`")
        wanted = {
            ("publishingScopes", "orchestrator"): [consumed],
            ("publishingScopes", app_id): produced,
            ("subscriptionScopes", "orchestrator"): produced,
            ("subscriptionScopes", app_id): [consumed],
        }
        for (key, app), topics in wanted.items():
            have = _scoped(meta.get(key, ""), app)
            for topic in topics:
                if topic not in have:
                    yield Missing(path, f"`{topic}` to `{app}=` in `{key}`")

    return check


def _scopes(path: str, kind: str, name: str) -> Check:
    def check(root: Path, app_id: str) -> Iterator[Missing]:
        found = _named(root, path, kind, name)
        if found is None or app_id not in found.get("scopes", []):
            yield Missing(path, f"`{app_id}` to the `scopes` of {kind} `{name}`")

    return check


def _resiliency_target(path: str) -> Check:
    def check(root: Path, app_id: str) -> Iterator[Missing]:
        found = _named(root, path, "Resiliency", "hubspoke")
        apps = (found or {}).get("spec", {}).get("targets", {}).get("apps", {})
        if app_id not in apps:
            yield Missing(
                path,
                f"`{app_id}: {{timeout: agentCall, retry: agentRetry, "
                "circuitBreaker: agentBreaker}` under spec.targets.apps of Resiliency `hubspoke`",
            )

    return check


def _object(path: str, kind: str, how: str) -> Check:
    """A `kind` named after the agent in `path` (`how`: an existing agent to copy from)."""

    def check(root: Path, app_id: str) -> Iterator[Missing]:
        if not (root / path).is_file() or _named(root, path, kind, app_id) is None:
            yield Missing(path, f"a {kind} named `{app_id}` ({how})")

    return check


def _base_manifest(root: Path, app_id: str) -> Iterator[Missing]:
    path = f"k8s/base/{app_id}.yaml"
    if not (root / path).is_file() or _named(root, path, "Deployment", app_id) is None:
        copy = "copy k8s/base/units.yaml"
        yield Missing(path, f"the ServiceAccount and Deployment `{app_id}` ({copy})")
    resources = yaml.safe_load((root / "k8s/base/kustomization.yaml").read_text())["resources"]
    if f"{app_id}.yaml" not in resources:
        yield Missing("k8s/base/kustomization.yaml", f"`{app_id}.yaml` to `resources`")


def _env_list(path: str, variable: str) -> Check:
    def check(root: Path, app_id: str) -> Iterator[Missing]:
        deployment = _named(root, path, "Deployment", "orchestrator") or {}
        containers = deployment.get("spec", {}).get("template", {}).get("spec", {})
        env = [e for c in containers.get("containers", []) for e in c.get("env", [])]
        value = next((str(e.get("value", "")) for e in env if e["name"] == variable), "")
        if app_id not in value.split(","):
            yield Missing(path, f"`{app_id}` to the orchestrator's {variable} (comma-separated)")

    return check


_SELECTOR = re.compile(r"app\.kubernetes\.io/name in \(([^)]*)\)|values: \[(orchestrator[^\]]*)\]")


def _selectors(root: Path, app_id: str) -> Iterator[Missing]:
    """Label selectors listing every app (network policies, placement) in the overlays."""
    for file in sorted((root / "k8s/overlays").rglob("*.yaml")):
        for line_no, line in enumerate(file.read_text().splitlines(), start=1):
            for match in _SELECTOR.finditer(line):
                names = {n.strip() for n in (match[1] or match[2]).split(",")}
                if app_id not in names:
                    where = f"{file.relative_to(root)}:{line_no}"
                    yield Missing(where, f"`{app_id}` to the list of app names")


def _dev_image(root: Path, app_id: str) -> Iterator[Missing]:
    path = "k8s/overlays/dev/kustomization.yaml"
    images = yaml.safe_load((root / path).read_text()).get("images", [])
    if f"hubspoke/{app_id}" not in {i["name"] for i in images}:
        yield Missing(
            path,
            f"`{{name: hubspoke/{app_id}, newName: localhost/hubspoke/{app_id}}}` to `images`",
        )


def _redis_policy(root: Path, app_id: str) -> Iterator[Missing]:
    path = "k8s/overlays/aks/redis-access-policies.sh"
    if not re.search(rf"^\s+{re.escape(app_id)} '", (root / path).read_text(), re.MULTILINE):
        line = f"the line `python -m launcher.redis_acl {app_id}` prints"
        yield Missing(path, f"{line}, to `policies`")


CHECKS: tuple[Check, ...] = (
    _pubsub("components/common/pubsub.yaml"),
    _pubsub("k8s/base/dapr-components.yaml"),
    _scopes("components/common/secretstore.yaml", "Component", "sidecar-secrets"),
    _scopes("components/state-sqlite/statestore.yaml", "Component", "statestore"),
    _scopes("components/state-redis/statestore.yaml", "Component", "statestore"),
    _scopes("k8s/base/dapr-components.yaml", "Component", "statestore"),
    _resiliency_target("components/common/resiliency.yaml"),
    _resiliency_target("k8s/base/dapr-resiliency.yaml"),
    _base_manifest,
    _env_list("k8s/base/orchestrator.yaml", "ORCHESTRATOR_PUBSUB_AGENTS"),
    _object("k8s/overlays/aks/scaling.yaml", "ScaledObject", "copy the calculator's"),
    _object("k8s/overlays/aks/disruption.yaml", "PodDisruptionBudget", "copy the calculator's"),
    _object("k8s/overlays/aks/workload-identity.yaml", "ServiceAccount", "copy the calculator's"),
    _selectors,
    _dev_image,
    _redis_policy,
)


def missing_entries(root: Path, app_ids: tuple[str, ...]) -> list[Missing]:
    """What each file under `root` lacks for the agents `app_ids`; empty when all agree."""
    return [missing for app_id in app_ids for check in CHECKS for missing in check(root, app_id)]
