"""The real Dapr control plane (sentry, operator, sidecar injector) and KEDA
(operator, metrics adapter) on the test's control plane.

Each runs as a process inside the namespace, as its chart's Deployment would
in a cluster; the chart's Services become selectorless Services with
hand-made Endpoints pointing at the namespace's address (the API server
routes webhooks and APIServices to Endpoints: `--enable-aggregator-routing`).
Settings follow Dapr's and KEDA's charts at the pinned versions; the few
differences are named where they are made.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import yaml

from tests.cluster.controlplane import REPO_ROOT, START_TIMEOUT_S, ControlPlane
from tests.cluster.kube import wait_for

__all__ = ["DAPR_NAMESPACE", "KEDA_NAMESPACE", "TRUST_DOMAIN", "start_dapr", "start_keda"]

DAPR_NAMESPACE = "dapr-system"
KEDA_NAMESPACE = "keda"
TRUST_DOMAIN = "cluster.local"
SENTRY_PORT = 50001
INJECTOR_PORT = 4000
KEDA_GRPC_PORT = 9666
KEDA_ADAPTER_PORT = 6444


def _dapr_version() -> str:
    """The pinned runtime (tools/dapr/go.mod); the injector writes it into daprd's image name."""
    gomod = (REPO_ROOT / "tools" / "dapr" / "go.mod").read_text()
    found = re.search(r"github.com/dapr/dapr v(\S+)", gomod)
    assert found, "tools/dapr/go.mod does not require github.com/dapr/dapr"
    return found.group(1)


def _service_at(cp: ControlPlane, namespace: str, name: str, port: int, target: int) -> str:
    """A selectorless Service and its Endpoints at the control plane's address."""
    docs = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"ports": [{"name": "https", "port": port, "targetPort": target}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": name, "namespace": namespace},
            "subsets": [
                {"addresses": [{"ip": cp.address}], "ports": [{"name": "https", "port": target}]}
            ],
        },
    ]
    return yaml.safe_dump_all(docs)


def _namespace(name: str) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def _apply_crds(cp: ControlPlane, folder: Path) -> None:
    for crd in sorted(folder.glob("*.yaml")):
        cp.kubectl.apply(manifest=crd.read_text())
    for crd in sorted(folder.glob("*.yaml")):
        name = yaml.safe_load(crd.read_text())["metadata"]["name"]
        cp.kubectl.ok("wait", "--for=condition=Established", f"crd/{name}", "--timeout=120s")


def start_dapr(cp: ControlPlane) -> None:
    """CRDs, sentry, the operator and the injector with its MutatingWebhookConfiguration."""
    _apply_crds(cp, cp.cache / "crds" / "dapr")
    cp.kubectl.apply(manifest=_namespace(DAPR_NAMESPACE))
    creds = _start_sentry(cp)
    env = {
        "NAMESPACE": DAPR_NAMESPACE,
        "DAPR_TRUST_ANCHORS_FILE": str(creds / "ca.crt"),
        "DAPR_CONTROL_PLANE_TRUST_DOMAIN": TRUST_DOMAIN,
        "DAPR_SENTRY_ADDRESS": f"127.0.0.1:{SENTRY_PORT}",
        # The processes run as root here; pods' own UIDs are what the checks are about.
        "DAPR_UNSAFE_SKIP_CONTAINER_UID_GID_CHECK": "true",
    }
    # What the operator reads for its own mTLS (the chart installs the same object).
    cp.kubectl.apply(
        manifest=yaml.safe_dump(
            {
                "apiVersion": "dapr.io/v1alpha1",
                "kind": "Configuration",
                "metadata": {"name": "daprsystem", "namespace": DAPR_NAMESPACE},
                "spec": {
                    "mtls": {
                        "enabled": True,
                        "controlPlaneTrustDomain": TRUST_DOMAIN,
                        "sentryAddress": f"127.0.0.1:{SENTRY_PORT}",
                    }
                },
            }
        )
    )
    operator = cp.run(
        "dapr-operator",
        [
            str(cp.bin / "operator"), "--config", "daprsystem",
            "--trust-anchors-file", str(creds / "ca.crt"),
            "--disable-leader-election", "--port", "6500",
            "--healthz-port", "8083", "--metrics-port", "9093", "--webhook-server-port", "19443",
        ],
        # The conversion webhooks need a Service and certificates of their own;
        # every resource here is served at its stored version, so none is converted.
        env={**env, "ENABLE_WEBHOOKS": "false"},
    )  # fmt: skip
    cp.wait_http(operator, f"http://{cp.address}:8083/healthz", what="dapr-operator healthy")
    _start_injector(cp, env, creds)


