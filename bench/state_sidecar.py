"""One real daprd with the project's SQLite state store and no app, for store benchmarks.

The sidecar loads `components/state-sqlite/statestore.yaml` as `make run`
does (app-id `orchestrator`, so the component's scopes admit it), in a fresh
run folder whose `state.sqlite` holds the data; no Sentry, no mTLS, no app
channel: what is measured is the state API and the store behind it.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from chassis.dapr import DaprSidecar, pooled_session
from launcher.processes import Supervisor, http_ok, wait_until_ready
from launcher.toolchain import REPO_ROOT, daprd_path

__all__ = ["APP_ID", "STORE", "RunningSidecar", "cpu_seconds", "sidecar_client", "state_sidecar"]

APP_ID = "orchestrator"
STORE = "statestore"
_COMPONENT = REPO_ROOT / "components" / "state-sqlite" / "statestore.yaml"


@dataclass(frozen=True)
class RunningSidecar:
    url: str
    pid: int


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process `pid` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def state_sidecar(run_dir: Path, timeout_s: float = 60) -> Iterator[RunningSidecar]:
    """Start daprd in a fresh `run_dir`; yield its HTTP base URL and pid; stop it after."""
    shutil.rmtree(run_dir, ignore_errors=True)
    resources = run_dir / "resources"
    resources.mkdir(parents=True)
    shutil.copy(_COMPONENT, resources / _COMPONENT.name)
    http_port = _free_port()
    argv = [
        str(daprd_path()),
        "--app-id", APP_ID,
        "--dapr-listen-addresses", "127.0.0.1",
        "--dapr-http-port", str(http_port),
        "--dapr-grpc-port", str(_free_port()),
        "--dapr-internal-grpc-port", str(_free_port()),
        "--enable-metrics=false",
        "--resources-path", str(resources),
        "--log-level", "warn",
    ]  # fmt: skip
    # daprd cannot pick a host address on a loopback-only machine by itself.
    env = {**os.environ, "DAPR_HOST_IP": "127.0.0.1"}
    supervisor = Supervisor(run_dir / "logs", echo=False)
    try:
        daprd = supervisor.start("daprd", argv, env=env, cwd=run_dir)
        url = f"http://127.0.0.1:{http_port}"
        wait_until_ready(
            daprd, lambda: http_ok(f"{url}/v1.0/healthz/outbound"), timeout_s=timeout_s
        )
        assert daprd.popen is not None
        yield RunningSidecar(url, daprd.popen.pid)
    finally:
        supervisor.stop_all()


@asynccontextmanager
async def sidecar_client(url: str) -> AsyncIterator[DaprSidecar]:
    """The orchestrator's own `DaprPort` adapter, pointed at `url` (create it in the loop)."""
    sidecar = DaprSidecar(pooled_session({}, url))
    try:
        yield sidecar
    finally:
        await sidecar.aclose()
