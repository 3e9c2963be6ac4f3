"""What a deployed overlay must look like, as functions of the API's JSON.

Each returns a list of problems, one sentence each naming the object and
what is wrong; an empty list is a pass. The tests assert on these lists, so
a broken manifest fails `make test-cluster` with the sentence that says why.
Annotation defaults are Dapr 1.18's (docs.dapr.io, arguments-annotations-overview).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "hpa_problems",
    "pdb_problems",
    "pod_problems",
    "scaledobject_problems",
    "selects",
    "sidecar_problems",
]

Obj = dict[str, Any]

# annotation -> (daprd flag, default when the annotation is absent)
_FLAG_ANNOTATIONS = {
    "dapr.io/app-id": "--app-id",
    "dapr.io/app-port": "--app-port",
    "dapr.io/config": "--config",
    "dapr.io/app-protocol": "--app-protocol",
    "dapr.io/log-level": "--log-level",
    "dapr.io/metrics-port": "--metrics-port",
    "dapr.io/app-health-check-path": "--app-health-check-path",
}
_DEFAULTS = {
    "dapr.io/log-level": "info",
    "dapr.io/metrics-port": "9090",
    "dapr.io/app-protocol": "http",
}
# annotation -> env var of daprd that carries the secret
_TOKEN_ANNOTATIONS = {
    "dapr.io/api-token-secret": "DAPR_API_TOKEN",
    "dapr.io/app-token-secret": "APP_API_TOKEN",
}


def _flags(args: list[str]) -> dict[str, str]:
    """daprd's `--flag value` pairs; a flag followed by another flag maps to "true"."""
    out: dict[str, str] = {}
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            name, _, inline = arg.partition("=")
            following = args[i + 1] if i + 1 < len(args) else ""
            out[name] = inline or (
                following if following and not following.startswith("--") else "true"
            )
    return out


def _secret_of(container: Obj, env_name: str) -> str | None:
    for var in container.get("env", []):
        if var["name"] == env_name:
            ref = var.get("valueFrom", {}).get("secretKeyRef", {})
            return str(ref.get("name")) if ref else None
    return None


def sidecar_problems(pod: Obj) -> list[str]:
    """Whether the injector gave a `dapr.io/enabled` pod the daprd its annotations ask for.

    Also checks the app port annotation against the ports the app container
    declares: the injector copies a wrong port faithfully, daprd then waits
    for an app that listens elsewhere.
    """
    meta = pod["metadata"]
    notes: dict[str, str] = meta.get("annotations", {})
    name = meta["name"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    if notes.get("dapr.io/enabled") != "true":
        return (
            [f"pod {name} has a daprd container but is not dapr.io/enabled"]
            if "daprd" in containers
            else []
        )
    daprd = containers.get("daprd")
    if daprd is None:
        return [f"pod {name}: dapr.io/enabled but the injector added no daprd container"]
    flags = _flags(daprd.get("args", []))
    problems = []
    for annotation, flag in _FLAG_ANNOTATIONS.items():
        wanted = notes.get(annotation, _DEFAULTS.get(annotation))
        if wanted is not None and flags.get(flag) != wanted:
            problems.append(
                f"pod {name}: {annotation}={wanted!r} but daprd runs {flag} {flags.get(flag)!r}"
            )
    if notes.get("dapr.io/enable-metrics", "true") == "true" and "--enable-metrics" not in flags:
        problems.append(f"pod {name}: metrics are on by default but daprd lacks --enable-metrics")
    for annotation, env_name in _TOKEN_ANNOTATIONS.items():
        if annotation in notes and _secret_of(daprd, env_name) != notes[annotation]:
            problems.append(
                f"pod {name}: {annotation}={notes[annotation]!r} but daprd's {env_name} comes from "
                f"{_secret_of(daprd, env_name)!r}"
            )
    if (
        notes.get("dapr.io/enable-app-health-check") == "true"
        and "--enable-app-health-check" not in flags
    ):
        problems.append(
            f"pod {name}: dapr.io/enable-app-health-check but daprd lacks --enable-app-health-check"
        )
    apps = [c for n, c in containers.items() if n != "daprd"]
    declared = {str(p["containerPort"]) for c in apps for p in c.get("ports", [])}
    port = notes.get("dapr.io/app-port")
    if port is not None and port not in declared:
        problems.append(
            f"pod {name}: dapr.io/app-port={port!r} but the app container declares "
            f"ports {sorted(declared)}"
        )
    return problems


def pod_problems(pod: Obj, node: str) -> list[str]:
    """A pod admitted, bound to `node` and Running with every container ready."""
    name = pod["metadata"]["name"]
    status = pod.get("status", {})
    problems = []
    if pod["spec"].get("nodeName") != node:
        problems.append(
            f"pod {name} is not scheduled on {node} (nodeName {pod['spec'].get('nodeName')!r})"
        )
    if status.get("phase") != "Running":
        problems.append(f"pod {name} is {status.get('phase')!r}, not Running")
    unready = [c["name"] for c in status.get("containerStatuses", []) if not c.get("ready")]
    if unready:
        problems.append(f"pod {name}: containers not ready: {unready}")
    return problems


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions); {} selects all."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and key in labels and labels[key] in values)
            or (op == "Exists" and key not in labels)
            or (op == "DoesNotExist" and key in labels)
        ):
            return False
    return True


def _condition(obj: Obj, kind: str) -> Obj | None:
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == kind:
            return dict(c)
    return None


def scaledobject_problems(so: Obj) -> list[str]:
    """KEDA accepted the ScaledObject: Ready=True (its triggers built and reachable)."""
    ready = _condition(so, "Ready")
    if ready is None or ready["status"] != "True":
        said = (
            "no Ready condition yet"
            if ready is None
            else f"{ready.get('reason')}: {ready.get('message')}"
        )
        return [f"ScaledObject {so['metadata']['name']} not Ready ({said})"]
    return []


def hpa_problems(hpa: Obj, *, target: str, min_replicas: int, max_replicas: int) -> list[str]:
    """The HPA scales `target` between the bounds, and its controller can read the metric."""
    spec = hpa["spec"]
    name = hpa["metadata"]["name"]
    problems = []
    if spec["scaleTargetRef"]["name"] != target:
        problems.append(f"HPA {name} scales {spec['scaleTargetRef']['name']!r}, not {target!r}")
    if (spec.get("minReplicas"), spec["maxReplicas"]) != (min_replicas, max_replicas):
        problems.append(
            f"HPA {name} bounds {spec.get('minReplicas')}..{spec['maxReplicas']}, "
            f"want {min_replicas}..{max_replicas}"
        )
    active = _condition(hpa, "ScalingActive")
    if active is None or active["status"] != "True":
        problems.append(f"HPA {name} cannot read its metric ({active and active.get('message')})")
    return problems


def pdb_problems(pdb: Obj, *, expected_pods: int) -> list[str]:
    """The disruption controller counted the PDB's pods and allows a disruption when it can."""
    status = pdb.get("status", {})
    name = pdb["metadata"]["name"]
    if status.get("observedGeneration") != pdb["metadata"].get("generation"):
        return [f"PDB {name} not yet computed by the disruption controller"]
    problems = []
    if status.get("expectedPods") != expected_pods:
        problems.append(
            f"PDB {name} counts {status.get('expectedPods')} pods, want {expected_pods}"
        )
    allowed = status.get("currentHealthy", 0) - status.get("desiredHealthy", 0)
    if status.get("disruptionsAllowed") != max(allowed, 0):
        problems.append(
            f"PDB {name}: disruptionsAllowed {status.get('disruptionsAllowed')}, want {allowed}"
        )
    return problems
