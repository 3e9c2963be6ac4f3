"""What a hop costs: plain HTTP, raw Dapr, the same-work floor and Hubspoke, in one wrk run.

Starts each setup in turn on free ports (bench/setups.py), checks that each
workload does what it claims (bench/workloads.py), then for every concurrency
level runs wrk for a warm-up and a measured cell while sampling the CPU and
memory of every process. Writes results.md, results.json and chart.png to
bench/results/ (ignored), prints the Markdown, and exits non-zero only if a
setup could not be measured. Targets are reported, never asserted. On the
floor setup's sidecar it also compares the dapr SDK's gRPC client with our
HTTP adapter (bench/sidecar_clients.py); every process's RSS is taken at rest
(after start-up) and at its peak under load.

    .venv/bin/python -m bench.compare [--concurrency 1,8,32] [--duration 5] [--only dapr,hubspoke]
    .venv/bin/python -m bench.compare --only hubspoke-llm,dapr-agents   # Hubspoke and its peer
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.chart import draw
from bench.environment import describe
from bench.loadgen import LoadError, run_wrk
from bench.operations import count_operations
from bench.procstats import ProcessGone, UsageSampler, rss_mb, wait_quiet
from bench.profile import start_profiler, summarize
from bench.report import markdown
from bench.results import BenchRun, Cell
from bench.setups import SETUPS, RunningSetup
from bench.sidecar_clients import compare_clients
from bench.tools import ToolInstallError, ensure_wrk
from bench.workloads import CheckFailed, Workload, check
from launcher.processes import StartupError
from launcher.toolchain import REPO_ROOT, ToolMissingError

# --profile: py-spy on these processes under this workload, after its cells.
PROFILED = {
    "hubspoke-http-1": ("orchestrator",),
    "hubspoke-1": ("orchestrator", "summarizer"),  # the summarizer records every task.completed
}
PROFILE_CONCURRENCY = 8
SETTLED_PERCENT = 15.0  # the setup is idle again below this (heartbeats, probes)


def _say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Options:
    setups: tuple[str, ...]
    levels: tuple[int, ...]
    duration_s: int
    warmup_s: int
    profile: bool
    max_noise: float
    retries: int
    client_calls: int
    out: Path
    run_dir: Path


def _parse() -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("--concurrency", default="1,8,32", help="connections (default 1,8,32)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured cell")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of load before each cell")
    parser.add_argument("--only", help=f"setups to run, of: {', '.join(s.key for s in SETUPS)}")
    parser.add_argument(
        "--profile", action="store_true",
        help="also profile (py-spy) " + "; ".join(
            f"{', '.join(names)} under {key}" for key, names in PROFILED.items()
        ),
    )  # fmt: skip
    parser.add_argument(
        "--max-noise", type=float, default=25.0,
        help="measure a cell again if other processes used more than this %% of a core",
    )  # fmt: skip
    parser.add_argument("--retries", type=int, default=2, help="at most this many times")
    parser.add_argument(
        "--client-calls", type=int, default=1000,
        help="calls per round when comparing the SDK's gRPC client with our HTTP adapter "
        "(on the floor setup's sidecar; 0: skip)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    parser.add_argument("--run-dir", type=Path, default=REPO_ROOT / ".run" / "bench")
    args = parser.parse_args()
    keys = tuple(args.only.split(",")) if args.only else tuple(s.key for s in SETUPS)
    unknown = set(keys) - {s.key for s in SETUPS}
    if unknown:
        parser.error(f"unknown setup(s): {', '.join(sorted(unknown))}")
    return Options(
        setups=keys,
        levels=tuple(int(x) for x in args.concurrency.split(",")),
        duration_s=args.duration,
        warmup_s=args.warmup,
        profile=args.profile,
        max_noise=args.max_noise,
        retries=args.retries,
        client_calls=args.client_calls,
        out=args.out,
        run_dir=args.run_dir,
    )


def _settle(setup: str, running: RunningSetup, options: Options) -> None:
    """Let the setup finish queued work, and wait (a while) for the rest of the machine."""
    pids = running.pids()
    settled = wait_quiet(pids, below_percent=SETTLED_PERCENT)
    if settled > 2:
        _say(f"waited {settled:.0f} s for {setup} to finish the previous cell's work")
    waited = wait_quiet(pids, below_percent=options.max_noise, others=True, timeout_s=60)
    if waited > 2:
        _say(f"waited {waited:.0f} s for other processes on the machine to quieten")


def _measure(
    setup: str, workload: Workload, running: RunningSetup, n: int, options: Options
) -> Cell:
    """One cell, measured again (up to `options.retries` times) if other processes were busy."""
    attempt = 0
    while True:
        attempt += 1
        _settle(setup, running, options)
        run_wrk(workload.request, connections=n, duration_s=options.warmup_s)  # discarded
        with UsageSampler({**running.pids(), "bench": os.getpid()}) as sampler:
            load = run_wrk(
                workload.request, connections=n, duration_s=options.duration_s,
                on_start=lambda pid: sampler.watch("wrk", pid),
            )  # fmt: skip
        usage = sampler.result({"wrk": (load.cpu_s, sampler.peak_rss_mb("wrk"))})
        noisy = usage.other_cpu_percent > options.max_noise
        if not noisy or attempt > options.retries:
            return Cell(setup, workload.key, n, load, usage, attempt)
        _say(
            f"{workload.key} c={n}: other processes used {usage.other_cpu_percent:.0f} % "
            "of a core meanwhile; measuring again"
        )


def _profile(run: BenchRun, workload: Workload, running: RunningSetup, options: Options) -> None:
    """py-spy on the workload's PROFILED processes while wrk loads it (not a measured cell)."""
    _settle(workload.key, running, options)
    pids = running.pids()
    names = PROFILED[workload.key]
    raws = {name: options.out / f"profile-{workload.key}-{name}.txt" for name in names}
    profilers = {
        name: start_profiler(pids[name], options.duration_s, raw) for name, raw in raws.items()
    }
    run_wrk(workload.request, connections=PROFILE_CONCURRENCY, duration_s=options.duration_s)
    for name, profiler in profilers.items():
        _, errors = profiler.communicate(timeout=options.duration_s + 30)
        if profiler.returncode != 0 or not raws[name].exists():
            _say(f"py-spy on {name} failed: {errors.decode(errors='replace').strip()}")
            continue
        title = f"{name} under `{workload.key}`, c={PROFILE_CONCURRENCY} ({raws[name].name})"
        run.profiles[title] = summarize(raws[name])


