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
  and the streams of the topics its role uses: an agent may append (XADD)
  only to the streams it produces (`agent.results.<id>`,
  `tasks.deadletter.<id>`, `agents.registry.<id>`), and may only read and
  acknowledge the streams it consumes. Sidecars read the credentials
  from a secret-store file of their own (mode 0600); apps never see them.
- Each app gets an Ed25519 key pair (`SigningKeys`): it signs every message
  it publishes with its private key, and every app gets every public key.
- The orchestrator derives step ids with a random key (ORCHESTRATOR_STEP_ID_KEY),
  the same for all its replicas.
Nothing here is written to the repository; on AKS they come from secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from chassis.signatures import new_key_pair
from launcher.private_files import make_private_dir
from launcher.processes import ManagedProcess, Supervisor, http_ok, wait_until_ready
from launcher.toolchain import REPO_ROOT, sentry_path

__all__ = [
    "AppTokens",
    "RedisUsers",
    "Sentry",
    "SigningKeys",
    "acl_rules",
    "new_api_key",
    "new_step_id_key",
]

TRUST_DOMAIN = "localhost"  # sentry's --trust-domain = daprd's --control-plane-trust-domain


def new_api_key() -> str:
    return secrets.token_urlsafe(32)


def new_step_id_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class AppTokens:
    app_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    dapr_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass(frozen=True)
class SigningKeys:
    """One Ed25519 key pair per app (base64url raw keys, `chassis.signatures`)."""

    private: dict[str, str]
    public: dict[str, str]

    @classmethod
    def new(cls, app_ids: list[str]) -> SigningKeys:
        pairs = {app_id: new_key_pair() for app_id in app_ids}
        return cls({a: p[0] for a, p in pairs.items()}, {a: p[1] for a, p in pairs.items()})

    def env(self, app_id: str) -> dict[str, str]:
        """The app's signing variables: its own private key and everyone's public keys."""
        return {
            "HUBSPOKE_SIGNING_KEY": self.private[app_id],
            "HUBSPOKE_SIGNING_PUBLIC_KEYS": json.dumps(self.public, sort_keys=True),
        }


# Streams are named after their topics. The orchestrator (the hub, trusted with
# every task) may use every stream of ours; an agent only these, and
# Dapr's `publishingScopes` and `subscriptionScopes` (components/common/
# pubsub.yaml) narrow its sidecar further to the same topics.
_ORCHESTRATOR_STREAMS = (
    "tasks.requested",
    "tasks.deadletter*",
    "agent.requests.*",
    "agent.results.*",
    "agents.registry.*",
    "task.completed",
)
# Streams an agent consumes (besides its agent.requests.<app-id>), by app-id.
_CONSUMED = {"summarizer": ("task.completed",)}
# What Dapr's Redis components send: streams, hashes, Lua scripts for ETags,
# INFO at start-up (state.redis asks for replicas). No administration.
_COMMANDS = "+@all -@dangerous +info"
# A consumer group's work on a stream: create the group, read, acknowledge,
# claim what a dead consumer left pending. Acknowledging and claiming change
# only the group's pending list, never an entry: no XADD, XDEL, XTRIM, XSETID,
# nor destroying or moving a group.
_CONSUMER = "+@read +xreadgroup +xack +xclaim +xautoclaim +xgroup|create +xgroup|createconsumer"
# Publishing through Dapr is one XADD per message.
_PRODUCER = "+xadd"


def agent_streams(app_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The streams an agent consumes and those it produces (appends to)."""
    consumed = (f"agent.requests.{app_id}", *_CONSUMED.get(app_id, ()))
    produced = (
        f"agent.results.{app_id}",
        f"tasks.deadletter.{app_id}",
        f"agents.registry.{app_id}",
    )
    return consumed, produced


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
            digest = hashlib.sha256(password.encode()).hexdigest()
            rules = acl_rules(app_id, self.orchestrator)
            lines.append(f"user {app_id} on #{digest} resetchannels {rules}")
        return "\n".join(lines) + "\n"


def acl_rules(app_id: str, orchestrator: str) -> str:
    """The Redis ACL rules (keys, commands, selectors) of `app_id`'s Redis user.

    The same rules serve the local Redis (`RedisUsers`) and, as access
    policies, Azure Cache for Redis (k8s/overlays/aks/redis-access-policies.sh,
    printed by `python -m launcher.redis_acl`). `orchestrator` is the hub's app-id.
    """
    if app_id == orchestrator:
        return f"{_keys(f'{app_id}||*', *_ORCHESTRATOR_STREAMS)} {_COMMANDS}"
    # Its own state keys take every data command; each stream only what its
    # role needs, in a selector (Redis 7: the commands apply to its keys only).
    consumed, produced = agent_streams(app_id)
    return (
        f"{_keys(f'{app_id}||*')} {_COMMANDS}"
        f" ({_keys(*consumed)} {_CONSUMER}) ({_keys(*produced)} {_PRODUCER})"
    )


def _keys(*patterns: str) -> str:
    return " ".join(f"~{p}" for p in patterns)


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
