"""Per-run secrets and the certificate authority of a local stack.

- Sentry (Dapr's CA) generates a fresh trust root in the run folder and
  issues each sidecar its SPIFFE identity, so access-control policies can
  tell callers apart (without mTLS every call falls to the default action).
- Each app gets two random tokens: APP_API_TOKEN (its sidecar proves itself
  to the app) and DAPR_API_TOKEN (the app proves itself to its sidecar).
- The orchestrator's public API gets a random API key.
Nothing here is written to the repository; on AKS they come from secrets.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from launcher.private_files import make_private_dir
from launcher.processes import ManagedProcess, Supervisor, http_ok, wait_until_ready
from launcher.toolchain import REPO_ROOT, sentry_path

__all__ = ["AppTokens", "Sentry", "new_api_key"]

TRUST_DOMAIN = "localhost"  # sentry's --trust-domain = daprd's --control-plane-trust-domain


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class AppTokens:
    app_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    dapr_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass
class Sentry:
    port: int
    healthz_port: int
    metrics_port: int
    credentials: Path
    process: ManagedProcess | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, supervisor: Supervisor, run_dir: Path, timeout_s: float) -> str:
        """Start sentry and return the PEM of its trust root.

        Sentry generates missing credentials, but then notices its own writes
        and restarts its CA server two seconds later, while sidecars are
        asking it for certificates. So a first run only generates them; the
        sentry that serves starts on files that no longer change.
        """
        make_private_dir(self.credentials)
        files = [self.credentials / n for n in ("ca.crt", "issuer.crt", "issuer.key")]
        if not all(f.exists() for f in files):
            self._run(supervisor, "sentry-init", run_dir, timeout_s, files)
            supervisor.finish("sentry-init")
        self.process = self._run(supervisor, "sentry", run_dir, timeout_s, files)
        return files[0].read_text()

    def _run(
        self, supervisor: Supervisor, name: str, run_dir: Path, timeout_s: float, files: list[Path]
    ) -> ManagedProcess:
        argv = [
            str(sentry_path()),
            "--config", str(REPO_ROOT / "dapr-config" / "sentry.yaml"),
            "--issuer-credentials", str(self.credentials),
            "--trust-domain", TRUST_DOMAIN,
            "--port", str(self.port),
            "--listen-address", "127.0.0.1",
            "--healthz-port", str(self.healthz_port),
            "--healthz-listen-address", "127.0.0.1",
            "--metrics-port", str(self.metrics_port),
            "--metrics-listen-address", "127.0.0.1",
        ]  # fmt: skip
        process = supervisor.start(name, argv, env=os.environ, cwd=run_dir)
        healthz = f"http://127.0.0.1:{self.healthz_port}/healthz"
        wait_until_ready(
            process,
            lambda: all(f.exists() for f in files) and http_ok(healthz),
            timeout_s=timeout_s,
            what="healthy with its credentials",
        )
        return process
