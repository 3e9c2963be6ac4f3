"""The AKS manifests, rendered with kustomize and validated offline.

Kubernetes kinds are checked against the official schemas
(kubernetes-validate, strict: unknown fields fail); Dapr's Component and
Configuration against the CRDs shipped in the pinned dapr/dapr module.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from chassis.redaction import CREDENTIAL_KEYS

ROOT = Path(__file__).resolve().parents[2]
K8S_VERSION = "1.33"  # AKS' default line at the time of writing
# Infrastructure, not Hubspoke apps: no Dapr sidecar.
WITHOUT_SIDECAR = {"otel-collector"}


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
    """The served (v1alpha1) schema of a Dapr kind, from the pinned dapr/dapr module's CRDs."""
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
        "HTTPEndpoint": "httpendpoints.yaml",
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
        differs = (
            f"k8s/base/dapr-resiliency.yaml's Resiliency `{name}` is not the one in "
            f"components/common/: copy it over (`python -m tools.agents check` names "
            "each agent's missing target)"
        )
        assert deployed[name]["spec"] == resource["spec"], differs
        assert deployed[name].get("scopes") == resource.get("scopes"), differs


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
    deployments = {
        d["metadata"]["name"]: d
        for d in rendered()
        if d["kind"] == "Deployment" and d["metadata"]["name"] not in WITHOUT_SIDECAR
    }
    assert {"orchestrator", "calculator", "summarizer"} <= set(deployments)
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


# -- the OpenTelemetry Collector: credentials never leave the cluster ------------


def _collector_config() -> dict[str, Any]:
    config_map = next(
        d
        for d in rendered()
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "otel-collector"
    )
    return dict(yaml.safe_load(config_map["data"]["collector.yaml"]))


_DELETE = re.compile(r'^delete_matching_keys\(attributes, (?P<literal>".+")\)$')


def _deleted_key_patterns(statements: list[dict[str, Any]]) -> dict[str, re.Pattern[str]]:
    """context -> the regex of its `delete_matching_keys(attributes, ...)` statement."""
    found = {}
    for block in statements:
        for statement in block["statements"]:
            match = _DELETE.match(statement)
            if match:  # OTTL unquotes string literals as Go does (JSON's escapes, here)
                found[block["context"]] = re.compile(json.loads(match["literal"]))
    return found


@pytest.mark.parametrize(
    ("signal", "contexts"),
    [("trace", {"resource", "span", "spanevent"}), ("log", {"resource", "log"})],
)
@pytest.mark.parametrize("key", CREDENTIAL_KEYS)
def test_the_collector_deletes_every_credential_key_in_every_context(
    signal: str, contexts: set[str], key: str
) -> None:
    processor = _collector_config()["processors"]["transform/redact-credentials"]
    patterns = _deleted_key_patterns(processor[f"{signal}_statements"])
    assert set(patterns) == contexts
    spellings = [key, key.upper(), key.replace("-", "_"), f"http.request.header.{key}"]
    for context, pattern in patterns.items():
        for spelled in spellings:
            assert pattern.fullmatch(spelled), (context, spelled)
        for kept in ("http.url", "service.name", f"{key}.count", f"not{key}"):
            assert not pattern.fullmatch(kept), (context, kept)


def test_the_collector_redacts_before_it_exports() -> None:
    config = _collector_config()
    assert config["processors"]["redaction/credential-values"]["allow_all_keys"] is True
    for name in ("traces", "logs"):
        processors = config["service"]["pipelines"][name]["processors"]
        assert "transform/redact-credentials" in processors, name
        assert "redaction/credential-values" in processors, name
        assert processors[-1] == "batch", name  # nothing after the redaction but batching


def test_the_collector_value_patterns_catch_quoted_credentials() -> None:
    patterns = [
        re.compile(p) for p in _collector_config()["processors"]["redaction/credential-values"][
            "blocked_values"
        ]
    ]  # fmt: skip
    for text in ("Bearer abc.def", "dapr-api-token: abc", "x-api-key=abc", "authorization: x"):
        assert any(p.search(text) for p in patterns), text
    assert not any(p.search("GET /v1.0/metadata 401") for p in patterns)


def test_sidecars_and_the_collector_meet() -> None:
    """Dapr's tracing endpoint is the collector Service this base ships, in its namespace."""
    services = {d["metadata"]["name"]: d for d in rendered() if d["kind"] == "Service"}
    ports = {p["port"] for p in services["otel-collector"]["spec"]["ports"]}
    namespace = services["otel-collector"]["metadata"]["namespace"]
    for config in (d for d in rendered() if d["kind"] == "Configuration"):
        endpoint = config["spec"]["tracing"]["otel"]["endpointAddress"]
        assert endpoint == f"otel-collector.{namespace}.svc.cluster.local:4318"
        assert 4318 in ports
    deployment = next(
        d
        for d in rendered()
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "otel-collector"
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert "opentelemetry-collector-contrib" in container["image"]
    assert container["args"] == ["--config=/conf/collector.yaml"]
