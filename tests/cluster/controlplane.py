"""A throwaway Kubernetes control plane: etcd, kube-apiserver, controller-manager,
scheduler and kwok (one simulated node), all inside a network namespace.

Binaries and CRDs come from tools/cluster/build.sh's cache (`cache_dir()`).
Pods never run: kwok marks them Running once scheduled, so what is checked is
what the API, its admission webhooks and the controllers do with manifests.
Flags follow ../shared notes' real-cluster recipe: etcd 3.6 (Debian's 3.4 lets
kwok's leases conflict), `--use-service-account-credentials` (Dapr's injector
trusts only pods created by controllers' own service accounts), aggregator
routing (webhooks and APIServices reached at hand-made Endpoints).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import httpx
import yaml

from launcher.processes import ManagedProcess, Supervisor, wait_until_ready
from tests.cluster.kube import Kubectl, wait_for
from tests.cluster.netns import NetworkNamespace
from tests.cluster.pki import Pki

__all__ = ["CONTROL_PLANE", "NODE_NAME", "REPO_ROOT", "ControlPlane", "cache_dir"]

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "tools" / "cluster" / "build.sh"
NODE_NAME = "kwok-node-0"
CONTROL_PLANE = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
)
APISERVER_PORT = 6443
START_TIMEOUT_S = 180.0


def cache_dir() -> Path:
    """Where build.sh keeps the binaries for the pinned versions (it prints the path)."""
    out = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--print-dir"], capture_output=True, text=True, timeout=60
    )
    return Path(out.stdout.strip())


class ControlPlane:
    """Start with `start()`, stop with `stop()` (every process, then the namespace).

    `kubectl` talks to the API server over the veth pair; processes started
    through `run()` live inside the namespace and see it at the same address.
    """

    def __init__(self, cache: Path, work: Path) -> None:
        self.bin = cache / "bin"
        self.cache = cache
        self.work = work
        self.supervisor = Supervisor(work / "logs", echo=False)
        self.netns: NetworkNamespace | None = None
        self.kubeconfig = work / "kubeconfig"
        self.kubectl = Kubectl(self.bin / "kubectl", self.kubeconfig)
        self.pki: Pki | None = None

    @property
    def address(self) -> str:
        """The API server's (and every control-plane process's) address."""
        assert self.netns is not None, "start() first"
        return self.netns.inside

    def run(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> ManagedProcess:
        """Start `argv` inside the namespace, with KUBECONFIG set; logs in work/logs/<name>.log."""
        assert self.netns is not None, "start() first"
        full_env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), **(env or {})}
        full_env.pop("KUBERNETES_SERVICE_HOST", None)
        return self.supervisor.start(name, self.netns.exec_argv(argv), env=full_env, cwd=self.work)

    def wait_http(self, process: ManagedProcess, url: str, *, what: str) -> None:
        """Wait (bounded) until `url`, reached from the host, answers below 500."""

        def up() -> bool:
            try:
                return httpx.get(url, verify=False, timeout=3).status_code < 500
            except httpx.TransportError:
                return False

        wait_until_ready(process, up, timeout_s=START_TIMEOUT_S, what=what, interval_s=0.5)

    def start(self) -> None:
        """Namespace, certificates, etcd, API server, controllers, scheduler, kwok and its node."""
        self.netns = NetworkNamespace.create()
        self.pki = Pki(self.work / "pki")
        token = secrets.token_hex(16)
        (self.work / "tokens.csv").write_text(f'{token},admin,admin,"system:masters"\n')
        self._write_kubeconfig(token)
        self._start_etcd()
        self._start_apiserver()
        for name, argv in self._controllers().items():
            self.run(name, argv)
        self._start_kwok()

    def stop(self) -> None:
        """Stop every process (last started first), then delete the namespace."""
        self.supervisor.stop_all(timeout=10)
        if self.netns is not None:
            self.netns.delete()

    def logs(self) -> str:
        """The last lines of each process's log, for a failed test's report."""
        return "\n".join(f"--- {p.name}\n{p.tail(30)}" for p in self.supervisor.processes)

    def _write_kubeconfig(self, token: str) -> None:
        assert self.pki is not None
        server = f"https://{self.address}:{APISERVER_PORT}"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "test",
                    "cluster": {"server": server, "certificate-authority": str(self.pki.ca)},
                }
            ],
            "users": [{"name": "admin", "user": {"token": token}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
            "current-context": "test",
        }
        self.kubeconfig.write_text(yaml.safe_dump(config))

    def _start_etcd(self) -> None:
        data = self.work / "etcd"
        process = self.run(
            "etcd",
            [
                str(self.bin / "etcd"), "--name", "default", "--data-dir", str(data),
                "--listen-client-urls", "http://127.0.0.1:2379",
                "--advertise-client-urls", "http://127.0.0.1:2379",
                "--listen-peer-urls", "http://127.0.0.1:2380",
                "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "default=http://127.0.0.1:2380",
                "--listen-metrics-urls", f"http://{self.address}:2381",
                "--unsafe-no-fsync",  # a throwaway store: durability buys nothing here
            ],
        )  # fmt: skip
        self.wait_http(process, f"http://{self.address}:2381/health", what="etcd healthy")

    def _start_apiserver(self) -> None:
        assert self.pki is not None
        ip = self.address
        cert, key = self.pki.issue(
            "apiserver",
            cn="kube-apiserver",
            sans=[f"IP:{ip}", "IP:127.0.0.1", "IP:10.96.0.1", "DNS:localhost", "DNS:kubernetes",
                  "DNS:kubernetes.default", "DNS:kubernetes.default.svc"],
        )  # fmt: skip
        proxy_cert, proxy_key = self.pki.issue(
            "front-proxy", cn="front-proxy-client", sans=["DNS:front-proxy-client"]
        )
        pki = self.pki.root
        process = self.run(
            "kube-apiserver",
            [
                str(self.bin / "kube-apiserver"),
                "--etcd-servers", "http://127.0.0.1:2379",
                "--advertise-address", ip, "--bind-address", ip,
                "--secure-port", str(APISERVER_PORT),
                "--tls-cert-file", str(cert), "--tls-private-key-file", str(key),
                "--client-ca-file", str(self.pki.ca),
                "--token-auth-file", str(self.work / "tokens.csv"),
                "--authorization-mode", "RBAC",
                "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file", str(pki / "sa.pub"),
                "--service-account-signing-key-file", str(pki / "sa.key"),
                "--service-cluster-ip-range", "10.96.0.0/16",
                # Webhooks and APIServices are reached at their Endpoints, not a cluster IP.
                "--enable-aggregator-routing=true",
                "--requestheader-client-ca-file", str(self.pki.ca),
                "--requestheader-allowed-names", "front-proxy-client",
                "--requestheader-username-headers", "X-Remote-User",
                "--requestheader-group-headers", "X-Remote-Group",
                "--requestheader-extra-headers-prefix", "X-Remote-Extra-",
                "--proxy-client-cert-file", str(proxy_cert),
                "--proxy-client-key-file", str(proxy_key),
                "--profiling=false",
            ],
        )  # fmt: skip
        self.wait_http(process, f"https://{ip}:{APISERVER_PORT}/livez", what="serving")
        wait_for(
            lambda: self.kubectl.run("get", "--raw", "/readyz").returncode == 0,
            timeout_s=START_TIMEOUT_S,
            what="kube-apiserver /readyz",
        )

    def _controllers(self) -> dict[str, list[str]]:
        assert self.pki is not None
        kc = str(self.kubeconfig)
        auth = [
            "--kubeconfig",
            kc,
            "--authentication-kubeconfig",
            kc,
            "--authorization-kubeconfig",
            kc,
        ]
        return {
            "kube-controller-manager": [
                str(self.bin / "kube-controller-manager"), *auth,
                "--leader-elect=false", "--bind-address", "127.0.0.1",
                "--use-service-account-credentials=true",
                "--service-account-private-key-file", str(self.pki.root / "sa.key"),
                "--root-ca-file", str(self.pki.ca),
                "--horizontal-pod-autoscaler-sync-period", "5s",
            ],
            "kube-scheduler": [
                str(self.bin / "kube-scheduler"), *auth,
                "--leader-elect=false", "--bind-address", "127.0.0.1",
            ],
        }  # fmt: skip

    def _start_kwok(self) -> None:
        stages = sorted((self.cache / "stages").glob("*.yaml"))
        self.run(
            "kwok",
            [
                str(self.bin / "kwok"), "--kubeconfig", str(self.kubeconfig),
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector", "kwok.x-k8s.io/node=fake",
                "--cidr", "10.244.0.0/24", "--node-ip", self.address,
                "--node-lease-duration-seconds", "40",
                *[arg for stage in stages for arg in ("--config", str(stage))],
            ],
        )  # fmt: skip
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": NODE_NAME,
                "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {
                    "kubernetes.io/hostname": NODE_NAME,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": "zone-1",
                    "type": "kwok",
                },
            },
            "status": {
                "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
            },
        }
        self.kubectl.apply(manifest=yaml.safe_dump(node))
        wait_for(self._node_ready, timeout_s=START_TIMEOUT_S, what=f"node {NODE_NAME} Ready")

    def _node_ready(self) -> bool:
        node = self.kubectl.get("node", name=NODE_NAME)
        return any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in node.get("status", {}).get("conditions", [])
        )
