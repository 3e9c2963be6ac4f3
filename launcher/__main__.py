"""`python -m launcher`: start the whole system, send sample tasks, run until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from types import FrameType

import httpx

from launcher.private_files import PRIVATE_UMASK
from launcher.processes import StartupError
from launcher.stack import LocalStack, StackOptions
from launcher.stackfile import API_KEY_FILE
from launcher.toolchain import ToolMissingError, daprd_version

SAMPLE_TASK = {"input": "2+3"}
ASYNC_SAMPLE_TASK = {
    "input": "what is 17% of 240, and what does the README say about access control?",
    "mode": "async",
}


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m launcher", description=__doc__)
    parser.add_argument("--state", choices=["sqlite", "redis"], default="sqlite")
    parser.add_argument("--no-sample", action="store_true", help="do not send the sample tasks")
    parser.add_argument("--log-level", default="info", help="daprd log level")
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=180,
        help="seconds every process gets to turn healthy (a loaded machine starts them slowly)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show every line of every process (default: their warnings and errors only; "
        "all of it is in .run/logs/<process>.log)",
    )
    return parser.parse_args()


_PREFIX = "\033[1m[launcher]\033[0m"


def _say(text: str) -> None:
    print(f"{_PREFIX} {text}", flush=True)


def _show_progress() -> None:
    """The stack's progress lines (launcher.stack logs them) on the terminal, as `_say`'s."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(f"{_PREFIX} %(message)s"))
    progress = logging.getLogger("launcher")
    progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = False


def _wait_registered(stack: LocalStack, timeout_s: float = 30) -> None:
    """Wait until the orchestrator's registry lists every other app as a routable agent
    (healthy, its evaluation examples passed)."""
    expected = {a.app_id for a in stack.runfile.apps} - {"orchestrator"}
    deadline = time.monotonic() + timeout_s
    with stack.client("orchestrator") as client:
        while True:
            agents = client.get("/v1/agents", params={"health": "healthy"}).json()["agents"]
            listed = [a for a in agents if a["routable"]]
            if expected <= {a["app_id"] for a in listed}:
                _say(f"registered agents: {', '.join(sorted(expected))}")
                return
            if time.monotonic() > deadline:
                missing = expected - {a["app_id"] for a in listed}
                _say(f"still unregistered after {timeout_s:.0f}s: {', '.join(sorted(missing))}")
                return
            time.sleep(0.2)


def _send_sample(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        created = client.post("/v1/tasks", json=SAMPLE_TASK)
        _say(f"POST /v1/tasks {json.dumps(SAMPLE_TASK)} -> {created.status_code}")
        print(json.dumps(created.json(), indent=2), flush=True)
        if created.status_code == 201:
            task_id = created.json()["id"]
            stored = client.get(f"/v1/tasks/{task_id}")
            _say(f"GET /v1/tasks/{task_id} -> {stored.status_code} (read from the state store)")
            print(json.dumps(stored.json(), indent=2), flush=True)


def _send_async_sample(stack: LocalStack, timeout_s: float = 30) -> None:
    """An asynchronous task: 202 at once, then poll until it is answered over pub/sub."""
    with stack.client("orchestrator") as client:
        accepted = client.post("/v1/tasks", json=ASYNC_SAMPLE_TASK)
        _say(f"POST /v1/tasks {json.dumps(ASYNC_SAMPLE_TASK)} -> {accepted.status_code}")
        if accepted.status_code != 202:
            print(json.dumps(accepted.json(), indent=2), flush=True)
            return
        location = accepted.headers["location"]
        deadline = time.monotonic() + timeout_s
        while (task := client.get(location).json())["status"] in ("queued", "running"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if task["status"] in ("queued", "running"):
            _say(f"GET {location} -> still {task['status']} after {timeout_s:.0f}s; GET it later")
            return
        _say(f"GET {location} -> {task['status']} (agents {', '.join(task['agents'])})")
        print(task.get("output") or task.get("error"), flush=True)


def main() -> int:
    args = _parse()
    # A plain flag, not a threading.Event: a handler that takes a lock can run while
    # the main thread holds that very lock inside Event.wait, and deadlock the launcher
    # (seen: SIGINT then SIGTERM left every process running).
    stopping: list[int] = []

    def on_signal(signum: int, _: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    os.umask(PRIVATE_UMASK)  # the run folder holds keys, tokens and traces
    _show_progress()
    try:
        options = StackOptions(state=args.state, log_level=args.log_level, verbose=args.verbose)
        stack = LocalStack(options)
    except ToolMissingError as exc:
        _say(str(exc))
        return 2
    _say(f"daprd {daprd_version(stack.daprd)}; run folder {stack.run_dir}")
    if not args.verbose:
        _say(
            f"each process's full output: {stack.run_dir / 'logs'}/<process>.log; "
            "here only their warnings and errors (make run VERBOSE=1 shows all)"
        )
    try:
        stack.start(timeout_s=args.start_timeout)
    except StartupError as exc:
        _say(f"start failed: {exc}")
        return 1
    try:
        ports = stack.endpoints["orchestrator"]
        _say(f"all {len(stack.runfile.apps)} apps and sidecars are healthy")
        metrics = ", ".join(
            f"{e.app_id} :{e.metrics_port}/metrics" for e in stack.endpoints.values()
        )
        _say(f"daprd Prometheus metrics: {metrics}")
        _say(f"traces: {stack.traces_file} (python -m launcher.traces [trace-id])")
        _say(f"operator console: {ports.app_url}/console (sign in with this run's API key)")
        _wait_registered(stack)
        if not args.no_sample:
            _send_sample(stack)
            _send_async_sample(stack)
        key_file = stack.run_dir / API_KEY_FILE  # written by stack.start()
        _say(f"this run's API key is in {key_file} (a new one every run)")
        _say(
            f'ready: curl -X POST {ports.app_url}/v1/tasks -H "X-API-Key: $(cat {key_file})" '
            """-H 'content-type: application/json' -d '{"input":"2+3"}'  (Ctrl-C stops all)"""
        )
        # A crashed process is restarted by the supervisor, which says so ([supervisor]).
        while not stopping:
            time.sleep(0.5)
    except httpx.HTTPError as exc:
        _say(f"sample task failed: {exc!r}")
        return 1
    finally:
        restarted = [f"{p.name} x{p.restarts}" for p in stack.supervisor.processes if p.restarts]
        _say(f"restarts after crashes: {', '.join(restarted) or 'none'}")
        _say("stopping every process")
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
