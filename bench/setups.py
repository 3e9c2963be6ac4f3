"""The setups the benchmark compares, each started fresh on free ports and stopped after.

- `http`: the floor of a hop. bench/raw_apps.py front -> back, plain HTTP, no sidecars.
- `dapr`: raw Dapr. The same two apps through their real sidecars (launcher, mTLS).
- `floor`: the same-work floor. Two trivial apps (bench/floor_apps.py) doing
  exactly the Dapr operations of a one-agent Hubspoke task, under Hubspoke's
  app ids, components and Configurations.
- `hubspoke-http`: the floor of Hubspoke's code. The real orchestrator and agents, agents
  called by plain HTTP, state in memory, no sidecars (bench/direct_serve.py).
- `hubspoke`: the real stack as `make run` starts it (launcher.LocalStack).
- `hubspoke-llm`: the same stack planning through its `openai-compatible`
  provider against bench/planner_server.py, the deterministic planner a peer
  framework gets too.
- `dapr-agents`: the peer, dapr-agents' orchestrator and three agents doing the
  same tasks on the same planner, each beside its own daprd (bench/peer/).

Each runs under the launcher's `Supervisor`, so every process is known by name
and pid, logs go to `<run dir>/logs/`, and nothing outlives the benchmark.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.peer.environment import ensure_python
from bench.peer.stack import RUNFILE as PEER_RUNFILE
from bench.peer.stack import PeerStack
from bench.sidecar_clients import SidecarAccess
from bench.task_probe import TaskProbe
from bench.workloads import (
    FAN_OUT_TASK,
    ONE_AGENT_TASK,
    TYPESCRIPT_AGENT_TASK,
    CheckFailed,
    Workload,
    answer_workload,
    check,
    echo_workload,
    expected_parts,
    floor_workload,
    task_workload,
)
from launcher import LocalStack, StackOptions
from launcher.observability import LocalTracing
from launcher.processes import StartupError, Supervisor, http_ok, wait_until_ready
from launcher.security import AppTokens, new_api_key
from launcher.toolchain import REPO_ROOT

__all__ = ["SETUPS", "RunningSetup", "Setup"]

AGENTS = ("calculator", "summarizer", "knowledge")
# make run also starts the TypeScript agent; the plain-HTTP floor has Python agents only.
STACK_AGENTS = (*AGENTS, "units")
FAN_OUT = ("calculator", "summarizer", "knowledge")  # plan order of FAN_OUT_TASK
RAW_RUNFILE = Path(__file__).with_name("raw_dapr") / "dapr.yaml"
FLOOR_RUNFILE = Path(__file__).with_name("floor") / "dapr.yaml"
START_TIMEOUT_S = 90.0
HTTP_PATH = "agents by plain HTTP, task state in memory, task.completed dropped"
DAPR_PATH = (
    "agents through Dapr (mTLS, ACL, tracing, resiliency), task saved once (SQLite), "
    "task.completed published (Redis) and recorded by the summarizer"
)


@dataclass(frozen=True)
class RunningSetup:
    supervisor: Supervisor
    workloads: tuple[Workload, ...]
    # A sidecar to compare Dapr clients against (bench/sidecar_clients.py).
    sidecar: SidecarAccess | None = None
    # Where the apps' spans land, to count each task's Dapr calls (bench/operations.py).
    traces_file: Path | None = None
    # Counts a checked task's work from the sidecars' metrics (bench/task_probe.py).
    probe: TaskProbe | None = None

    def pids(self) -> dict[str, int]:
        """Every process of the setup that is running, by name."""
        return {
            p.name: p.popen.pid
            for p in self.supervisor.processes
            if p.alive and p.popen is not None
        }


@dataclass(frozen=True)
class Setup:
    key: str
    description: str
    start: Callable[[Path], AbstractContextManager[RunningSetup]]


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh(run_dir: Path) -> Path:
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    return run_dir


def _serve(
    supervisor: Supervisor, name: str, argv: list[str], env: dict[str, str], port: int
) -> str:
    process = supervisor.start(name, [sys.executable, *argv], env=env, cwd=REPO_ROOT)
    url = f"http://127.0.0.1:{port}"
    wait_until_ready(
        process, lambda: http_ok(f"{url}/healthz"), timeout_s=START_TIMEOUT_S, what="healthy"
    )
    return url


@contextmanager
def plain_http(run_dir: Path) -> Iterator[RunningSetup]:
    supervisor = Supervisor(_fresh(run_dir) / "logs", echo=False)
    try:
        back_port, front_port = _free_port(), _free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        back = _serve(
            supervisor, "back", ["-m", "bench.raw_apps", "back"],
            {**env, "APP_PORT": str(back_port)}, back_port,
        )  # fmt: skip
        front = _serve(
            supervisor, "front", ["-m", "bench.raw_apps", "front"],
            {**env, "APP_PORT": str(front_port), "BENCH_BACK_URL": back}, front_port,
        )  # fmt: skip
        echo = echo_workload("http", "front -> back, plain HTTP, 1 KB echo", f"{front}/run")
        yield RunningSetup(supervisor, (echo,))
    finally:
        supervisor.stop_all()


@contextmanager
def raw_dapr(run_dir: Path) -> Iterator[RunningSetup]:
    options = StackOptions(
        runfile=RAW_RUNFILE, run_dir=_fresh(run_dir), free_ports=True, echo=False
    )
    with LocalStack(options) as stack:
        front = stack.endpoints["bench-front"].app_url
        echo = echo_workload(
            "dapr",
            "front -> daprd -> daprd -> back, 1 KB echo; mTLS and API tokens as Hubspoke, "
            "no ACL, tracing or resiliency",
            f"{front}/run",
        )
        _wait_resolvable(echo)
        yield RunningSetup(stack.supervisor, (echo,))


@contextmanager
def same_work_floor(run_dir: Path) -> Iterator[RunningSetup]:
    options = StackOptions(
        runfile=FLOOR_RUNFILE, run_dir=_fresh(run_dir), free_ports=True, echo=False
    )
    with LocalStack(options) as stack:
        hub = stack.endpoints["orchestrator"].app_url
        task = floor_workload(
            "floor-1",
            "hub -> daprd -> daprd -> agent once, task record saved, task.completed published "
            "and recorded by a subscriber; Hubspoke's sidecars, components and Configurations",
            f"{hub}/run",
        )
        _wait_resolvable(task)
        _wait_recorded(stack)
        ports, daprd = stack.endpoints["orchestrator"], stack.supervisor["orchestrator.daprd"]
        assert daprd.popen is not None  # started and healthy: LocalStack waited for it
        access = SidecarAccess(
            ports.dapr_http_port, ports.dapr_grpc_port,
            stack.tokens["orchestrator"].dapr_api_token, daprd.popen.pid,
        )  # fmt: skip
        yield RunningSetup(stack.supervisor, (task,), access)


def _wait_recorded(stack: LocalStack) -> None:
    """Until the subscriber has recorded a `task.completed` event in its state."""
    deadline = time.monotonic() + START_TIMEOUT_S
    with stack.client("summarizer", sidecar=True) as sidecar:
        while True:
            answer = sidecar.get("/v1.0/state/statestore/activity")
            if answer.status_code == 200 and answer.json().get("events", 0) > 0:
                return
            if time.monotonic() > deadline:
                raise CheckFailed("floor: the subscriber recorded no task.completed event")
            time.sleep(0.2)


def _wait_resolvable(workload: Workload) -> None:
    """Until the sidecars find each other (SQLite name resolution refreshes every 2 s)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            check(workload)
            return
        except CheckFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _hubspoke_workloads(prefix: str, url: str, api_key: str, via: str) -> tuple[Workload, ...]:
    post = f"{url}/v1/tasks"
    return (
        task_workload(
            f"{prefix}-1", f"POST /v1/tasks '{ONE_AGENT_TASK}', planned -> calculator; {via}",
            post, api_key, ONE_AGENT_TASK, ("calculator",),
        ),
        task_workload(
            f"{prefix}-3", f"POST /v1/tasks with 3 parts, planned -> 3 agents in parallel; {via}",
            post, api_key, FAN_OUT_TASK, FAN_OUT,
        ),
    )  # fmt: skip


