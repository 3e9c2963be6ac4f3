"""A running local system: Redis, then a real daprd and the app for each entry of dapr.yaml."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from launcher.agents import pubsub_agents_env
from launcher.external_agents import (
    SECRETS_VARIABLE,
    ExternalAgentsError,
    allowlisted,
    external_secrets,
    write_http_endpoints,
    write_sidecar_secrets,
)
from launcher.observability import LocalTracing
from launcher.private_files import make_private_dir
from launcher.processes import ManagedProcess, StartupError, Supervisor, wait_until_ready
from launcher.runfile import AppSpec, RunFile, load_runfile
from launcher.security import (
    TRUST_DOMAIN,
    AppTokens,
    RedisUsers,
    Sentry,
    SigningKeys,
    new_api_key,
    new_step_id_key,
)
from launcher.stackfile import write_stack_file
from launcher.toolchain import REPO_ROOT, daprd_path, redis_server_path

__all__ = [
    "PUBLIC_APP",
    "AppEndpoints",
    "LocalStack",
    "StackError",
    "StackOptions",
    "instance_name",
]

# Progress of a start (python -m launcher shows it; tests leave logging unconfigured).
log = logging.getLogger(__name__)

# The app whose port is the public edge (API key instead of the app token).
PUBLIC_APP = "orchestrator"


class StackError(StartupError):
    """The stack could not be started; the message carries the failing process's log."""


OPERATOR = "operator"  # the caller name of the stack's own API key


@dataclass(frozen=True)
class StackOptions:
    runfile: Path = REPO_ROOT / "dapr.yaml"
    run_dir: Path = REPO_ROOT / ".run"
    # Tests take free ports; `make run` keeps the ports written in dapr.yaml.
    free_ports: bool = False
    # Processes' output on the terminal: every line when verbose, else only
    # warnings and errors; all of it is in <run_dir>/logs/<process>.log either way.
    echo: bool = True
    verbose: bool = False
    state: Literal["sqlite", "redis"] = "sqlite"
    redis_port: int = 6390
    log_level: str = "info"
    env: Mapping[str, str] = field(default_factory=dict)
    # Apps to run besides those of the run file (tests add agents of their own); one
    # with the app-id of a run-file app runs instead of it.
    extra_apps: tuple[AppSpec, ...] = ()
    # Resource folders loaded by every sidecar besides the run file's (e.g. a test's policy).
    extra_resources: tuple[Path, ...] = ()
    # Sentry and mTLS between sidecars: access control needs the identities.
    mtls: bool = True
    # The key of the orchestrator's public API; a new one per run when None. Its
    # caller is named OPERATOR (what approvals record as `by`).
    api_key: str | None = None
    # More `name=key` entries of ORCHESTRATOR_API_KEYS (e.g. a second person in tests).
    extra_api_keys: tuple[str, ...] = ()
    # The callers (key names) with the operator role: the stack's own key, so the
    # console, the CLI and the first task of `make run` may do everything.
    operators: tuple[str, ...] = (OPERATOR,)
    # Where the OTLP/HTTP trace receiver listens (free port in tests).
    otlp_port: int = 4318
    # Instances per app-id (default 1): each its own daprd (same app-id) and app
    # process on ports of its own, as replicas of a Kubernetes Deployment.
    replicas: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AppEndpoints:
    """Where one instance of an app and its sidecar listen."""

    app_id: str
    app_port: int
    dapr_http_port: int
    dapr_grpc_port: int
    dapr_internal_grpc_port: int
    metrics_port: int
    instance: int = 0

    @property
    def name(self) -> str:
        """The instance's process name: the app-id for the first, `<app-id>-<n>` for others."""
        return instance_name(self.app_id, self.instance)

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def dapr_url(self) -> str:
        return f"http://127.0.0.1:{self.dapr_http_port}"


def instance_name(app_id: str, instance: int = 0) -> str:
    """The process (and log file) name of one instance of an app."""
    return app_id if instance == 0 else f"{app_id}-{instance}"


