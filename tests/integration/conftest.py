"""Integration fixtures: the real system (Redis, daprd sidecars, apps) on free ports.

No sidecar is imitated here: a missing daprd FAILS the tests with the command
that builds it, it never skips them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from chassis.signatures import EventSigner, load_private_key
from launcher import LocalStack, StackOptions
from launcher.agents import agent_ids, load_agents
from launcher.runfile import AppSpec, load_runfile
from launcher.toolchain import REPO_ROOT, ToolMissingError

STACKS: list[LocalStack] = []

# Registry timings shortened so liveness tests take seconds (defaults: 5/2/15/60 s).
FAST_REGISTRY = {
    "HUBSPOKE_HEARTBEAT_SECONDS": "0.5",
    "ORCHESTRATOR_REGISTRY_SWEEP_SECONDS": "0.5",
    "ORCHESTRATOR_UNHEALTHY_AFTER_SECONDS": "2",
    "ORCHESTRATOR_REMOVE_AFTER_SECONDS": "5",
}
# A test agent's environment when the registry pulls its card: no self-registration,
# and no asynchronous inbox (it is in no pub/sub scope).
PULLED = {"HUBSPOKE_SELF_REGISTER": "false", "HUBSPOKE_ASYNC_WORK": "false"}


def agent_spec(app_id: str, module: str, env: Mapping[str, str] | None = None) -> AppSpec:
    """A test agent's app: `python -m <module>` with `env`, beside a daprd with the agents'
    Dapr Configuration; its ports are chosen free when the stack starts."""
    return AppSpec(
        app_id=app_id,
        app_port=0,
        dapr_http_port=0,
        dapr_grpc_port=0,
        command=["python", "-m", module],
        env=dict(env or {}),
        config_file_path="./dapr-config/agent.yaml",
    )


LEGACY_AGENT = agent_spec("legacy", "tests.integration.legacy_agent", PULLED)
# Every agent dapr.yaml declares, whatever its language (launcher/agents.py).
AGENTS = agent_ids(load_runfile(REPO_ROOT / "dapr.yaml"))
PYTHON_AGENTS = tuple(a.app_id for a in load_agents(REPO_ROOT) if a.manifest.language == "python")


def wait_registered(
    stack: LocalStack,
    app_ids: tuple[str, ...] = AGENTS,
    timeout_s: float = 60,
    since: datetime | None = None,
) -> None:
    """Wait until every agent in `app_ids` is listed routable by the orchestrator: healthy,
    its evaluation examples passed (they run in the background after it registers).

    With `since`, also until a heartbeat newer than that reached it: after an
    orchestrator restart, records loaded from the store look healthy before
    heartbeats flow again (Dapr resumes the subscription once the app is healthy).
    """
    deadline = time.monotonic() + timeout_s
    with stack.client("orchestrator") as client:
        while True:
            agents = client.get("/v1/agents", params={"health": "healthy"}).json()["agents"]
            fresh = {
                a["app_id"]
                for a in agents
                if a["routable"]
                and (since is None or datetime.fromisoformat(a["last_seen"]) > since)
            }
            if set(app_ids) <= fresh:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"agents {app_ids} not routable in the registry: {agents}")
            time.sleep(0.1)


def app_signer(stack: LocalStack, app_id: str) -> EventSigner:
    """`app_id`'s own message signer, with the key the launcher gave it."""
    return EventSigner(app_id, load_private_key(stack.signing_keys.private[app_id]))


def publish_as(
    stack: LocalStack,
    app_id: str,
    topic: str,
    data: Any,
    message_id: str | None = None,
    *,
    component: str = "pubsub",
) -> httpx.Response:
    """Publish `data` through `app_id`'s own sidecar, signed with its key as the app
    itself would (`chassis.signatures`)."""
    event = app_signer(stack, app_id).envelope(topic, json.dumps(data).encode(), message_id)
    with stack.client(app_id, sidecar=True) as sidecar:
        return sidecar.post(
            f"/v1.0/publish/{component}/{topic}",
            content=event,
            headers={"content-type": "application/cloudevents+json"},
        )


