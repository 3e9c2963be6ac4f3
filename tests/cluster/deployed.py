"""Bounded waits over a deployed namespace, built on checks.py's problem lists."""

from __future__ import annotations

from typing import Any

from tests.cluster.checks import pod_problems, selects, sidecar_problems
from tests.cluster.controlplane import NODE_NAME
from tests.cluster.kube import Kubectl, wait_until_no_problems

__all__ = ["ROLLOUT_TIMEOUT_S", "pods_of", "wait_for_rollout"]

ROLLOUT_TIMEOUT_S = 240.0
Obj = dict[str, Any]


def pods_of(deployment: Obj, pods: list[Obj]) -> list[Obj]:
    """The pods the Deployment's selector picks (terminating ones left out)."""
    selector = deployment["spec"]["selector"]
    return [
        p
        for p in pods
        if selects(selector, p["metadata"].get("labels", {}))
        and not p["metadata"].get("deletionTimestamp")
    ]


def rollout_problems(kubectl: Kubectl, namespace: str) -> list[str]:
    """Every Deployment has its replicas Running on the node, each pod with its sidecar right."""
    pods = kubectl.items("pods", namespace=namespace)
    problems = []
    for deployment in kubectl.items("deployments", namespace=namespace):
        name = deployment["metadata"]["name"]
        want = deployment["spec"].get("replicas", 1)
        mine = pods_of(deployment, pods)
        if len(mine) != want:
            problems.append(f"deployment {name}: {len(mine)} pods, want {want}")
        for pod in mine:
            problems += pod_problems(pod, NODE_NAME) + sidecar_problems(pod)
    events = kubectl.items("events", namespace=namespace)
    refused = [e["message"] for e in events if e.get("reason") == "FailedCreate"]
    return problems + [f"refused: {m}" for m in refused[-3:]]


def wait_for_rollout(kubectl: Kubectl, namespace: str) -> None:
    """Wait until `rollout_problems` is empty; WaitTimeout lists what is still wrong."""
    wait_until_no_problems(
        lambda: rollout_problems(kubectl, namespace),
        timeout_s=ROLLOUT_TIMEOUT_S,
        what=f"namespace {namespace} not rolled out",
    )