def _start_sentry(cp: ControlPlane) -> Path:
    """Sentry in self-hosted mode (the note: Kubernetes mode needs a real kubelet's tokens)."""
    creds = cp.work / "sentry"
    creds.mkdir(exist_ok=True)
    config = cp.work / "sentry.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "dapr.io/v1alpha1",
                "kind": "Configuration",
                "metadata": {"name": "daprsystem"},
                "spec": {
                    "mtls": {"enabled": True, "workloadCertTTL": "24h", "allowedClockSkew": "15m"}
                },
            }
        )
    )
    argv = [
        str(cp.bin / "sentry"), "--config", str(config), "--issuer-credentials", str(creds),
        "--trust-domain", TRUST_DOMAIN, "--port", str(SENTRY_PORT),
        "--healthz-port", "8081", "--metrics-port", "9091",
    ]  # fmt: skip
    files = [creds / n for n in ("ca.crt", "issuer.crt", "issuer.key")]
    # Sentry restarts its CA two seconds after writing new credentials; a first
    # run only writes them, so the one that serves starts on files that stay put.
    first = cp.run("sentry-init", argv, env={"NAMESPACE": DAPR_NAMESPACE})
    wait_for(
        lambda: all(f.exists() for f in files), timeout_s=START_TIMEOUT_S, what="sentry credentials"
    )
    cp.supervisor.finish(first.name)
    sentry = cp.run("dapr-sentry", argv, env={"NAMESPACE": DAPR_NAMESPACE})
    cp.wait_http(sentry, f"http://{cp.address}:8081/healthz", what="dapr-sentry healthy")
    return creds


def _start_injector(cp: ControlPlane, env: dict[str, str], creds: Path) -> None:
    # The injector reads the controllers' service accounts at start-up (it
    # admits only pods they create); the controller-manager creates them.
    accounts = ["replicaset-controller", "deployment-controller", "statefulset-controller"]
    wait_for(
        lambda: cp.kubectl.run("-n", "kube-system", "get", "sa", *accounts).returncode == 0,
        timeout_s=START_TIMEOUT_S,
        what=f"service accounts {accounts} in kube-system",
    )
    service = _service_at(cp, DAPR_NAMESPACE, "dapr-sidecar-injector", 443, INJECTOR_PORT)
    webhook = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "dapr-sidecar-injector"},
        "webhooks": [
            {
                "name": "sidecar-injector.dapr.io",
                "clientConfig": {
                    "service": {
                        "namespace": DAPR_NAMESPACE,
                        "name": "dapr-sidecar-injector",
                        "path": "/mutate",
                        "port": 443,
                    },
                    # The injector replaces it with Sentry's trust anchors (a patch:
                    # one must exist first).
                    "caBundle": base64.b64encode((creds / "ca.crt").read_bytes()).decode(),
                },
                "rules": [
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "resources": ["pods"],
                        "operations": ["CREATE"],
                    }
                ],
                # The chart's policy: a pod is never refused because the injector is down.
                "failurePolicy": "Ignore",
                "sideEffects": "None",
                "admissionReviewVersions": ["v1", "v1beta1"],
                "timeoutSeconds": 10,
                "namespaceSelector": {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/metadata.name",
                            "operator": "NotIn",
                            "values": ["kube-system", DAPR_NAMESPACE],
                        }
                    ]
                },
            }
        ],
    }
    cp.kubectl.apply(manifest=service + "---\n" + yaml.safe_dump(webhook))
    # After the webhook exists: the injector patches its caBundle and exits if it cannot.
    injector = cp.run(
        "dapr-injector",
        [
            str(cp.bin / "injector"), "--kubeconfig", str(cp.kubeconfig),
            "--port", str(INJECTOR_PORT), "--healthz-port", "8082", "--metrics-port", "9092",
        ],
        env={
            **env,
            "SIDECAR_IMAGE": f"ghcr.io/dapr/daprd:{_dapr_version()}",
            "SIDECAR_IMAGE_PULL_POLICY": "IfNotPresent",
            "KUBE_CLUSTER_DOMAIN": "cluster.local",
        },
    )  # fmt: skip
    cp.wait_http(injector, f"http://{cp.address}:8082/healthz", what="dapr-injector healthy")