def _wait_registered(url: str, api_key: str, pull: bool, agents: tuple[str, ...] = AGENTS) -> None:
    """Until every agent is listed routable (registering by pull first when `pull`)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=url, headers={"X-API-Key": api_key}, timeout=10) as client:
        for app_id in agents if pull else ():
            client.post("/v1/agents", json={"app_id": app_id}).raise_for_status()
        while True:
            listed = client.get("/v1/agents", params={"health": "healthy"}).json()["agents"]
            missing = set(agents) - {a["app_id"] for a in listed if a["routable"]}
            if not missing:
                return
            if time.monotonic() > deadline:
                raise StartupError(f"agents not registered healthy: {', '.join(sorted(missing))}")
            time.sleep(0.2)


@contextmanager
def hubspoke_http(run_dir: Path) -> Iterator[RunningSetup]:
    supervisor = Supervisor(_fresh(run_dir) / "logs", echo=False)
    try:
        token, api_key = AppTokens().app_api_token, new_api_key()
        # Spans exported as in the real stack, so the two differ by Dapr only.
        tracing = LocalTracing(run_dir, _free_port())
        tracing.start_receiver(supervisor, START_TIMEOUT_S)
        base = {
            **os.environ, "PYTHONUNBUFFERED": "1", "HUBSPOKE_SELF_REGISTER": "false",
            "OTEL_EXPORTER_OTLP_ENDPOINT": tracing.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "500",
        }  # fmt: skip
        apps = {}
        for app_id in AGENTS:
            port = _free_port()
            env = {**base, "APP_ID": app_id, "APP_PORT": str(port), "APP_API_TOKEN": token}
            apps[app_id] = _serve(
                supervisor, app_id, ["-m", "bench.direct_serve", app_id], env, port
            )
        port = _free_port()
        env = {
            **base, "APP_ID": "orchestrator", "APP_PORT": str(port),
            "ORCHESTRATOR_API_KEYS": api_key, "BENCH_APPS": json.dumps(apps),
            "BENCH_APP_TOKEN": token,
        }  # fmt: skip
        argv = ["-m", "bench.direct_serve", "orchestrator"]
        url = _serve(supervisor, "orchestrator", argv, env, port)
        _wait_registered(url, api_key, pull=True)
        yield RunningSetup(
            supervisor, _hubspoke_workloads("hubspoke-http", url, api_key, HTTP_PATH)
        )
    finally:
        supervisor.stop_all()


def _planner_env(port: int) -> dict[str, str]:
    """How Hubspoke's orchestrator plans through bench/planner_server.py on `port`."""
    return {
        "ORCHESTRATOR_AI_PROVIDER": "openai-compatible",
        "ORCHESTRATOR_OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "ORCHESTRATOR_OPENAI_MODEL": "bench-planner",
    }


