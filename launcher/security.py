"""Per-run secrets and the certificate authority of a local stack.

- Sentry (Dapr's CA) generates a fresh trust root in the run folder and
  issues each sidecar its SPIFFE identity, so access-control policies can
  tell callers apart (without mTLS every call falls to the default action).
- Each app gets two random tokens: APP_API_TOKEN (its sidecar proves itself
  to the app) and DAPR_API_TOKEN (the app proves itself to its sidecar).
- The orchestrator's public API gets a random API key.
- Redis refuses every client that does not log in (its default user is off).
  Each sidecar logs in as a Redis ACL user of its own (named after its
  app-id, a random password per run) that reaches only its own state keys
  and the streams of the topics its role uses. Sidecars read the credentials
  from a secret-store file of their own (mode 0600); apps never see them.
Nothing here is written to the repository; on AKS they come from secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from launcher.private_files import make_private_dir
from launcher.processes import ManagedProcess, Supervisor, http_ok, wait_until_ready
from launcher.toolchain import REPO_ROOT, sentry_path

__all__ = ["AppTokens", "RedisUsers", "Sentry", "new_api_key"]

TRUST_DOMAIN = "localhost"  # sentry's --trust-domain = daprd's --control-plane-trust-domain


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class AppTokens:
    app_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    dapr_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


# Streams (one per topic, named after it) that every role may touch; each app
# also gets its own work topic and the keys of its own state (Dapr prefixes
# them "<app-id>||"). Publishing and subscribing scopes in
# components/common/pubsub.yaml narrow this further per app.
_SHARED_STREAMS = ("agents.registry", "agent.results", "tasks.deadletter", "task.completed")
_ORCHESTRATOR_STREAMS = ("tasks.requested", "agent.requests.*")
# What Dapr's Redis components send: streams, hashes, Lua scripts for ETags,
# INFO at start-up (state.redis asks for replicas). No administration.
_COMMANDS = "+@all -@dangerous +info"


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)  # an existing file keeps its old mode through O_CREAT


@dataclass(frozen=True)
class RedisUsers:
    """One Redis ACL user per app, written where only Redis and each sidecar read them.

    `acl_file` (Redis's `aclfile`) holds SHA-256 hashes, not passwords;
    `secrets_file(app_id)` is the JSON that app's sidecar loads with the
    `secretstores.local.file` component `sidecar-secrets`
    (keys `redis-username`, `redis-password`).
    """

    folder: Path
    orchestrator: str
    passwords: dict[str, str] = field(default_factory=dict)

    @classmethod
    def new(cls, folder: Path, app_ids: list[str], orchestrator: str) -> RedisUsers:
        """A random password for each of `app_ids` (nothing written yet: see `write`)."""
        return cls(folder, orchestrator, {a: secrets.token_urlsafe(32) for a in app_ids})

    def write(self) -> None:
        """Write the ACL file and each sidecar's secrets file, all mode 0600."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        _write_private(self.acl_file, self._acl())
        for app_id, password in self.passwords.items():
            secret = {"redis-username": app_id, "redis-password": password}
            _write_private(self.secrets_file(app_id), json.dumps(secret))

    @property
    def acl_file(self) -> Path:
        return self.folder / "redis-users.acl"

    def secrets_file(self, app_id: str) -> Path:
        return self.folder / f"{app_id}.secrets.json"

    def _acl(self) -> str:
        lines = ["user default off"]
        for app_id, password in self.passwords.items():
            own = (f"agent.requests.{app_id}",) if app_id != self.orchestrator else ()
            extra = _ORCHESTRATOR_STREAMS if app_id == self.orchestrator else own
            keys = " ".join(f"~{k}" for k in (f"{app_id}||*", *_SHARED_STREAMS, *extra))
            digest = hashlib.sha256(password.encode()).hexdigest()
            lines.append(f"user {app_id} on #{digest} resetchannels {keys} {_COMMANDS}")
        return "\n".join(lines) + "\n"


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
