"""The launcher's stack plus Dapr Workflows' control plane, for the dapr-agents peer.

`PeerStack` is `launcher.LocalStack` on bench/peer/dapr.yaml (Redis, Sentry
and mTLS, API tokens, the trace receiver, a daprd per app, all as for
Hubspoke) with three differences, nothing else:

- once Sentry is up and before the first sidecar, it starts `placement`
  (actor placement) and `scheduler` (workflow timers, embedded etcd), built
  from the same pinned Dapr module as daprd (tools/dapr/build.sh --workflows),
  on free ports, over mTLS with Sentry's trust root;
- every daprd gets `--placement-host-address` and `--scheduler-host-address`;
- apps run on the peer environment's interpreter (bench/peer/environment.py).
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from launcher import LocalStack, StackOptions
from launcher.processes import Supervisor, http_ok, wait_until_ready
from launcher.runfile import AppSpec
from launcher.security import TRUST_DOMAIN
from launcher.stack import AppEndpoints
from launcher.toolchain import REPO_ROOT, ToolMissingError

__all__ = ["RUNFILE", "ControlPlane", "PeerStack", "ensure_workflow_binaries"]

RUNFILE = Path(__file__).with_name("dapr.yaml")
_BIN = REPO_ROOT / ".dapr" / "bin"
_BUILD = REPO_ROOT / "tools" / "dapr" / "build.sh"


def ensure_workflow_binaries() -> tuple[Path, Path]:
    """placement and scheduler in .dapr/bin, built by `tools/dapr/build.sh --workflows`
    when missing or stale (seconds when Go's caches are warm). Raises ToolMissingError."""
    done = subprocess.run(["bash", str(_BUILD), "--workflows"], capture_output=True, text=True)
    if done.returncode != 0:
        raise ToolMissingError(f"tools/dapr/build.sh --workflows failed:\n{done.stderr[-2000:]}")
    return _BIN / "placement", _BIN / "scheduler"


@dataclass(frozen=True)
class ControlPlane:
    """Ports of placement and scheduler (all free ports of this run)."""

    placement: int
    placement_raft: int
    placement_healthz: int
    placement_metrics: int
    scheduler: int
    scheduler_healthz: int
    scheduler_metrics: int
    etcd_client: int
    etcd_peer: int

    @classmethod
    def on_free_ports(cls) -> ControlPlane:
        with ExitStack() as held:  # all bound at once, so no two are the same
            sockets = [held.enter_context(socket.socket()) for _ in range(9)]
            for s in sockets:
                s.bind(("127.0.0.1", 0))
            return cls(*(int(s.getsockname()[1]) for s in sockets))

    def start(self, supervisor: Supervisor, run_dir: Path, sentry: str, timeout_s: float) -> None:
        """Start both over mTLS (trust root: `run_dir`/sentry/ca.crt) and wait for their health."""
        placement, scheduler = ensure_workflow_binaries()
        tls = [
            "--tls-enabled",
            "--trust-anchors-file", str(run_dir / "sentry" / "ca.crt"),
            "--sentry-address", sentry,
            "--trust-domain", TRUST_DOMAIN,
        ]  # fmt: skip
        processes = {
            "placement": (self.placement_healthz, [
                str(placement),
                "--id", "dapr-placement-0",
                "--initial-cluster", f"dapr-placement-0=127.0.0.1:{self.placement_raft}",
                "--port", str(self.placement), "--listen-address", "127.0.0.1",
                "--healthz-port", str(self.placement_healthz),
                "--healthz-listen-address", "127.0.0.1",
                "--metrics-port", str(self.placement_metrics),
                "--metrics-listen-address", "127.0.0.1",
                *tls,
            ]),
            "scheduler": (self.scheduler_healthz, [
                str(scheduler),
                "--id", "dapr-scheduler-server-0",
                "--port", str(self.scheduler), "--listen-address", "127.0.0.1",
                "--override-broadcast-host-port", f"127.0.0.1:{self.scheduler}",
                "--healthz-port", str(self.scheduler_healthz),
                "--healthz-listen-address", "127.0.0.1",
                "--metrics-port", str(self.scheduler_metrics),
                "--metrics-listen-address", "127.0.0.1",
                "--etcd-data-dir", str(run_dir / "scheduler-etcd"),
                "--etcd-client-port", str(self.etcd_client),
                "--etcd-client-listen-address", "127.0.0.1",
                "--etcd-initial-cluster",
                f"dapr-scheduler-server-0=http://127.0.0.1:{self.etcd_peer}",
                "--identity-directory-write", str(run_dir / "scheduler-identity"),
                *tls,
            ]),
        }  # fmt: skip
        env = {**os.environ, "DAPR_HOST_IP": "127.0.0.1"}
        started = {
            name: (healthz, supervisor.start(name, argv, env=env, cwd=run_dir))
            for name, (healthz, argv) in processes.items()
        }
        for _name, (healthz, process) in started.items():
            url = f"http://127.0.0.1:{healthz}/healthz"
            wait_until_ready(
                process, functools.partial(http_ok, url), timeout_s=timeout_s, what="healthy"
            )

    def daprd_flags(self) -> list[str]:
        return [
            "--placement-host-address", f"127.0.0.1:{self.placement}",
            "--scheduler-host-address", f"127.0.0.1:{self.scheduler}",
        ]  # fmt: skip


class PeerStack(LocalStack):
    """LocalStack + placement and scheduler; apps on `python` (the peer environment's)."""

    def __init__(self, options: StackOptions, python: Path) -> None:
        super().__init__(options)
        self.python = python
        self.control_plane = ControlPlane.on_free_ports()
        self._control_plane_up = False

    def start(self, timeout_s: float = 300) -> None:
        """As LocalStack.start, with longer to become healthy: each app imports
        dapr-agents and Semantic Kernel (tens of seconds on a busy 2-core machine)."""
        super().start(timeout_s=timeout_s)

    def start_app(
        self, app_id: str, *, instance: int = 0, wait: bool = True, timeout_s: float = 60
    ) -> None:
        # LocalStack.start calls this for each app once Sentry is up: the first
        # call brings up the control plane every sidecar then connects to.
        if not self._control_plane_up:
            self.control_plane.start(
                self.supervisor, self.run_dir, self.sentry.address, timeout_s=90
            )
            self._control_plane_up = True
        super().start_app(app_id, instance=instance, wait=wait, timeout_s=timeout_s)

    def _daprd_argv(self, app: AppSpec, ports: AppEndpoints) -> list[str]:
        return [*super()._daprd_argv(app, ports), *self.control_plane.daprd_flags()]

    def _app_argv(self, app: AppSpec) -> list[str]:
        argv = list(app.command)
        if argv[0] == "python":
            argv[0] = str(self.python)
        return argv
