"""The AKS manifests, rendered with kustomize and validated offline.

Kubernetes kinds are checked against the official schemas
(kubernetes-validate, strict: unknown fields fail); Dapr's Component and
Configuration against the CRDs shipped in the pinned dapr/dapr module.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S_VERSION = "1.33"  # AKS' default line at the time of writing


@cache
def rendered() -> list[dict[str, Any]]:
    built = ROOT / ".dapr" / "bin" / "kustomize"  # scripts/bootstrap.sh builds it without kubectl
    if shutil.which("kubectl"):
        argv = ["kubectl", "kustomize", str(ROOT / "k8s" / "base")]
    elif built.exists():
        argv = [str(built), "build", str(ROOT / "k8s" / "base")]
    else:
        pytest.fail("neither kubectl nor kustomize found: run `make bootstrap`", pytrace=False)
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def _dapr_crd_schema(kind: str) -> dict[str, Any]:
    module_dir = subprocess.run(
        ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/dapr/dapr"],
        cwd=ROOT / "tools" / "dapr",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    crds = Path(module_dir) / "charts" / "dapr" / "crds"
    name = {
        "Component": "components.yaml",
        "Configuration": "configuration.yaml",
        "Resiliency": "resiliency.yaml",
    }[kind]
    crd = next(d for d in yaml.safe_load_all((crds / name).read_text()) if d)
    served = next(v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1")
    return dict(served["schema"]["openAPIV3Schema"])


def test_every_kubernetes_object_matches_its_schema() -> None:
    checked = 0
    for doc in rendered():
        if doc["apiVersion"].startswith("dapr.io/"):
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        checked += 1
    assert checked >= 10


def test_every_dapr_resource_matches_the_pinned_crd() -> None:
    dapr_docs = [d for d in rendered() if d["apiVersion"].startswith("dapr.io/")]
    assert {d["kind"] for d in dapr_docs} == {"Component", "Configuration", "Resiliency"}
    for doc in dapr_docs:
        jsonschema.validate(doc, _dapr_crd_schema(doc["kind"]))


def test_aks_resiliency_is_the_local_one() -> None:
    """One set of failure policies: the cluster's cannot drift from what the tests exercise."""
    local = [
        yaml.safe_load(path.read_text())
        for path in (ROOT / "components" / "common").glob("resiliency*.yaml")
    ]
    deployed = {d["metadata"]["name"]: d for d in rendered() if d["kind"] == "Resiliency"}
    assert len(deployed) == len(local) == 2
    for resource in local:
        name = resource["metadata"]["name"]
        assert deployed[name]["spec"] == resource["spec"], name
        assert deployed[name].get("scopes") == resource.get("scopes"), name


def test_agents_receive_only_from_the_orchestrator_and_the_control_plane() -> None:
    policies = {d["metadata"]["name"]: d for d in rendered() if d["kind"] == "NetworkPolicy"}
    assert policies["default-deny-ingress"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress"],
    }
    agents = policies["agents-from-orchestrator-only"]["spec"]
    assert agents["podSelector"] == {"matchLabels": {"hubspoke.dev/role": "agent"}}
    sources = [peer for rule in agents["ingress"] for peer in rule["from"]]
    assert sources == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "orchestrator"}}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dapr-system"}}},
    ]


def test_every_agent_deployment_is_labelled_and_uses_the_agent_configuration() -> None:
    deployments = {d["metadata"]["name"]: d for d in rendered() if d["kind"] == "Deployment"}
    for name, deployment in deployments.items():
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["dapr.io/app-id"] == name
        assert annotations["dapr.io/app-token-secret"] == f"{name}-app-token"
        if name != "orchestrator":
            assert template["metadata"]["labels"]["hubspoke.dev/role"] == "agent"
            assert annotations["dapr.io/config"] == "agent"


def test_local_and_cluster_access_control_agree() -> None:
    local = yaml.safe_load((ROOT / "dapr-config" / "agent.yaml").read_text())
    cluster = next(
        d for d in rendered() if d["kind"] == "Configuration" and d["metadata"]["name"] == "agent"
    )
    local_ops = local["spec"]["accessControl"]["policies"][0]["operations"]
    cluster_ops = cluster["spec"]["accessControl"]["policies"][0]["operations"]
    assert local_ops == cluster_ops


def test_local_dapr_resources_match_the_pinned_crds() -> None:
    paths = [*(ROOT / "components").rglob("*.yaml"), *(ROOT / "dapr-config").glob("*.yaml")]
    kinds = set()
    for path in paths:
        doc = yaml.safe_load(path.read_text())
        jsonschema.validate(doc, _dapr_crd_schema(doc["kind"]))
        kinds.add(doc["kind"])
    assert kinds == {"Component", "Configuration", "Resiliency"}
