"""The Markdown report of a run: header, setups, results, peer, targets, layers, processes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bench.profile import Profile
from bench.results import (
    DAPR_PUBLISHED_HOP_MS,
    PEERS,
    BenchRun,
    Cell,
    cpu_ms_per_request,
    deltas,
    peer_rows,
    setup_cpu_percent,
    targets,
)

__all__ = ["markdown"]


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return lines


def _ms(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def _header(run: BenchRun) -> list[str]:
    env, s = run.environment, run.settings
    lines = [f"# Hubspoke benchmark, {env['date']}", ""]
    lines += [f"- **{key}**: {value}" for key, value in env.items() if key != "date"]
    lines += [
        f"- **load**: wrk, closed loop, {s['duration_s']} s per cell after a {s['warmup_s']} s "
        f"warm-up, `-c N -t min(N, 2)`; whole run {run.seconds:.0f} s",
        "",
    ]
    return lines


def _setups(run: BenchRun) -> list[str]:
    rows = [
        (f"`{k}`", w["description"], w["verified"], w.get("dapr_calls", "-"), w.get("counted", "-"))
        for k, w in run.workloads.items()
    ]
    header = (
        "workload", "what runs", "checked before", "Dapr calls of the checked task (traced)",
        "the checked task, counted by every sidecar's metrics and the planner",
    )  # fmt: skip
    return ["## Setups", "", *_table(header, rows), ""]


def _latency(cell: Cell, percentile: str) -> str:
    # wrk reports 0 when no request finished within the cell: say so, not "0 ms".
    if not cell.load.requests:
        return "none finished"
    return _ms(float(getattr(cell.load, f"{percentile}_ms")))


def _per_task(cell: Cell) -> str:
    return f"{cpu_ms_per_request(cell):.1f}" if cell.load.requests else "-"


def _peer(run: BenchRun) -> list[str]:
    rows = []
    for row in peer_rows(run):
        ours, peer = row.ours, row.peer
        rows.append((
            f"`{ours.workload}` / `{peer.workload}`", ours.concurrency,
            f"{ours.load.rps:.0f} / {peer.load.rps:.0f}",
            *(f"{_latency(ours, f)} / {_latency(peer, f)}" for f in ("p50", "p90", "p99")),
            f"{_per_task(ours)} / {_per_task(peer)}",
            f"{ours.load.errors + ours.load.non_2xx} / {peer.load.errors + peer.load.non_2xx}",
        ))  # fmt: skip
    if not rows:
        return []
    header = (
        "Hubspoke / dapr-agents", "c", "rps", "p50 ms", "p90 ms", "p99 ms", "CPU ms / task",
        "errors",
    )  # fmt: skip
    counted = [
        (f"`{key}`", run.workloads[key].get("counted", "-"))
        for pair in PEERS for key in pair if key in run.workloads
    ]  # fmt: skip
    return [
        "## Hubspoke and its peer (dapr-agents), side by side",
        "",
        "The same tasks from the same planner (bench/planner_server.py), on the same daprd, "
        "one after the other on this machine. Target: Hubspoke ahead in throughput and p50 "
        "at every concurrency measured (reported, not asserted; see Targets).",
        "",
        *_table(header, rows),
        "",
        "What each did for one checked task (every sidecar's metric counters and the planner's "
        "completions, read before and after it):",
        "",
        *_table(("workload", "per task"), counted),
        "",
    ]


def _other(cell: Cell, limit: float) -> str:
    text = f"{cell.usage.other_cpu_percent:.0f}"
    if cell.attempts > 1:
        text += f" ({cell.attempts} tries)"
    if cell.usage.other_cpu_percent > limit:
        text += " **noisy**"
    return text


def _busiest(cell: Cell) -> str:
    top = max(cell.usage.processes, key=lambda p: p.cpu_percent)
    return f"{top.name} {top.cpu_percent:.0f}"


def _results(run: BenchRun) -> list[str]:
    header = (
        "workload", "c", "rps", "p50 ms", "p90 ms", "p99 ms", "errors", "setup CPU %",
        "CPU ms / request", "busiest process %", "wrk CPU %", "other CPU %",
    )  # fmt: skip
    rows = []
    for c in run.cells:
        usage = {p.name: p for p in c.usage.processes}
        setup, per_request = setup_cpu_percent(c), cpu_ms_per_request(c)
        rows.append((
            f"`{c.workload}`", c.concurrency, f"{c.load.rps:.0f}", _ms(c.load.p50_ms),
            _ms(c.load.p90_ms), _ms(c.load.p99_ms), c.load.errors + c.load.non_2xx,
            f"{setup:.0f}", f"{per_request:.2f}", _busiest(c),
            f"{usage['wrk'].cpu_percent:.1f}", _other(c, run.settings["max_noise_percent"]),
        ))  # fmt: skip
    cores = run.environment["machine"].split(" ")[0]
    note = (
        f"CPU % is of one core (the machine has {cores}). `setup CPU` adds up every process of "
        "the setup (not wrk, not the harness); `CPU ms / request` is that divided by the "
        "throughput. `other` is busy time of processes that are none of these: noise from "
        "whatever else ran on the machine; a cell where it passed "
        f"{run.settings['max_noise_percent']:.0f} % was measured again (up to "
        f"{run.settings['retries']} times; tries in brackets), and is marked noisy if it "
        "still did."
    )
    return ["## Throughput and latency", "", *_table(header, rows), "", note, ""]


def _targets(run: BenchRun) -> list[str]:
    rows = [
        (t.text, t.concurrency, f"{t.value:.2f} {t.unit}",
         f"{'<=' if t.at_most else '>='} {t.limit} {t.unit}", "met" if t.met else "**missed**")
        for t in targets(run)
    ]  # fmt: skip
    return [
        "## Targets (ratios within this run; reported, not asserted)",
        "",
        *_table(("target", "c", "measured", "limit", ""), rows),
        "",
    ]


def _layers(run: BenchRun) -> list[str]:
    rows = [(d.text, d.concurrency, f"{d.p50_ms:+.2f}") for d in deltas(run)]
    return [
        "## What each layer adds to the median",
        "",
        *_table(("layer", "c", "p50 ms added"), rows),
        "",
        f"Dapr's published figure for one hop is +{DAPR_PUBLISHED_HOP_MS} ms median "
        "(v1.17 perf charts, 1 KB at 1,000 rps on dedicated machines).",
        "",
    ]


def _processes(run: BenchRun) -> list[str]:
    lines = ["## CPU % (of one core) and peak RSS of every process", ""]
    for workload in run.workloads:
        cells = [c for c in run.cells if c.workload == workload]
        if not cells:
            continue
        names = [p.name for p in cells[0].usage.processes]
        header = ["process", *(f"CPU % c={c.concurrency}" for c in cells), "peak RSS MB"]
        rows = []
        for name in names:
            usage = [next(p for p in c.usage.processes if p.name == name) for c in cells]
            peak = max(u.peak_rss_mb for u in usage)
            rows.append([name, *(f"{u.cpu_percent:.1f}" for u in usage), f"{peak:.0f}"])
        lines += [f"`{workload}`", "", *_table(header, rows), ""]
    return lines


def _profile(title: str, profile: Profile) -> list[str]:
    rows = [
        (f"`{h.where}`", f"{100 * h.deepest_share:.1f}", f"{100 * h.inclusive_share:.1f}")
        for h in profile.hotspots
    ]
    packages = ", ".join(f"{name} {100 * share:.0f} %" for name, share in profile.packages)
    running = ", ".join(f"`{where}` {100 * share:.1f} %" for where, share in profile.running)
    return [
        f"## Profile: {title}",
        "",
        f"{profile.samples} samples; {100 * profile.ours_share:.0f} % have a frame of our code "
        "on the stack. Share of samples whose deepest frame of ours is the function (its own "
        "work plus the library calls it makes), and share with it anywhere on the stack:",
        "",
        *_table(("our function", "% deepest", "% inclusive"), rows),
        "",
        f"Running frame by package: {packages}.",
        "",
        f"Running frame by function: {running}.",
        "",
    ]


def _clients(run: BenchRun) -> list[str]:
    if not run.clients:
        return []
    header = (
        "client", "operation", "calls", "calls / s", "p50 ms", "p99 ms",
        "client CPU ms / call", "daprd CPU ms / call",
    )  # fmt: skip
    rows = [
        (r.client, r.operation, r.calls, f"{r.calls_per_s:.0f}", _ms(r.p50_ms), _ms(r.p99_ms),
         f"{r.client_cpu_ms_per_call:.3f}", f"{r.sidecar_cpu_ms_per_call:.3f}")
        for r in run.clients
    ]  # fmt: skip
    return [
        "## Sidecar clients: the dapr SDK's asyncio gRPC client vs our HTTP adapter",
        "",
        *_table(header, rows),
        "",
        "Both against the `floor` setup's orchestrator sidecar (Hubspoke's components and "
        "Configuration), 8 calls at a time from the harness, rounds alternating; a 1.5 KB value.",
        "",
    ]


def _at_rest(run: BenchRun) -> list[str]:
    lines = ["## RSS (MB) of every process at rest, before any load", ""]
    for setup, processes in run.rss_at_rest.items():
        rows = [(name, f"{mb:.0f}") for name, mb in sorted(processes.items())]
        lines += [f"`{setup}`", "", *_table(("process", "RSS MB"), rows), ""]
    return lines


def markdown(run: BenchRun) -> str:
    lines = [*_header(run), *_setups(run), *_results(run), *_peer(run), *_targets(run)]
    lines += _layers(run)
    lines += _clients(run)
    for title, profile in run.profiles.items():
        lines += _profile(title, profile)
    lines += _processes(run)
    lines += _at_rest(run)
    return "\n".join(lines)