def _start_planner(supervisor: Supervisor, port: int) -> str:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PLANNER_PORT": str(port)}
    return _serve(supervisor, "planner", ["-m", "bench.planner_server"], env, port)


@contextmanager
def _stack_setup(run_dir: Path, prefix: str, llm: bool) -> Iterator[RunningSetup]:
    """`make run`'s stack; planning through the planner server when `llm`."""
    port = _free_port()
    env = _planner_env(port) if llm else {}
    options = StackOptions(run_dir=_fresh(run_dir), free_ports=True, echo=False, env=env)
    with LocalStack(options) as stack:
        planner = _start_planner(stack.supervisor, port) if llm else None
        url = stack.endpoints["orchestrator"].app_url
        _wait_registered(url, stack.api_key, pull=False, agents=STACK_AGENTS)
        via = f"planned by bench/planner_server.py (openai-compatible); {DAPR_PATH}"
        workloads = _hubspoke_workloads(prefix, url, stack.api_key, via if llm else DAPR_PATH)
        probe = _probe(stack, planner)
        if not llm:
            # The TypeScript agent's row sits next to the calculator's: same one-step task shape.
            typescript = task_workload(
                f"{prefix}-1-ts",
                f"POST /v1/tasks '{TYPESCRIPT_AGENT_TASK}', planned -> units (TypeScript); "
                f"{DAPR_PATH}",
                f"{url}/v1/tasks", stack.api_key, TYPESCRIPT_AGENT_TASK, ("units",),
            )  # fmt: skip
            workloads = (workloads[0], typescript, *workloads[1:])
        yield RunningSetup(stack.supervisor, workloads, traces_file=stack.traces_file, probe=probe)