def _run_setup(run: BenchRun, key: str, options: Options) -> None:
    setup = next(s for s in SETUPS if s.key == key)
    _say(f"starting {setup.key}: {setup.description}")
    with setup.start(options.run_dir / setup.key) as running:
        _settle(setup.key, running, options)
        run.rss_at_rest[setup.key] = rss_mb(running.pids())
        for workload in running.workloads:
            since_ns = time.time_ns()
            if running.probe is not None:
                # The previous workload's last cell may have left tasks running: their
                # work would pass for the idle growth the probe subtracts.
                _settle(setup.key, running, options)
                running.probe.start()
            verified = check(workload)
            run.workloads[workload.key] = {
                "description": workload.description,
                "verified": verified,
            }
            if running.traces_file is not None and workload.expect_agents:
                found = count_operations(running.traces_file, since_ns)
                done = found.text() if found else "not found in the traces"
                run.workloads[workload.key]["dapr_calls"] = done
            if running.probe is not None:
                run.workloads[workload.key]["counted"] = running.probe.finish().text()
            for n in options.levels:
                cell = _measure(setup.key, workload, running, n, options)
                run.cells.append(cell)
                _say(
                    f"{workload.key:>16} c={n:<3} {cell.load.rps:7.0f} rps  "
                    f"p50 {cell.load.p50_ms:7.2f} ms  p99 {cell.load.p99_ms:7.2f} ms"
                )
            if options.profile and workload.key in PROFILED:
                _profile(run, workload, running, options)
        if running.sidecar and options.client_calls:
            _settle(setup.key, running, options)
            _say("comparing the dapr SDK's gRPC client with our HTTP adapter")
            run.clients = asyncio.run(compare_clients(running.sidecar, calls=options.client_calls))
    _say(f"stopped {setup.key}")


def main() -> int:
    options = _parse()
    try:
        ensure_wrk(_say)
        environment = describe()
    except (ToolInstallError, ToolMissingError) as exc:
        _say(str(exc))
        return 2
    options.out.mkdir(parents=True, exist_ok=True)
    settings = {
        "concurrency": list(options.levels),
        "duration_s": options.duration_s,
        "warmup_s": options.warmup_s,
        "max_noise_percent": options.max_noise,
        "retries": options.retries,
    }
    run = BenchRun(environment=environment, settings=settings)
    started, failed = time.monotonic(), []
    for key in options.setups:
        try:
            _run_setup(run, key, options)
        except (StartupError, CheckFailed, LoadError, ProcessGone, ToolMissingError) as exc:
            _say(f"{key} could not be measured: {exc}")
            failed.append(key)
    run.seconds = time.monotonic() - started
    report = markdown(run)
    (options.out / "results.md").write_text(report + "\n")
    run.write_json(options.out / "results.json")
    draw(run, options.out / "chart.png")
    print(report)
    _say(f"wrote {options.out}/results.md, results.json, chart.png in {run.seconds:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
