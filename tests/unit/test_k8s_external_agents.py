"""The Kubernetes example for an external A2A agent (k8s/examples/external-agent).

Rendered with the AKS overlay through kustomize, the HTTPEndpoint must match
the pinned Dapr CRD and be exactly what the orchestrator's own allowlist
entry (the env var the Component sets) renders, so the two never disagree.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import TypeAdapter

from orchestrator.registry.allowlist import ExternalAgent, http_endpoint_resource
from tests.unit.test_k8s_manifests import _dapr_crd_schema
from tests.unit.test_k8s_overlays import _kustomize

ROOT = Path(__file__).resolve().parents[1].parent
EXAMPLE = ROOT / "k8s" / "examples" / "external-agent"


def _rendered(tmp_path: Path) -> list[dict[str, Any]]:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                # As inside the AKS overlay, whose namespace applies to its components.
                "namespace": "hubspoke",
                # kustomize takes no absolute roots: relative to this folder.
                "resources": [os.path.relpath(ROOT / "k8s" / "overlays" / "aks", overlay)],
                "components": [os.path.relpath(EXAMPLE, overlay)],
            }
        )
    )
    out = subprocess.run(
        # The overlay and the example live outside this temporary root.
        [*_kustomize(), "--load-restrictor", "LoadRestrictionsNone", str(overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def test_the_example_adds_a_valid_http_endpoint_matching_the_orchestrator_allowlist(
    tmp_path: Path,
) -> None:
    docs = _rendered(tmp_path)
    [endpoint] = [d for d in docs if d["kind"] == "HTTPEndpoint"]
    jsonschema.validate(endpoint, _dapr_crd_schema("HTTPEndpoint"))
    [hub] = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "orchestrator"
    ]
    env = {
        e["name"]: e.get("value") for e in hub["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    [agent] = TypeAdapter(list[ExternalAgent]).validate_json(env["ORCHESTRATOR_EXTERNAL_AGENTS"])
    expected = http_endpoint_resource(agent, secret_store="kubernetes")
    assert endpoint == {**expected, "metadata": {**expected["metadata"], "namespace": "hubspoke"}}
    assert endpoint["spec"]["baseUrl"].startswith("https://")


def test_the_crd_refuses_an_endpoint_without_a_base_url() -> None:
    broken = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "HTTPEndpoint",
        "metadata": {"name": "x"},
        "spec": {"headers": []},
    }
    with pytest.raises(jsonschema.ValidationError, match="baseUrl"):
        jsonschema.validate(broken, _dapr_crd_schema("HTTPEndpoint"))
