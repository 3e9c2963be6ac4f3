"""The dev and AKS overlays, rendered with kustomize and checked offline.

Kubernetes kinds against the official schemas (kubernetes-validate, strict),
Dapr's kinds against the CRDs of the pinned dapr/dapr module, KEDA's against
the CRDs shipped in its Go module (github.com/kedacore/keda/v2, config/crd/),
and both overlays plus the Containerfile through checkov's static policies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from launcher.agents import load_agents
from launcher.security import acl_rules
from tests.unit.test_k8s_manifests import K8S_VERSION, _dapr_crd_schema

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ("dev", "aks")
AGENTS = tuple(a.app_id for a in load_agents(ROOT))  # dapr.yaml's (launcher/agents.py)
SERVICES = ("orchestrator", *AGENTS)
KEDA_MODULE = "github.com/kedacore/keda/v2@v2.21.0"
CHECKOV = "checkov==3.3.30"

# checkov's findings we accept, each with its reason. Offline checkov reports no
# severities, so every other failed check fails the test.
POLICY_EXCEPTIONS = {
    "CKV_K8S_11": "No CPU limits on the services: a CFS quota throttles a bursty Python "
    "process even on an idle node; requests are set (the HPA scales on them) and "
    "memory limits are set.",
    "CKV_K8S_15": "dev only: images built by `make images` are loaded into the local "
    "cluster, there is no registry to pull from; the AKS overlay pulls Always.",
    "CKV_K8S_35": "Dapr's API tokens reach daprd and the app as APP_API_TOKEN and "
    "DAPR_API_TOKEN environment variables (Dapr's own convention) and the apps read "
    "all settings from the environment; the values live in Secrets, never in a manifest.",
    "CKV_K8S_43": "Tags, not digests, in the manifests: the digest exists only after the "
    "push; docs/deployment.md's deploy step pins it with `kustomize edit set image ...@sha256:`.",
    "CKV_DOCKER_7": "FROM takes the BASE_IMAGE/BUILDER_IMAGE build arguments, which "
    "checkov cannot resolve; their defaults are version-tagged "
    "(python:3.11-slim-bookworm).",
}


def _metadata(component: dict[str, Any]) -> dict[str, Any]:
    """A Dapr component's metadata as name -> value (None for a secretKeyRef)."""
    return {m["name"]: m.get("value") for m in component["spec"]["metadata"]}


def _kustomize() -> list[str]:
    built = ROOT / ".dapr" / "bin" / "kustomize"  # scripts/bootstrap.sh builds it without kubectl
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if built.exists():
        return [str(built), "build"]
    pytest.fail("neither kubectl nor kustomize found: run `make bootstrap`", pytrace=False)


@cache
def rendered_text(overlay: str) -> str:
    argv = [*_kustomize(), str(ROOT / "k8s" / "overlays" / overlay)]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout


def rendered(overlay: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(rendered_text(overlay)) if doc]


def by_kind(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in rendered(overlay) if d["kind"] == kind}


@cache
def _keda_crd_dir() -> Path:
    """KEDA's CRDs, from the Go module cache (scripts/bootstrap.sh downloads the module)."""
    out = subprocess.run(
        ["go", "mod", "download", "-json", KEDA_MODULE],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, "GOFLAGS": ""},
    ).stdout
    return Path(json.loads(out)["Dir"]) / "config" / "crd" / "bases"