def start_keda(cp: ControlPlane) -> None:
    """KEDA's CRDs, its operator and its metrics adapter behind the external metrics APIService."""
    assert cp.pki is not None
    _apply_crds(cp, cp.cache / "crds" / "keda")
    cp.kubectl.apply(manifest=_namespace(KEDA_NAMESPACE))
    certs = cp.work / "keda-certs"
    certs.mkdir(exist_ok=True)
    names = ["keda-operator", "keda-metrics-apiserver"]
    crt, key = cp.pki.issue(
        "keda",
        cn="keda-operator",
        sans=["IP:127.0.0.1", f"IP:{cp.address}", "DNS:localhost"]
        + [
            f"DNS:{n}.{KEDA_NAMESPACE}{s}"
            for n in names
            for s in ("", ".svc", ".svc.cluster.local")
        ],
    )
    shutil.copy(crt, certs / "tls.crt")
    shutil.copy(key, certs / "tls.key")
    shutil.copy(cp.pki.ca, certs / "ca.crt")
    ca_dir = cp.work / "keda-ca"  # every file in it is read as a CA certificate
    ca_dir.mkdir(exist_ok=True)
    shutil.copy(cp.pki.ca, ca_dir / "ca.crt")
    env = {
        "WATCH_NAMESPACE": "",
        "POD_NAMESPACE": KEDA_NAMESPACE,
        "KEDA_CLUSTER_OBJECT_NAMESPACE": KEDA_NAMESPACE,
    }
    operator = cp.run(
        "keda-operator",
        [
            str(cp.bin / "keda-operator"), "--leader-elect=false", "--cert-dir", str(certs),
            "--metrics-bind-address", ":8084", "--health-probe-bind-address", ":8085",
            "--metrics-service-bind-address", f":{KEDA_GRPC_PORT}",
            # The test registers the APIService itself and runs no KEDA admission webhook.
            "--enable-webhook-patching=false", "--enable-apiservice-patching=false",
            # Trust the test CA's Redis, as an AKS cluster trusts Azure Cache for Redis.
            "--ca-dir", str(ca_dir),
            "--zap-log-level", "info",
        ],
        env={**env, "OPERATOR_NAME": "keda-operator"},
    )  # fmt: skip
    cp.wait_http(operator, f"http://{cp.address}:8085/readyz", what="keda-operator ready")
    kc = str(cp.kubeconfig)
    adapter = cp.run(
        "keda-adapter",
        [
            str(cp.bin / "keda-adapter"), "--secure-port", str(KEDA_ADAPTER_PORT),
            "--cert-dir", str(certs), "--tls-cert-file", str(certs / "tls.crt"),
            "--tls-private-key-file", str(certs / "tls.key"),
            "--client-ca-file", str(certs / "ca.crt"), "--lister-kubeconfig", kc,
            "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc,
            "--metrics-service-address", f"127.0.0.1:{KEDA_GRPC_PORT}",
            "--port", "8086", "--zap-log-level", "info",
        ],
        env=env,
    )  # fmt: skip
    api_service = {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "v1beta1.external.metrics.k8s.io"},
        "spec": {
            "service": {"name": "keda-metrics-apiserver", "namespace": KEDA_NAMESPACE, "port": 443},
            "group": "external.metrics.k8s.io",
            "version": "v1beta1",
            "groupPriorityMinimum": 100,
            "versionPriority": 100,
            "caBundle": base64.b64encode(cp.pki.ca.read_bytes()).decode(),
        },
    }
    service = _service_at(cp, KEDA_NAMESPACE, "keda-metrics-apiserver", 443, KEDA_ADAPTER_PORT)
    cp.kubectl.apply(manifest=service + "---\n" + yaml.safe_dump(api_service))
    cp.wait_http(
        adapter, f"https://{cp.address}:{KEDA_ADAPTER_PORT}/readyz", what="keda-adapter serving"
    )
    wait_for(
        lambda: (
            cp.kubectl.run("get", "--raw", "/apis/external.metrics.k8s.io/v1beta1").returncode == 0
        ),
        timeout_s=START_TIMEOUT_S,
        what="the external metrics API served through the aggregator",
    )
