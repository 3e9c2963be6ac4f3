"""The checks `make test-cluster` applies to what the API returns (tests/cluster/checks.py)."""

from __future__ import annotations

from typing import Any

from tests.cluster.checks import pdb_problems, scaledobject_problems, selects, sidecar_problems

ANNOTATIONS = {
    "dapr.io/enabled": "true",
    "dapr.io/app-id": "calculator",
    "dapr.io/app-port": "8001",
    "dapr.io/config": "agent",
    "dapr.io/api-token-secret": "calculator-dapr-token",
}


def _pod(annotations: dict[str, str], daprd_args: list[str], token_secret: str) -> dict[str, Any]:
    daprd = {
        "name": "daprd",
        "args": daprd_args,
        "env": [
            {
                "name": "DAPR_API_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": token_secret, "key": "token"}},
            }
        ],
    }
    app = {"name": "calculator", "ports": [{"containerPort": 8001}]}
    return {
        "metadata": {"name": "calculator-1", "annotations": annotations},
        "spec": {"containers": [app, daprd]},
    }


GOOD_ARGS = [
    "/daprd", "--app-id", "calculator", "--app-protocol", "http", "--log-level", "info",
    "--app-port", "8001", "--enable-metrics", "--metrics-port", "9090", "--config", "agent",
]  # fmt: skip


def test_a_sidecar_matching_its_annotations_has_no_problem() -> None:
    assert sidecar_problems(_pod(ANNOTATIONS, GOOD_ARGS, "calculator-dapr-token")) == []


def test_an_app_port_the_container_does_not_declare_is_named() -> None:
    notes = {**ANNOTATIONS, "dapr.io/app-port": "8011"}
    args = [a if a != "8001" else "8011" for a in GOOD_ARGS]
    assert sidecar_problems(_pod(notes, args, "calculator-dapr-token")) == [
        "pod calculator-1: dapr.io/app-port='8011' but the app container declares ports ['8001']"
    ]


def test_a_daprd_flag_that_differs_from_its_annotation_is_named() -> None:
    args = [a if a != "agent" else "orchestrator" for a in GOOD_ARGS]
    assert sidecar_problems(_pod(ANNOTATIONS, args, "calculator-dapr-token")) == [
        "pod calculator-1: dapr.io/config='agent' but daprd runs --config 'orchestrator'"
    ]


def test_an_api_token_from_another_secret_is_named() -> None:
    [problem] = sidecar_problems(_pod(ANNOTATIONS, GOOD_ARGS, "orchestrator-dapr-token"))
    assert "dapr.io/api-token-secret='calculator-dapr-token'" in problem


def test_a_dapr_pod_without_daprd_is_named() -> None:
    pod = _pod(ANNOTATIONS, GOOD_ARGS, "x")
    pod["spec"]["containers"] = pod["spec"]["containers"][:1]
    assert sidecar_problems(pod) == [
        "pod calculator-1: dapr.io/enabled but the injector added no daprd container"
    ]


def test_selectors_follow_kubernetes_semantics() -> None:
    labels = {"app.kubernetes.io/name": "calculator", "hubspoke.dev/role": "agent"}
    assert selects({}, labels)
    assert selects({"matchLabels": {"hubspoke.dev/role": "agent"}}, labels)
    assert not selects({"matchLabels": {"hubspoke.dev/role": "hub"}}, labels)
    in_expr = {"key": "app.kubernetes.io/name", "operator": "In", "values": ["units", "calculator"]}
    assert selects({"matchExpressions": [in_expr]}, labels)
    assert not selects({"matchExpressions": [{**in_expr, "operator": "NotIn"}]}, labels)
    assert not selects({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, labels)


def test_a_scaledobject_keda_refused_reports_its_reason() -> None:
    refused = {
        "metadata": {"name": "calculator"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "ScaledObjectCheckFailed",
                    "message": "bad pendingEntriesCount",
                }
            ]
        },
    }
    assert scaledobject_problems(refused) == [
        "ScaledObject calculator not Ready (ScaledObjectCheckFailed: bad pendingEntriesCount)"
    ]


def test_a_pdb_not_yet_computed_is_reported() -> None:
    pdb = {"metadata": {"name": "units", "generation": 2}, "status": {"observedGeneration": 1}}
    assert pdb_problems(pdb, expected_pods=2) == [
        "PDB units not yet computed by the disruption controller"
    ]