def _free_ports(count: int) -> Iterator[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        yield from (s.getsockname()[1] for s in sockets)
    finally:
        for s in sockets:
            s.close()


class LocalStack:
    """Start with `start()` (or `with LocalStack(...)`); `stop()` leaves nothing running."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        runfile = load_runfile(self.options.runfile)
        self._declared = runfile  # the file's apps, without the tests' extra ones
        replaced = {app.app_id for app in self.options.extra_apps}
        kept = [app for app in runfile.apps if app.app_id not in replaced]
        self.runfile: RunFile = runfile.model_copy(
            update={"apps": [*kept, *self.options.extra_apps]}
        )
        self.run_dir = self.options.run_dir.resolve()
        self.supervisor = Supervisor(
            self.run_dir / "logs", echo=self.options.echo, verbose=self.options.verbose
        )
        self.daprd = daprd_path()
        self.endpoints = self._plan_ports()
        self.tokens = {app.app_id: AppTokens() for app in self.runfile.apps}
        self.api_key = self.options.api_key or new_api_key()
        self.step_id_key = new_step_id_key()
        self.signing_keys = SigningKeys.new([app.app_id for app in self.runfile.apps])
        self.redis_users = RedisUsers.new(
            self.run_dir / "secrets", [app.app_id for app in self.runfile.apps], PUBLIC_APP
        )
        self._trust_anchors = ""

    @property
    def redis_address(self) -> str:
        return f"127.0.0.1:{self.redis_port}"

    def replicas(self, app_id: str) -> int:
        """How many instances of `app_id` this stack runs."""
        return max(1, self.options.replicas.get(app_id, 1))

    def _plan_ports(self) -> dict[str, AppEndpoints]:
        """Ports of every instance (`self.instances`); returns the first instance's per app."""
        apps = self.runfile.apps
        count = sum(self.replicas(app.app_id) for app in apps)
        spare = iter(list(_free_ports(5 * count + 5)))
        self.redis_port = next(spare) if self.options.free_ports else self.options.redis_port
        otlp_port = next(spare) if self.options.free_ports else self.options.otlp_port
        self.tracing = LocalTracing(self.run_dir, otlp_port)
        self.sentry = Sentry(
            port=next(spare),
            healthz_port=next(spare),
            metrics_port=next(spare),
            credentials=self.run_dir / "sentry",
        )
        self.instances: dict[str, list[AppEndpoints]] = {}
        for app in apps:
            self.instances[app.app_id] = []
            for instance in range(self.replicas(app.app_id)):
                # The run file's ports are the first instance's; other instances take free ones.
                fixed = not self.options.free_ports and instance == 0
                self.instances[app.app_id].append(
                    AppEndpoints(
                        app_id=app.app_id,
                        app_port=app.app_port if fixed else next(spare),
                        dapr_http_port=app.dapr_http_port if fixed else next(spare),
                        dapr_grpc_port=app.dapr_grpc_port if fixed else next(spare),
                        dapr_internal_grpc_port=next(spare),
                        metrics_port=next(spare),
                        instance=instance,
                    )
                )
        return {app_id: ports[0] for app_id, ports in self.instances.items()}

    def _ports(self, app_id: str, instance: int) -> AppEndpoints:
        try:
            return self.instances[app_id][instance]
        except (KeyError, IndexError):
            raise KeyError(f"{app_id!r} has no instance {instance} in this stack") from None

    # -- life cycle ---------------------------------------------------------

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def secrets(self) -> list[str]:
        """Every credential of this run: the receiver redacts them from traces.

        The Redis passwords are among them: they belong only in the sidecars'
        secret files (`redis_users.folder`), never in a trace or a log.
        """
        tokens = [(t.app_api_token, t.dapr_api_token) for t in self.tokens.values()]
        redis = list(self.redis_users.passwords.values())
        external = list(external_secrets(self._launcher_env).values())
        named = [entry.partition("=")[2] for entry in self.options.extra_api_keys]
        return [
            self.api_key,
            self.step_id_key,
            *named,
            *(token for pair in tokens for token in pair),
            *redis,
            *self.signing_keys.private.values(),
            *external,
        ]

    @property
    def _launcher_env(self) -> dict[str, str]:
        return {**os.environ, **self.options.env}

    @property
    def orchestrator_resources(self) -> Path:
        """The resources folder only the orchestrator's sidecar loads (its HTTPEndpoints)."""
        return self.run_dir / "resources" / PUBLIC_APP

    @property
    def has_orchestrator(self) -> bool:
        """Whether the runfile has the hub (the benchmark's raw Dapr apps have none)."""
        return any(app.app_id == PUBLIC_APP for app in self.runfile.apps)

    def _write_external_agents(self) -> None:
        """HTTPEndpoints (and their header secrets) for the orchestrator's allowlist.

        A runfile without the orchestrator (the benchmark's raw Dapr apps) has
        no allowlist to serve, so nothing is written.
        """
        if not self.has_orchestrator:
            return
        hub = self._spec(PUBLIC_APP)
        env = {**os.environ, **self.runfile.common.env, **hub.env, **self.options.env}
        try:
            agents = allowlisted(env)
            secrets_file = self.redis_users.secrets_file(PUBLIC_APP)
            write_sidecar_secrets(agents, external_secrets(self._launcher_env), secrets_file)
        except ExternalAgentsError as exc:
            raise StackError(str(exc)) from exc
        write_http_endpoints(agents, self.orchestrator_resources)

    def start(self, timeout_s: float = 90) -> None:
        """Start everything and return once every app and sidecar is healthy.

        A process dying during start-up stops everything; once all are
        healthy, the supervisor restarts whichever crashes (processes.py).
        """
        make_private_dir(self.run_dir, tighten=True)
        try:
            self.redis_users.write()
            self._write_external_agents()
            self._start_redis(timeout_s)
            log.info("redis answering on %s", self.redis_address)
            self.tracing.start_receiver(self.supervisor, timeout_s, self.secrets)
            if self.options.mtls:
                self._trust_anchors = self.sentry.start(self.supervisor, self.run_dir, timeout_s)
                log.info("sentry up: sidecars talk over mTLS")
            every = [p for ports in self.instances.values() for p in ports]
            for ports in every:
                self.start_app(ports.app_id, instance=ports.instance, wait=False)
            for ports in every:
                self.wait_healthy(ports.app_id, timeout_s, instance=ports.instance)
            # Where the stack is, for the conformance kit (python -m conformance).
            if self.has_orchestrator:
                write_stack_file(self, PUBLIC_APP)
        except BaseException:
            self.stop()
            raise
        self.supervisor.supervise()

    def stop(self) -> None:
        self.supervisor.stop_all()

    def _start_redis(self, timeout_s: float) -> None:
        argv = [
            str(redis_server_path()),
            "--port", str(self.redis_port),
            "--bind", "127.0.0.1",
            "--dir", str(self.run_dir),
            # Accepted messages survive a Redis restart.
            "--appendonly", "yes",
            "--save", "",
            "--protected-mode", "yes",
            # Nobody gets in without logging in (see launcher/security.py).
            "--aclfile", str(self.redis_users.acl_file),
        ]  # fmt: skip
        process = self.supervisor.start("redis", argv, env=os.environ, cwd=self.run_dir)
        wait_until_ready(
            process, lambda: _redis_answers(self.redis_port), timeout_s=timeout_s,
            what="answering PING", interval_s=0.05,
        )  # fmt: skip

    @property
    def traces_file(self) -> Path:
        return self.tracing.traces_file

    def start_app(
        self, app_id: str, *, instance: int = 0, wait: bool = True, timeout_s: float = 60
    ) -> None:
        """Start (or start again) one instance of an app and its sidecar."""
        app = self._spec(app_id)
        ports = self._ports(app_id, instance)
        name = ports.name
        sidecar = f"{name}.daprd"
        log.info("starting %s (app :%d, daprd :%d)", name, ports.app_port, ports.dapr_http_port)
        if sidecar in self._names and not self.supervisor[sidecar].alive:
            self.supervisor.restart(sidecar)
        elif sidecar not in self._names:
            self.supervisor.start(
                sidecar, self._daprd_argv(app, ports), env=self._daprd_env(app_id),
                cwd=self.run_dir,
            )  # fmt: skip
        self.supervisor.start(
            name, self._app_argv(app), env=self._app_env(app, ports),
            cwd=(self.options.runfile.parent / app.app_dir_path).resolve(),
        )  # fmt: skip
        if wait:
            self.wait_healthy(app_id, timeout_s, instance=instance)

    def kill_app(self, app_id: str, *, instance: int = 0, sidecar: bool = False) -> None:
        """SIGKILL one app process on purpose, for fault-injection tests; the supervisor
        leaves it down until `start_app`. Its sidecar stays up unless `sidecar`: then
        it is killed too, as when Kubernetes loses the whole pod."""
        name = self._ports(app_id, instance).name
        self.supervisor.kill(name)
        if sidecar:
            self.supervisor.kill(f"{name}.daprd")

    def restart_redis(self, timeout_s: float = 30) -> None:
        """Stop Redis (SIGTERM: it writes its append-only file) and start it again."""
        self.supervisor.stop("redis")
        process = self.supervisor.restart("redis")
        wait_until_ready(
            process, lambda: _redis_answers(self.redis_port), timeout_s=timeout_s,
            what="answering PING", interval_s=0.05,
        )  # fmt: skip

    @property
    def _names(self) -> set[str]:
        return {p.name for p in self.supervisor.processes}

    def _spec(self, app_id: str) -> AppSpec:
        for app in self.runfile.apps:
            if app.app_id == app_id:
                return app
        raise KeyError(f"{app_id!r} is not in {self.options.runfile.name}")

    # -- command lines ------------------------------------------------------

    def _resources_paths(self, app_id: str) -> list[Path]:
        base = self.options.runfile.parent
        paths = []
        for raw in self.runfile.common.resources_paths:
            path = (base / raw).resolve()
            if path.name.startswith("state-"):  # the one state-store variant to load
                path = path.parent / f"state-{self.options.state}"
            paths.append(path)
        if app_id == PUBLIC_APP:
            paths.append(self.orchestrator_resources)
        return paths + [p.resolve() for p in self.options.extra_resources]

    def _daprd_argv(self, app: AppSpec, ports: AppEndpoints) -> list[str]:
        common = self.runfile.common
        argv = [
            str(self.daprd),
            "--app-id", app.app_id,
            "--app-port", str(ports.app_port),
            "--app-protocol", common.app_protocol,
            "--app-channel-address", "127.0.0.1",
            "--dapr-listen-addresses", "127.0.0.1",
            "--dapr-http-port", str(ports.dapr_http_port),
            "--dapr-grpc-port", str(ports.dapr_grpc_port),
            "--dapr-internal-grpc-port", str(ports.dapr_internal_grpc_port),
            "--metrics-port", str(ports.metrics_port),
            "--metrics-listen-address", "127.0.0.1",
            "--enable-app-health-check",
            "--app-health-check-path", common.app_health_check_path,
            "--app-health-probe-interval", "1",
            "--log-level", self.options.log_level,
        ]  # fmt: skip
        for path in self._resources_paths(app.app_id):
            argv += ["--resources-path", str(path)]
        config = app.config_file_path or common.config_file_path
        if config:
            argv += ["--config", str(self.tracing.render(self.options.runfile.parent / config))]
        if self.options.mtls:
            argv += [
                "--enable-mtls",
                "--sentry-address", self.sentry.address,
                "--control-plane-trust-domain", TRUST_DOMAIN,
            ]  # fmt: skip
        return argv

    def _daprd_env(self, app_id: str) -> dict[str, str]:
        tokens = self.tokens[app_id]
        env = {
            **os.environ,
            # daprd cannot pick a host address on a loopback-only machine by itself.
            "DAPR_HOST_IP": "127.0.0.1",
            "HUBSPOKE_REDIS_HOST": self.redis_address,
            # A path, not a secret: the sidecar's own Redis credentials (mode 0600).
            "HUBSPOKE_SIDECAR_SECRETS_FILE": str(self.redis_users.secrets_file(app_id)),
            # Redelivery of unacknowledged messages (components/common/*.yaml).
            "HUBSPOKE_PUBSUB_PROCESSING_TIMEOUT": "20s",
            "HUBSPOKE_TASKQUEUE_PROCESSING_TIMEOUT": "60s",
            # Calls to the app carry this token; calls to this sidecar must carry the other.
            "APP_API_TOKEN": tokens.app_api_token,
            "DAPR_API_TOKEN": tokens.dapr_api_token,
            **self.options.env,
        }
        if self.options.mtls:
            env["DAPR_TRUST_ANCHORS"] = self._trust_anchors  # the PEM itself, not a path
        env.pop(SECRETS_VARIABLE, None)  # the sidecar reads them from its secrets file
        return env

    def _app_argv(self, app: AppSpec) -> list[str]:
        argv = list(app.command)
        if argv[0] == "python":  # the interpreter of this venv, whatever PATH says
            argv[0] = sys.executable
        return argv

    def _app_env(self, app: AppSpec, ports: AppEndpoints) -> dict[str, str]:
        tokens = self.tokens[app.app_id]
        env = {
            **os.environ,
            **self.runfile.common.env,
            **app.env,
            "APP_ID": app.app_id,
            "APP_PORT": str(ports.app_port),
            "DAPR_HTTP_PORT": str(ports.dapr_http_port),
            "DAPR_GRPC_PORT": str(ports.dapr_grpc_port),
            "APP_API_TOKEN": tokens.app_api_token,
            "DAPR_API_TOKEN": tokens.dapr_api_token,
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.tracing.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "500",  # spans reach the receiver within a second
            "PYTHONUNBUFFERED": "1",
            **self.signing_keys.env(app.app_id),
            **self.options.env,
        }
        if app.app_id == PUBLIC_APP:
            # The run file's own agents (launcher/agents.py), unless a test or user set them.
            for name, value in pubsub_agents_env(self._declared).items():
                env.setdefault(name, value)
            keys = [f"{OPERATOR}={self.api_key}", *self.options.extra_api_keys]
            env["ORCHESTRATOR_API_KEYS"] = ",".join(keys)
            roles = {name: ["operator"] for name in self.options.operators}
            env["ORCHESTRATOR_API_KEY_ROLES"] = json.dumps(roles)
            env["ORCHESTRATOR_STEP_ID_KEY"] = self.step_id_key  # shared by its replicas
            # The receiver answers GET /traces/<id>: the console's trace waterfall.
            env.setdefault("ORCHESTRATOR_TRACE_QUERY_URL", self.tracing.endpoint)
        env.pop(SECRETS_VARIABLE, None)  # for the orchestrator's sidecar only, never an app
        return env

    # -- health -------------------------------------------------------------

    def wait_healthy(self, app_id: str, timeout_s: float = 60, *, instance: int = 0) -> None:
        """Wait until one instance of the app answers /healthz and its sidecar reports healthy."""
        ports = self._ports(app_id, instance)
        health_path = self.runfile.common.app_health_check_path
        checks = {
            f"{ports.app_url}{health_path}": self.supervisor[ports.name],
            f"{ports.dapr_url}/v1.0/healthz": self.supervisor[f"{ports.name}.daprd"],
        }
        started = time.monotonic()
        deadline = started + timeout_s
        with httpx.Client(timeout=2) as client:
            while checks:
                for process in checks.values():  # either dying fails the start at once
                    self._check_alive(process)
                checks = {url: p for url, p in checks.items() if not _answers(client, url)}
                if checks and time.monotonic() > deadline:
                    url, process = next(iter(checks.items()))
                    raise StackError(
                        f"{process.name} not healthy after {timeout_s:.0f}s ({url})\n"
                        f"{process.tail()}"
                    )
                if checks:
                    time.sleep(0.1)
        log.info("%s and its sidecar healthy (%.1fs)", ports.name, time.monotonic() - started)

    @staticmethod
    def _check_alive(process: ManagedProcess) -> None:
        if not process.alive:
            raise StackError(f"{process.name} exited early; its log:\n{process.tail()}")

    @contextmanager
    def client(
        self, app_id: str, *, sidecar: bool = False, credentials: bool = True, instance: int = 0
    ) -> Iterator[httpx.Client]:
        """An HTTP client for an app instance (or its sidecar), holding the tokens it takes."""
        ports = self._ports(app_id, instance)
        headers = {}
        if credentials:
            tokens = self.tokens[app_id]
            headers["dapr-api-token"] = tokens.dapr_api_token if sidecar else tokens.app_api_token
            if app_id == PUBLIC_APP and not sidecar:
                headers = {"X-API-Key": self.api_key}
        with httpx.Client(
            base_url=ports.dapr_url if sidecar else ports.app_url, headers=headers, timeout=30
        ) as client:
            yield client


def _answers(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code in (200, 204)
    except httpx.TransportError:
        return False


def _redis_answers(port: int) -> bool:
    try:
        with closing(socket.create_connection(("127.0.0.1", port), timeout=1)) as conn:
            conn.sendall(b"PING\r\n")
            # Refusing an anonymous client is an answer too: Redis is up.
            return conn.recv(16).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False
