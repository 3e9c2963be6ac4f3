"""Start-to-healthy of every service, and what importing each Python service costs.

    python -m bench.startup [--rounds 3]

Starts the stack `make run` starts (dapr.yaml, free ports, mTLS, tracing),
then restarts each app alone beside its running sidecar, as a new replica
starts, and times it from the process's start to its first `200` on
`/healthz` (uvicorn answers only once the app's lifespan start-up is done).
It also measures the CPU seconds of `import <service>.main` in a fresh
interpreter, the part of a start that does not depend on the sidecar and
the figure that moves least with the machine's load. Wall-clock figures on
a shared machine: compare them within one run; the load average at start
is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from launcher.stack import LocalStack, StackOptions

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Python services and the module each one's app factory lives in.
PYTHON_MAINS = {
    "orchestrator": "orchestrator.main",
    "calculator": "agents.calculator.main",
    "summarizer": "agents.summarizer.main",
    "knowledge": "agents.knowledge.main",
}
HEALTHY_TIMEOUT_S = 120.0


def import_seconds(module: str) -> float:
    """CPU seconds (all threads) a fresh interpreter spends importing `module`: unlike
    wall time, it hardly moves with what else the machine runs."""
    probe = f"import time\nstarted = time.process_time()\nimport {module}\n"
    probe += "print(time.process_time() - started)"
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, cwd=REPO_ROOT, capture_output=True, text=True
    )
    return float(done.stdout.split()[-1])


def restart_seconds(stack: LocalStack, app_id: str) -> float:
    """Kill one app (its sidecar stays), start it again, and time it until /healthz is 200."""
    stack.kill_app(app_id)
    url = f"{stack.endpoints[app_id].app_url}/healthz"
    started = time.monotonic()
    stack.start_app(app_id, wait=False)
    with httpx.Client(timeout=2) as client:
        while time.monotonic() - started < HEALTHY_TIMEOUT_S:
            try:
                if client.get(url).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    raise TimeoutError(f"{app_id} not healthy after {HEALTHY_TIMEOUT_S:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="restarts (and imports) per service")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    imports = {
        app: [import_seconds(module) for _ in range(args.rounds)]
        for app, module in PYTHON_MAINS.items()
    }
    with tempfile.TemporaryDirectory(prefix="hubspoke-startup-") as run_dir:
        options = StackOptions(run_dir=Path(run_dir), free_ports=True, echo=False)
        with LocalStack(options) as stack:
            apps = [app.app_id for app in stack.runfile.apps]
            starts = {
                app: [restart_seconds(stack, app) for _ in range(args.rounds)] for app in apps
            }
    print("| service | import CPU s (median) | start to healthy s (median, min-max) |")
    print("|---|---|---|")
    for app, times in starts.items():
        imported = f"{statistics.median(imports[app]):.2f}" if app in imports else "-"
        print(
            f"| {app} | {imported} | {statistics.median(times):.2f} "
            f"({min(times):.2f}-{max(times):.2f}) |"
        )


if __name__ == "__main__":
    main()