def hubspoke(run_dir: Path) -> AbstractContextManager[RunningSetup]:
    return _stack_setup(run_dir, "hubspoke", llm=False)


def hubspoke_llm(run_dir: Path) -> AbstractContextManager[RunningSetup]:
    return _stack_setup(run_dir, "hubspoke-llm", llm=True)


def _probe(stack: LocalStack, planner: str | None) -> TaskProbe:
    """Counts a task's work from every sidecar's metrics (and the planner's calls)."""
    metrics = [
        f"http://127.0.0.1:{p.metrics_port}/metrics"
        for ports in stack.instances.values() for p in ports
    ]  # fmt: skip
    return TaskProbe(metrics, f"{planner}/stats" if planner else None)


@contextmanager
def dapr_agents(run_dir: Path) -> Iterator[RunningSetup]:
    """The peer: dapr-agents' orchestrator and agents (bench/peer/) on the same planner."""
    python = ensure_python()
    port = _free_port()
    env = {"PEER_PLANNER_URL": f"http://127.0.0.1:{port}/v1", "PEER_MODEL": "bench-planner"}
    options = StackOptions(
        runfile=PEER_RUNFILE, run_dir=_fresh(run_dir), free_ports=True, echo=False, env=env
    )
    # The planner starts once the stack is healthy: no app asks it anything before a task.
    with PeerStack(options, python) as stack:
        planner = _start_planner(stack.supervisor, port)
        run = f"{stack.endpoints['orchestrator'].app_url}/run"
        via = (
            "dapr-agents 1.0.9 DurableAgents, agents as tools (child workflows on their apps), "
            "planned by bench/planner_server.py (OpenAI client); Dapr Workflows (placement, "
            "scheduler, SQLite actor state), mTLS, tracing; POST /run waits for the workflow"
        )
        workloads = (
            answer_workload(
                "dapr-agents-1", f"POST /run '{ONE_AGENT_TASK}', planned -> calculator; {via}",
                run, ONE_AGENT_TASK, expected_parts(ONE_AGENT_TASK),
            ),
            answer_workload(
                "dapr-agents-3", f"POST /run with 3 parts, planned -> 3 agents in parallel; {via}",
                run, FAN_OUT_TASK, expected_parts(FAN_OUT_TASK),
            ),
        )  # fmt: skip
        _wait_resolvable(workloads[0])
        yield RunningSetup(stack.supervisor, workloads, probe=_probe(stack, planner))


SETUPS = (
    Setup("http", "trivial apps, plain HTTP (floor of a hop)", plain_http),
    Setup("dapr", "trivial apps through real sidecars (raw Dapr)", raw_dapr),
    Setup(
        "floor", "trivial apps doing a Hubspoke task's Dapr work (same-work floor)", same_work_floor
    ),
    Setup("hubspoke-http", "orchestrator + agents, plain HTTP (floor of Hubspoke)", hubspoke_http),
    Setup("hubspoke", "orchestrator + agents through Dapr (make run)", hubspoke),
    Setup("hubspoke-llm", "make run, planning through an OpenAI-compatible server", hubspoke_llm),
    Setup("dapr-agents", "the peer: dapr-agents 1.0.9 on the same planner", dapr_agents),
)
