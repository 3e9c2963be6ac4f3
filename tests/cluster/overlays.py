"""Render a k8s/ overlay into a namespace of the test's choosing, with its secrets.

Both overlays name their namespace `hubspoke`; each test deploys into its
own (`hubspoke-dev`, `hubspoke-aks`, ...) so one control plane serves them
all. The secrets are the ones k8s/README.md tells an operator to create.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import yaml

from launcher.agents import agent_ids
from launcher.runfile import load_runfile
from launcher.security import SigningKeys
from launcher.toolchain import REPO_ROOT
from tests.cluster.kube import Kubectl

__all__ = ["AGENTS", "APPS", "deploy", "render"]

AGENTS = agent_ids(load_runfile(REPO_ROOT / "dapr.yaml"))  # every declared agent
APPS = ("orchestrator", *AGENTS)
_OVERLAY_NAMESPACE = "hubspoke"


def render(kubectl: Kubectl, overlay: Path, namespace: str) -> list[dict[str, Any]]:
    """The overlay's objects (kubectl's kustomize), moved from `hubspoke` to `namespace`."""
    docs = [d for d in yaml.safe_load_all(kubectl.ok("kustomize", str(overlay))) if d]
    for doc in docs:
        meta = doc["metadata"]
        if doc["kind"] == "Namespace" and meta["name"] == _OVERLAY_NAMESPACE:
            meta["name"] = namespace
        elif meta.get("namespace") == _OVERLAY_NAMESPACE:
            meta["namespace"] = namespace
    return docs


def _secret(namespace: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "stringData": data,
    }


def deploy(
    kubectl: Kubectl, overlay: Path, namespace: str, *, redis_host: str, redis_password: str
) -> list[dict[str, Any]]:
    """Create the namespace and its secrets, server-side apply the overlay; return its objects."""
    docs = render(kubectl, overlay, namespace)
    namespaces = [d for d in docs if d["kind"] == "Namespace"]
    tokens = [
        _secret(namespace, f"{app}-{kind}-token", {"token": secrets.token_hex(16)})
        for app in APPS
        for kind in ("app", "dapr")
    ]
    # Each app's signing key and every app's public key, as `python -m launcher.signing_keys`
    # makes them (docs/deployment.md): KEDA reads the secrets a target's env names.
    signing = SigningKeys.new(list(APPS))
    keys = [_secret(namespace, f"{app}-signing-key", {"key": signing.private[app]}) for app in APPS]
    public = signing.env(APPS[0])["HUBSPOKE_SIGNING_PUBLIC_KEYS"]
    setup = [
        *namespaces,
        *keys,
        _secret(namespace, "signing-public-keys", {"keys": public}),
        _secret(namespace, "redis", {"host": redis_host, "password": redis_password}),
        _secret(namespace, "app-insights", {"connection-string": "InstrumentationKey=test"}),
        _secret(namespace, "orchestrator-api-keys", {"keys": secrets.token_hex(16)}),
        *tokens,
    ]
    kubectl.apply(manifest=yaml.safe_dump_all(setup))
    kubectl.apply(manifest=yaml.safe_dump_all([d for d in docs if d["kind"] != "Namespace"]))
    return docs
