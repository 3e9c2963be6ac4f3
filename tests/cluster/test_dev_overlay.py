"""k8s/overlays/dev on a real API server, with Dapr's real injector and operator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cluster.checks import selects
from tests.cluster.controlplane import REPO_ROOT, ControlPlane
from tests.cluster.deployed import pods_of, rollout_problems, wait_for_rollout
from tests.cluster.overlays import AGENTS, APPS, deploy
from tests.cluster.redis_tls import TlsRedis

NAMESPACE = "hubspoke-dev"
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def dev(cluster: ControlPlane, tls_redis: TlsRedis) -> list[Obj]:
    """The dev overlay applied (server-side) and rolled out; its rendered objects."""
    docs = deploy(
        cluster.kubectl,
        REPO_ROOT / "k8s" / "overlays" / "dev",
        NAMESPACE,
        redis_host="redis:6379",
        redis_password=tls_redis.password,
    )
    wait_for_rollout(cluster.kubectl, NAMESPACE)
    return docs


def test_every_service_runs_with_its_sidecar_on_the_simulated_node(
    cluster: ControlPlane, dev: list[Obj]
) -> None:
    deployments = {
        d["metadata"]["name"] for d in cluster.kubectl.items("deployments", namespace=NAMESPACE)
    }
    assert {*APPS, "redis", "otel-collector"} <= deployments
    assert rollout_problems(cluster.kubectl, NAMESPACE) == []
    pods = cluster.kubectl.items("pods", namespace=NAMESPACE)
    with_sidecar = {
        p["metadata"]["labels"]["app.kubernetes.io/name"]
        for p in pods
        if any(c["name"] == "daprd" for c in p["spec"]["containers"])
    }
    assert with_sidecar == set(APPS)


def test_every_dapr_resource_is_accepted_by_the_api(cluster: ControlPlane, dev: list[Obj]) -> None:
    for kind, plural in (
        ("Component", "components.dapr.io"),
        ("Configuration", "configurations.dapr.io"),
        ("Resiliency", "resiliencies.dapr.io"),
    ):
        rendered = {d["metadata"]["name"] for d in dev if d["kind"] == kind}
        stored = {o["metadata"]["name"] for o in cluster.kubectl.items(plural, namespace=NAMESPACE)}
        assert rendered, f"the overlay has no {kind}"
        assert stored == rendered, f"{kind}: the API holds {stored}, the overlay has {rendered}"


def _selected(policy: Obj, pods: list[Obj]) -> set[str]:
    return {
        p["metadata"]["labels"].get("app.kubernetes.io/name", p["metadata"]["name"])
        for p in pods
        if selects(policy["spec"]["podSelector"], p["metadata"].get("labels", {}))
    }


def test_every_network_policy_selects_the_pods_it_is_meant_to(
    cluster: ControlPlane, dev: list[Obj]
) -> None:
    pods = cluster.kubectl.items("pods", namespace=NAMESPACE)
    policies = {
        p["metadata"]["name"]: p
        for p in cluster.kubectl.items("networkpolicies", namespace=NAMESPACE)
    }
    assert _selected(policies["default-deny-ingress"], pods) == {*APPS, "redis", "otel-collector"}
    assert _selected(policies["agents-from-orchestrator-only"], pods) == set(AGENTS)
    assert _selected(policies["orchestrator-public-api"], pods) == {"orchestrator"}
    assert _selected(policies["redis-from-hubspoke"], pods) == {"redis"}
    # Each peer a policy admits is a pod that exists here, or a namespace the cluster has.
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    assert _selected({"spec": {"podSelector": peer["podSelector"]}}, pods), (
                        f"{policy['metadata']['name']} admits a podSelector that selects no pod"
                    )


def test_each_deployment_has_exactly_its_replicas(cluster: ControlPlane, dev: list[Obj]) -> None:
    pods = cluster.kubectl.items("pods", namespace=NAMESPACE)
    for deployment in cluster.kubectl.items("deployments", namespace=NAMESPACE):
        assert len(pods_of(deployment, pods)) == deployment["spec"]["replicas"] == 1
