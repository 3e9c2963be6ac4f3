"""k8s/overlays/aks on a real API server: KEDA's real operator and adapter turn
each agent's ScaledObject into an HPA, and one agent's Redis backlog scales it alone."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.cluster.checks import hpa_problems, pdb_problems, scaledobject_problems
from tests.cluster.controlplane import REPO_ROOT, ControlPlane
from tests.cluster.deployed import ROLLOUT_TIMEOUT_S, wait_for_rollout
from tests.cluster.kube import wait_for, wait_until_no_problems
from tests.cluster.overlays import AGENTS, APPS, deploy
from tests.cluster.redis_tls import TlsRedis

NAMESPACE = "hubspoke-aks"
Obj = dict[str, Any]
MIN_REPLICAS, MAX_REPLICAS, PENDING_PER_REPLICA = 2, 10, 10  # k8s/overlays/aks/scaling.yaml


def make_consumer_groups(redis: TlsRedis) -> None:
    """What each agent's daprd does when it subscribes: XGROUP CREATE <stream> <app-id> MKSTREAM."""
    for agent in AGENTS:
        stream = f"agent.requests.{agent}"
        if not any(g["name"] == agent for g in _groups(redis, stream)):
            redis.client.xgroup_create(stream, agent, id="0", mkstream=True)


def _groups(redis: TlsRedis, stream: str) -> list[dict[str, Any]]:
    if not redis.client.exists(stream):
        return []
    groups: list[dict[str, Any]] = redis.client.xinfo_groups(stream)
    return groups


@pytest.fixture(scope="module")
def aks(keda: ControlPlane, tls_redis: TlsRedis) -> list[Obj]:
    """The aks overlay applied (server-side) with the test's Redis, rolled out at KEDA's minimum."""
    cluster = keda
    make_consumer_groups(tls_redis)
    docs = deploy(
        cluster.kubectl,
        REPO_ROOT / "k8s" / "overlays" / "aks",
        NAMESPACE,
        redis_host=tls_redis.host,
        redis_password=tls_redis.password,
    )
    wait_until_no_problems(
        lambda: [
            p
            for agent in AGENTS
            for p in scaledobject_problems(
                cluster.kubectl.get("scaledobject", namespace=NAMESPACE, name=agent)
            )
        ],
        timeout_s=ROLLOUT_TIMEOUT_S,
        what="ScaledObjects not accepted by KEDA",
    )
    wait_for_rollout(cluster.kubectl, NAMESPACE)
    return docs


def _hpa(cluster: ControlPlane, name: str) -> Obj:
    return cluster.kubectl.get("hpa", namespace=NAMESPACE, name=name)


def test_every_agent_scaledobject_became_an_hpa_with_its_bounds(
    cluster: ControlPlane, aks: list[Obj]
) -> None:
    wait_until_no_problems(
        lambda: [
            p
            for agent in AGENTS
            for p in hpa_problems(
                _hpa(cluster, f"keda-hpa-{agent}"),
                target=agent,
                min_replicas=MIN_REPLICAS,
                max_replicas=MAX_REPLICAS,
            )
        ],
        timeout_s=ROLLOUT_TIMEOUT_S,
        what="KEDA's HPAs not in place",
    )
    for agent in AGENTS:
        deployment = cluster.kubectl.get("deployment", namespace=NAMESPACE, name=agent)
        assert deployment["spec"]["replicas"] == MIN_REPLICAS, (
            f"{agent} not raised to KEDA's minimum"
        )


def test_every_pdb_computes_its_disruptions(cluster: ControlPlane, aks: list[Obj]) -> None:
    def problems() -> list[str]:
        found = []
        for app in APPS:
            replicas = cluster.kubectl.get("deployment", namespace=NAMESPACE, name=app)["spec"][
                "replicas"
            ]
            pdb = cluster.kubectl.get("pdb", namespace=NAMESPACE, name=app)
            found += pdb_problems(pdb, expected_pods=replicas)
            if pdb.get("status", {}).get("disruptionsAllowed", 0) < 1:
                found.append(f"PDB {app} allows no disruption with {replicas} replicas")
        return found

    wait_until_no_problems(
        problems, timeout_s=ROLLOUT_TIMEOUT_S, what="PodDisruptionBudgets not computed"
    )


def test_the_azure_only_parts_are_accepted_by_the_api(
    cluster: ControlPlane, aks: list[Obj]
) -> None:
    account = cluster.kubectl.get("serviceaccount", namespace=NAMESPACE, name="orchestrator")
    assert account["metadata"]["annotations"]["azure.workload.identity/client-id"] == (
        "00000000-0000-0000-0000-000000000000"
    )
    pods = cluster.kubectl.items("pods", namespace=NAMESPACE)
    for pod in pods:
        name = pod["metadata"]["labels"].get("app.kubernetes.io/name")
        if name not in APPS:
            continue
        app = pod["spec"]["containers"][0]
        assert app["image"].startswith("hubspoke.azurecr.io/hubspoke/"), app["image"]
        assert app["imagePullPolicy"] == "Always"
        spread = pod["spec"]["topologySpreadConstraints"]
        assert [c["topologyKey"] for c in spread] == [
            "kubernetes.io/hostname",
            "topology.kubernetes.io/zone",
        ]
        if name == "orchestrator":
            assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
            config_maps = [e["configMapRef"]["name"] for e in app.get("envFrom", [])]
            assert config_maps[:1] == [config_maps[0]]
            assert config_maps[0].startswith("orchestrator-azure-openai-")
    orchestrator = _hpa(cluster, "orchestrator")
    assert orchestrator["spec"]["metrics"][0]["containerResource"]["container"] == "orchestrator"


def test_an_agent_backlog_scales_that_agent_only(
    cluster: ControlPlane, aks: list[Obj], tls_redis: TlsRedis
) -> None:
    backlog = 50
    stream = "agent.requests.calculator"
    for n in range(backlog):
        tls_redis.client.xadd(stream, {"n": str(n)})
    # Delivered to a consumer of the group and not acknowledged: pending, as
    # when the calculator's replicas are busy.
    tls_redis.client.xreadgroup("calculator", "busy-replica", {stream: ">"}, count=backlog)
    assert tls_redis.client.xpending(stream, "calculator")["pending"] == backlog
    wanted = math.ceil(backlog / PENDING_PER_REPLICA)

    def desired(agent: str) -> int:
        return int(_hpa(cluster, f"keda-hpa-{agent}").get("status", {}).get("desiredReplicas", 0))

    wait_for(
        lambda: desired("calculator") == wanted,
        timeout_s=ROLLOUT_TIMEOUT_S,
        what=f"calculator's HPA asks for {wanted}",
    )
    wait_for(
        lambda: (
            cluster.kubectl.get("deployment", namespace=NAMESPACE, name="calculator")["status"].get(
                "readyReplicas"
            )
            == wanted
        ),
        timeout_s=ROLLOUT_TIMEOUT_S,
        what=f"{wanted} calculator pods ready",
    )
    others = {agent: desired(agent) for agent in AGENTS if agent != "calculator"}
    assert others == dict.fromkeys(others, MIN_REPLICAS)