def redis_cli(stack: LocalStack, *command: str, user: str | None = None) -> str:
    """One command through redis-cli against the stack's Redis, as `user` (None: nobody).

    Returns the reply, errors included (NOAUTH, NOPERM...).
    """
    cli = shutil.which("redis-cli")
    assert cli is not None, "redis-cli comes with redis-server (make bootstrap)"
    argv = [cli, "-h", "127.0.0.1", "-p", str(stack.redis_port), "--no-auth-warning"]
    if user is not None:
        argv += ["--user", user, "--pass", stack.redis_users.passwords[user]]
    done = subprocess.run([*argv, *command], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


class StackChoices(TypedDict, total=False):
    """What a test may choose of a stack's `launcher.StackOptions` (see there)."""

    state: Literal["sqlite", "redis"]
    extra_apps: tuple[AppSpec, ...]
    extra_resources: tuple[Path, ...]
    extra_api_keys: tuple[str, ...]
    operators: tuple[str, ...]
    replicas: Mapping[str, int]


def _started(
    run_dir: Path, env: Mapping[str, str], timeout_s: float, **choices: Unpack[StackChoices]
) -> LocalStack:
    """A started stack on free ports, in STACKS so a failed test prints its logs (a failed
    start too); fails the test (never skips) if a binary is missing."""
    options = StackOptions(free_ports=True, echo=False, run_dir=run_dir, env=env, **choices)
    try:
        stack = LocalStack(options)
    except ToolMissingError as exc:
        pytest.fail(str(exc), pytrace=False)
    STACKS.append(stack)
    stack.start(timeout_s=timeout_s)
    return stack


def start_stack(
    run_dir: Path,
    state: Literal["sqlite", "redis"] = "sqlite",
    extra_apps: tuple[AppSpec, ...] = (),
) -> LocalStack:
    """Start a stack for tests, its agents routable; the caller stops it."""
    stack = _started(run_dir, FAST_REGISTRY, 90, state=state, extra_apps=extra_apps)
    wait_registered(stack)
    return stack


@contextmanager
def module_stack(
    run_dir: Path,
    *,
    env: Mapping[str, str],
    registered: tuple[str, ...] = AGENTS,
    start_timeout_s: float = 300,
    registered_timeout_s: float = 120,
    **choices: Unpack[StackChoices],
) -> Iterator[LocalStack]:
    """A stack of a test module's own, for a module-scoped fixture to yield.

    Yields once it is started and the agents in `registered` are routable, then
    stops it. The waits are generous because helpers share the machine: a
    loaded one takes minutes to import the orchestrator; start-up is not under
    test.
    """
    stack = _started(run_dir, env, start_timeout_s, **choices)
    try:
        wait_registered(stack, registered, timeout_s=registered_timeout_s)
        yield stack
    finally:
        stack.stop()
        STACKS.remove(stack)


@pytest.fixture(autouse=True)
def _test_clients_send_only_their_own_headers() -> None:
    """Unit tests instrument httpx in this process (chassis.telemetry); an instrumented
    client would replace a test's own `traceparent` with one of this process's traces.
    The services under test run in their own processes and keep their instrumentation."""
    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    system = start_stack(tmp_path_factory.mktemp("stack"), extra_apps=(LEGACY_AGENT,))
    yield system
    system.stop()


# Scans what every other test on the shared stack wrote: it runs last.
RUNS_LAST = "test_secrets_in_telemetry.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: item.path.name == RUNS_LAST)  # stable: the rest keep their order


def _registry_snapshot(stack: LocalStack) -> str:
    try:
        with stack.client("orchestrator") as client:
            return client.get("/v1/agents").text
    except Exception as exc:  # the stack may be down: the snapshot is a hint, not a test
        return f"unavailable: {exc!r}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for system in STACKS:
            report.sections.append(("registry at failure", _registry_snapshot(system)))
            for process in system.supervisor.processes:
                report.sections.append((f"log of {process.name}", process.tail(40)))
    return report


def topic_events(stack: LocalStack, topic: str) -> list[dict[str, Any]]:
    """The CloudEvents on a topic's Redis stream, oldest first (read as the orchestrator)."""
    raw = redis_cli(stack, "--json", "XRANGE", topic, "-", "+", user="orchestrator")
    events = []
    for _entry_id, fields in json.loads(raw):
        values = dict(zip(fields[::2], fields[1::2], strict=True))
        events.append(json.loads(values["data"]))
    return events