def _keda_crd_schema(kind: str) -> dict[str, Any]:
    name = {
        "ScaledObject": "keda.sh_scaledobjects.yaml",
        "TriggerAuthentication": "keda.sh_triggerauthentications.yaml",
    }[kind]
    crd = yaml.safe_load((_keda_crd_dir() / name).read_text())
    served = next(v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1")
    return dict(served["schema"]["openAPIV3Schema"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_of_the_overlay_matches_its_schema(overlay: str) -> None:
    kinds = set()
    for doc in rendered(overlay):
        group = doc["apiVersion"].split("/")[0]
        if group == "dapr.io":
            jsonschema.validate(doc, _dapr_crd_schema(doc["kind"]))
        elif group == "keda.sh":
            jsonschema.validate(doc, _keda_crd_schema(doc["kind"]))
        else:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        kinds.add(doc["kind"])
    assert {"Deployment", "Component", "Configuration", "NetworkPolicy"} <= kinds


def test_keda_crds_reject_a_scaled_object_without_a_target() -> None:
    """The KEDA schema really is applied: a ScaledObject missing its target fails."""
    broken = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {"triggers": []},
    }
    with pytest.raises(jsonschema.ValidationError, match="scaleTargetRef"):
        jsonschema.validate(broken, _keda_crd_schema("ScaledObject"))


def test_each_agent_scales_on_the_backlog_of_its_own_work_stream() -> None:
    """Stream = topic and consumer group = consumerID ("{appID}") in Dapr's Redis pub/sub."""
    deployments = by_kind("aks", "Deployment")
    scaled = by_kind("aks", "ScaledObject")
    assert set(scaled) == set(AGENTS)
    for agent in AGENTS:
        app_id = deployments[agent]["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]
        metadata = _metadata(by_kind("aks", "Component")[f"pubsub-{app_id}"])
        assert metadata["consumerID"] == "{appID}"
        subscriptions = dict(s.split("=", 1) for s in metadata["subscriptionScopes"].split(";"))
        spec = scaled[agent]["spec"]
        assert spec["scaleTargetRef"]["name"] == agent
        assert 2 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "redis-streams"
        assert trigger["metadata"]["stream"] == f"agent.requests.{app_id}"
        assert trigger["metadata"]["stream"] in subscriptions[app_id].split(",")
        assert trigger["metadata"]["consumerGroup"] == app_id
        assert int(trigger["metadata"]["pendingEntriesCount"]) > 0
        assert trigger["metadata"]["enableTLS"] == "true"
        assert trigger["authenticationRef"]["name"] in by_kind("aks", "TriggerAuthentication")


def test_the_keda_trigger_reads_redis_from_the_secret_no_pod_of_ours_mounts() -> None:
    """KEDA's operator, not our pods, holds the access key (docs/deployment.md)."""
    auth = by_kind("aks", "TriggerAuthentication")["redis"]["spec"]["secretTargetRef"]
    refs = {a["parameter"]: {"name": a["name"], "key": a["key"]} for a in auth}
    for component in by_kind("aks", "Component").values():
        host = next(m for m in component["spec"]["metadata"] if m["name"] == "redisHost")
        assert refs["address"] == host["secretKeyRef"]
    assert refs["password"] == {"name": "redis", "key": "password"}
    for service in SERVICES:
        pod = json.dumps(by_kind("aks", "Deployment")[service]["spec"]["template"])
        assert '"name": "redis"' not in pod


def test_the_orchestrator_scales_on_its_own_cpu() -> None:
    (hpa,) = by_kind("aks", "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "orchestrator",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["containerResource"]["container"] == "orchestrator"
    assert metric["containerResource"]["name"] == "cpu"
    container = by_kind("aks", "Deployment")["orchestrator"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["resources"]["requests"]["cpu"]  # utilization is relative to it


def test_autoscaled_deployments_leave_replicas_to_the_autoscalers() -> None:
    for name in SERVICES:  # the collector keeps its fixed replica count
        deployment = by_kind("aks", "Deployment")[name]
        assert "replicas" not in deployment["spec"], name


def test_a_node_loss_or_drain_leaves_every_service_running() -> None:
    budgets = by_kind("aks", "PodDisruptionBudget")
    for name in SERVICES:  # the telemetry collector is not a service of ours: docs/deployment.md
        deployment = by_kind("aks", "Deployment")[name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        budget = budgets[name]["spec"]
        assert budget["minAvailable"] == 1
        assert budget["selector"]["matchLabels"].items() <= labels.items()
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        by_key = {c["topologyKey"]: c for c in spread}
        assert by_key["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"
        assert by_key["kubernetes.io/hostname"]["matchLabelKeys"] == ["app.kubernetes.io/name"]
        assert "topology.kubernetes.io/zone" in by_key


def test_the_orchestrator_reaches_azure_openai_with_its_workload_identity() -> None:
    settings = yaml.safe_load((ROOT / "k8s/overlays/aks/settings.yaml").read_text())["data"]
    account = by_kind("aks", "ServiceAccount")["orchestrator"]
    client_id = account["metadata"]["annotations"]["azure.workload.identity/client-id"]
    assert client_id == settings["orchestratorClientId"]
    pod = by_kind("aks", "Deployment")["orchestrator"]["spec"]["template"]
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert pod["spec"]["serviceAccountName"] == "orchestrator"
    (source,) = pod["spec"]["containers"][0]["envFrom"]
    config = by_kind("aks", "ConfigMap")[source["configMapRef"]["name"]]["data"]
    assert config["ORCHESTRATOR_AI_PROVIDER"] == "azure-openai"
    # No key anywhere: DefaultAzureCredential is the only way in.
    assert "AZURE_OPENAI_API_KEY" not in rendered_text("aks")


def test_aks_images_come_from_the_one_acr_and_dev_images_from_make_images() -> None:
    acr = yaml.safe_load((ROOT / "k8s/overlays/aks/settings.yaml").read_text())["data"][
        "acrLoginServer"
    ]
    assert "aks-settings" not in by_kind("aks", "ConfigMap")  # local config, never deployed
    for overlay, registry in (("aks", acr), ("dev", "localhost")):
        deployments = by_kind(overlay, "Deployment")
        for service in SERVICES:
            image = deployments[service]["spec"]["template"]["spec"]["containers"][0]["image"]
            assert image.startswith(f"{registry}/hubspoke/{service}:"), image


def test_dev_runs_redis_in_the_cluster_without_tls_and_one_replica_each() -> None:
    deployments = by_kind("dev", "Deployment")
    assert set(deployments) == {*SERVICES, "redis", "otel-collector"}
    assert all(d["spec"]["replicas"] == 1 for d in deployments.values())
    assert "redis" in by_kind("dev", "Service")
    for component in by_kind("dev", "Component").values():
        metadata = {m["name"]: m.get("value") for m in component["spec"]["metadata"]}
        assert metadata["enableTLS"] == "false"
    assert not any(d["apiVersion"].startswith("keda.sh/") for d in rendered("dev"))
    for component in by_kind("aks", "Component").values():
        metadata = {m["name"]: m.get("value") for m in component["spec"]["metadata"]}
        assert metadata["enableTLS"] == "true"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_write_only_to_tmp_as_a_non_root_user(overlay: str) -> None:
    for service in SERVICES:
        pod = by_kind(overlay, "Deployment")[service]["spec"]["template"]
        container = pod["spec"]["containers"][0]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
        assert pod["spec"]["securityContext"]["runAsUser"] >= 10000
        assert pod["spec"]["automountServiceAccountToken"] is False


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".cache" / "uv-venv" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("uv not found: run `make bootstrap`", pytrace=False)
    return found


def test_static_policy_check_finds_nothing_but_the_written_exceptions(tmp_path: Path) -> None:
    """checkov on both rendered overlays and the Containerfile.

    checkov runs in an environment of its own (`uv tool run`, pinned): in the
    project's lock it would pull pytest, packaging and prance back to older versions.
    """
    for overlay in OVERLAYS:
        (tmp_path / f"{overlay}.yaml").write_text(rendered_text(overlay))
    # checkov recognises Containerfiles by the name Dockerfile.
    shutil.copy(ROOT / "containers" / "Containerfile.python", tmp_path / "Dockerfile")
    argv = [_uv(), "tool", "run", "--quiet", "--from", CHECKOV, "checkov"]
    argv += ["--directory", str(tmp_path), "--framework", "kubernetes", "dockerfile"]
    argv += ["--output", "json", "--quiet", "--compact", "--skip-download"]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    reports = json.loads(run.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert {r["check_type"] for r in reports} == {"kubernetes", "dockerfile"}, run.stderr
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    unexpected = [
        f"{c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']})"
        for c in failed
        if c["check_id"] not in POLICY_EXCEPTIONS or c.get("severity") in ("HIGH", "CRITICAL")
    ]
    assert unexpected == []
    # An exception nothing needs any more is removed, not kept "just in case".
    assert {c["check_id"] for c in failed} == set(POLICY_EXCEPTIONS)
    dev_only = {c["file_path"].lstrip("/") for c in failed if c["check_id"] == "CKV_K8S_15"}
    assert dev_only == {"dev.yaml"}


def _scopes(metadata: dict[str, Any], key: str) -> dict[str, str]:
    return dict(s.split("=", 1) for s in metadata[key].split(";"))


def test_each_app_has_its_own_redis_components_scoped_to_it_alone() -> None:
    """One pub/sub and one state component per app, the base's topic scopes cut to it."""
    base = {
        d["metadata"]["name"]: d
        for d in yaml.safe_load_all((ROOT / "k8s/base/dapr-components.yaml").read_text())
    }
    shared = _metadata(base["pubsub"])
    components = by_kind("aks", "Component")
    assert "pubsub" not in components
    assert "statestore" not in components
    for app in SERVICES:
        pubsub, state = components[f"pubsub-{app}"], components[f"statestore-{app}"]
        assert pubsub["scopes"] == [app]
        assert state["scopes"] == [app]
        metadata = _metadata(pubsub)
        for key in ("publishingScopes", "subscriptionScopes"):
            assert _scopes(metadata, key) == {app: _scopes(shared, key)[app]}
        for key in ("allowedTopics", "protectedTopics", "consumerID", "redeliverInterval"):
            assert metadata[key] == shared[key]
        env = by_kind("aks", "Deployment")[app]["spec"]["template"]["spec"]["containers"][0]["env"]
        prefix = "ORCHESTRATOR" if app == "orchestrator" else "HUBSPOKE"
        values = {e["name"]: e.get("value") for e in env}
        assert values[f"{prefix}_PUBSUB"] == f"pubsub-{app}"
        assert values[f"{prefix}_STATE_STORE"] == f"statestore-{app}"
    # Every other component is the orchestrator's alone.
    others = {n: c for n, c in components.items() if not n.startswith(("pubsub-", "statestore-"))}
    assert set(others) == {"taskqueue", "registrystore"}
    assert all(c["scopes"] == ["orchestrator"] for c in others.values())


def test_each_sidecar_logs_in_to_redis_as_its_own_app_identity_without_a_key() -> None:
    settings = yaml.safe_load((ROOT / "k8s/overlays/aks/settings.yaml").read_text())["data"]
    accounts = by_kind("aks", "ServiceAccount")
    deployments = by_kind("aks", "Deployment")
    client_ids = {}
    for app in SERVICES:
        client_id = accounts[app]["metadata"]["annotations"]["azure.workload.identity/client-id"]
        assert client_id == settings[f"{app}ClientId"]
        client_ids[app] = client_id
        pod = deployments[app]["spec"]["template"]
        assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
        assert pod["spec"]["serviceAccountName"] == app
    assert len(set(client_ids.values())) == len(SERVICES)
    for name, component in by_kind("aks", "Component").items():
        metadata = _metadata(component)
        assert "redisPassword" not in metadata, name
        assert "redisUsername" not in metadata, name
        assert metadata["useEntraID"] == "true"
        assert metadata["enableTLS"] == "true"
        (app,) = component["scopes"]
        assert metadata["azureClientId"] == client_ids[app], name


def test_the_components_keep_the_bases_resiliency_under_their_new_names() -> None:
    (policy,) = (
        r
        for r in rendered("aks")
        if r["kind"] == "Resiliency" and "components" in r["spec"]["targets"]
    )
    targets = policy["spec"]["targets"]["components"]
    base = next(
        r
        for r in yaml.safe_load_all((ROOT / "k8s/base/dapr-resiliency.yaml").read_text())
        if r and "components" in r["spec"]["targets"]
    )["spec"]["targets"]["components"]
    for app in SERVICES:
        assert targets[f"pubsub-{app}"] == base["pubsub"]
        assert targets[f"statestore-{app}"] == base["statestore"]
    assert targets["taskqueue"] == base["taskqueue"]
    assert "pubsub" not in targets
    assert "statestore" not in targets


def test_the_azure_access_policies_are_the_local_redis_acl_rules() -> None:
    """redis-access-policies.sh carries launcher/security.py's rules verbatim, for every app."""
    script = (ROOT / "k8s/overlays/aks/redis-access-policies.sh").read_text()
    block = script.split("policies=(\n", 1)[1].split("\n)\n", 1)[0]
    policies = {}
    for line in block.splitlines():
        app, quoted = line.strip().split(" ", 1)
        assert quoted.startswith("'")
        assert quoted.endswith("'")
        policies[app] = quoted[1:-1]
    assert policies == {app: acl_rules(app, "orchestrator") for app in SERVICES}


@pytest.mark.parametrize("overlay", ["dev", "aks"])
def test_every_app_signs_with_its_own_key_and_verifies_with_everyones(overlay: str) -> None:
    apps = ("orchestrator", "calculator", "summarizer", "knowledge", "units", "calendar")
    deployments = by_kind(overlay, "Deployment")
    for name in apps:
        deployment = deployments[name]
        [app] = [
            c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name
        ]
        env = {e["name"]: e for e in app["env"]}
        key = env["HUBSPOKE_SIGNING_KEY"]["valueFrom"]["secretKeyRef"]
        assert key == {"name": f"{name}-signing-key", "key": "key"}, name
        public = env["HUBSPOKE_SIGNING_PUBLIC_KEYS"]["valueFrom"]["secretKeyRef"]
        assert public == {"name": "signing-public-keys", "key": "keys"}, name
        # Verification stays on (its default): nothing may turn it off here.
        assert "HUBSPOKE_VERIFY_SIGNATURES" not in env, name
