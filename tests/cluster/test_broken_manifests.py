"""A manifest broken on purpose makes the checks fail, saying what is wrong.

Each test copies k8s/ to a temporary folder, breaks one thing a schema
cannot see, deploys the copy into a namespace of its own and shows the
sentence `make test-cluster` would fail with.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.cluster.checks import scaledobject_problems, sidecar_problems
from tests.cluster.controlplane import REPO_ROOT, ControlPlane
from tests.cluster.deployed import ROLLOUT_TIMEOUT_S
from tests.cluster.kube import wait_for
from tests.cluster.overlays import deploy
from tests.cluster.redis_tls import TlsRedis
from tests.cluster.test_aks_overlay import make_consumer_groups


def _broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    k8s = shutil.copytree(REPO_ROOT / "k8s", tmp_path / "k8s")
    path = k8s / file
    text = path.read_text()
    assert old in text, f"{file} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new, 1))
    return k8s


def test_a_wrong_app_port_annotation_fails_with_a_clear_message(
    cluster: ControlPlane, tls_redis: TlsRedis, tmp_path: Path
) -> None:
    k8s = _broken_copy(
        tmp_path, "base/calculator.yaml", 'dapr.io/app-port: "8001"', 'dapr.io/app-port: "8011"'
    )
    namespace = "broken-app-port"
    deploy(
        cluster.kubectl,
        k8s / "overlays" / "dev",
        namespace,
        redis_host="redis:6379",
        redis_password="x",
    )

    def injected_calculator() -> dict[str, Any] | None:
        for pod in cluster.kubectl.items("pods", namespace=namespace):
            names = [c["name"] for c in pod["spec"]["containers"]]
            if (
                pod["metadata"]["labels"].get("app.kubernetes.io/name") == "calculator"
                and "daprd" in names
            ):
                return pod
        return None

    pod = wait_for(
        injected_calculator, timeout_s=ROLLOUT_TIMEOUT_S, what="calculator pod with daprd"
    )
    # The injector copies the wrong port faithfully; the check compares it with the container's.
    name = pod["metadata"]["name"]
    assert sidecar_problems(pod) == [
        f"pod {name}: dapr.io/app-port='8011' but the app container declares ports ['8001']"
    ]


def test_a_scaledobject_with_a_bad_trigger_fails_with_a_clear_message(
    keda: ControlPlane, tls_redis: TlsRedis, tmp_path: Path
) -> None:
    cluster = keda
    k8s = _broken_copy(
        tmp_path,
        "overlays/aks/scaling.yaml",
        'pendingEntriesCount: "10"',
        'pendingEntriesCount: "ten"',
    )
    namespace = "broken-trigger"
    make_consumer_groups(tls_redis)
    deploy(
        cluster.kubectl,
        k8s / "overlays" / "aks",
        namespace,
        redis_host=tls_redis.host,
        redis_password=tls_redis.password,
    )

    def verdict(name: str) -> list[str] | None:
        so = cluster.kubectl.get("scaledobject", namespace=namespace, name=name)
        ready = [c for c in so.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
        return scaledobject_problems(so) if ready and ready[0]["status"] != "Unknown" else None

    broken = wait_for(
        lambda: verdict("calculator"), timeout_s=ROLLOUT_TIMEOUT_S, what="KEDA's verdict"
    )
    assert len(broken) == 1
    assert broken[0].startswith("ScaledObject calculator not Ready (")
    assert "pendingEntriesCount" in broken[0]
    assert (
        wait_for(lambda: verdict("summarizer"), timeout_s=ROLLOUT_TIMEOUT_S, what="KEDA's verdict")
        == []
    )
