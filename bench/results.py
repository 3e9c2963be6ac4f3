"""The numbers of one benchmark run, the issue's targets computed from them, and their JSON.

Targets are ratios within one run, reported and never asserted: they compare
setups measured minutes apart on the same machine under the same wrk.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadgen import LoadResult
from bench.procstats import CellUsage
from bench.profile import Profile
from bench.sidecar_clients import ClientResult

__all__ = [
    "HARNESS",
    "PEERS",
    "BenchRun",
    "Cell",
    "Delta",
    "PeerRow",
    "Target",
    "cpu_ms_per_request",
    "deltas",
    "peer_rows",
    "setup_cpu_percent",
    "side_by_side",
    "targets",
]

# Measured with the setup but no part of it.
HARNESS = ("wrk", "bench")

# Dapr's own figure (v1.17 perf charts, HTTP invocation, 1 KB at 1,000 rps).
DAPR_PUBLISHED_HOP_MS = 1.06

# Hubspoke's workload and its peer's doing the same task on the same planner.
PEERS = (("hubspoke-llm-1", "dapr-agents-1"), ("hubspoke-llm-3", "dapr-agents-3"))


@dataclass(frozen=True)
class Cell:
    """One workload at one concurrency."""

    setup: str
    workload: str
    concurrency: int
    load: LoadResult
    usage: CellUsage
    attempts: int = 1  # measured again while other processes were busy


@dataclass(frozen=True)
class Target:
    text: str
    concurrency: int
    value: float
    limit: float
    unit: str
    at_most: bool  # the value must stay at or below the limit (else at or above)

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.at_most else self.value >= self.limit


@dataclass(frozen=True)
class Delta:
    """What one layer adds to the median, at one concurrency."""

    text: str
    concurrency: int
    p50_ms: float


@dataclass
class BenchRun:
    environment: dict[str, str]
    settings: dict[str, Any]
    workloads: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> what, verified
    cells: list[Cell] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)  # title -> profile
    # setup -> process -> RSS MB once started and idle, before any load
    rss_at_rest: dict[str, dict[str, float]] = field(default_factory=dict)
    clients: list[ClientResult] = field(default_factory=list)  # SDK gRPC vs our HTTP adapter
    seconds: float = 0.0

    def cell(self, workload: str, concurrency: int) -> Cell | None:
        return next(
            (c for c in self.cells if c.workload == workload and c.concurrency == concurrency),
            None,
        )

    def concurrencies(self) -> list[int]:
        return sorted({c.concurrency for c in self.cells})

    def write_json(self, path: Path) -> None:
        raw = dataclasses.asdict(self)
        raw["targets"] = [{**dataclasses.asdict(t), "met": t.met} for t in targets(self)]
        raw["deltas"] = [dataclasses.asdict(d) for d in deltas(self)]
        path.write_text(json.dumps(raw, indent=2) + "\n")


def setup_cpu_percent(cell: Cell) -> float:
    """CPU of every process of the setup (not wrk, not the harness), % of one core."""
    return sum(p.cpu_percent for p in cell.usage.processes if p.name not in HARNESS)


def cpu_ms_per_request(cell: Cell) -> float:
    """The setup's CPU time per answered request, ms (0 when nothing was answered)."""
    return 10 * setup_cpu_percent(cell) / cell.load.rps if cell.load.rps else 0.0


def _floor_targets(run: BenchRun, n: int) -> list[Target]:
    floor, one = run.cell("floor-1", n), run.cell("hubspoke-1", n)
    if not (floor and one and floor.load.rps and cpu_ms_per_request(floor)):
        return []
    share = one.load.rps / floor.load.rps
    cpu = cpu_ms_per_request(one) / cpu_ms_per_request(floor)
    return [
        Target("hubspoke-1 rps / floor-1 rps", n, share, 0.8, "x", at_most=False),
        Target("hubspoke-1 CPU per task / floor-1's", n, cpu, 1.25, "x", at_most=True),
    ]


@dataclass(frozen=True)
class PeerRow:
    """One task at one concurrency: Hubspoke's cell and its peer's."""

    ours: Cell
    peer: Cell


def peer_rows(run: BenchRun) -> list[PeerRow]:
    """Every (task, concurrency) where both Hubspoke and the peer were measured."""
    rows = []
    for ours_key, peer_key in PEERS:
        for n in run.concurrencies():
            ours, peer = run.cell(ours_key, n), run.cell(peer_key, n)
            if ours and peer:
                rows.append(PeerRow(ours, peer))
    return rows


def side_by_side(workloads: list[str]) -> list[str]:
    """`workloads` in their order, each peer's right after Hubspoke's same task."""
    peers = {peer: ours for ours, peer in PEERS if ours in workloads}
    ordered = []
    for key in workloads:
        if key in peers:
            continue
        ordered.append(key)
        ordered += [peer for peer, ours in peers.items() if ours == key and peer in workloads]
    return ordered


def _peer_targets(run: BenchRun) -> list[Target]:
    found = []
    for row in peer_rows(run):
        ours, peer, n = row.ours, row.peer, row.ours.concurrency
        # A peer that finished no task in the cell is behind by any measure of throughput.
        share = ours.load.rps / peer.load.rps if peer.load.rps else math.inf
        text = f"{ours.workload} rps / {peer.workload} rps"
        found.append(Target(text, n, share, 1.0, "x", at_most=False))
        if peer.load.requests and ours.load.requests:
            text = f"{ours.workload} p50 / {peer.workload} p50"
            found.append(
                Target(text, n, ours.load.p50_ms / peer.load.p50_ms, 1.0, "x", at_most=True)
            )
    return found


def targets(run: BenchRun) -> list[Target]:
    """The issue's targets at every concurrency where both sides were measured."""
    found = _peer_targets(run)
    for n in run.concurrencies():
        found += _floor_targets(run, n)
        dapr, one, three = (run.cell(k, n) for k in ("dapr", "hubspoke-1", "hubspoke-3"))
        if dapr and one:
            extra = one.load.p50_ms - dapr.load.p50_ms
            found.append(Target("hubspoke-1 p50 - dapr p50", n, extra, 0.5, "ms", at_most=True))
            share = one.load.rps / dapr.load.rps
            found.append(Target("hubspoke-1 rps / dapr rps", n, share, 0.8, "x", at_most=False))
        if one and three:
            ratio = three.load.p50_ms / one.load.p50_ms
            text = "hubspoke-3 p50 / hubspoke-1 p50"
            found.append(Target(text, n, ratio, 1.3, "x", at_most=True))
    return found


_LAYERS = (
    ("Dapr, one invocation hop (dapr - http)", "dapr", "http"),
    ("Hubspoke's code, no Dapr (hubspoke-http-1 - http)", "hubspoke-http-1", "http"),
    ("a task's Dapr work, trivial apps (floor-1 - dapr)", "floor-1", "dapr"),
    ("Hubspoke over the same Dapr work (hubspoke-1 - floor-1)", "hubspoke-1", "floor-1"),
    ("Dapr inside Hubspoke (hubspoke-1 - hubspoke-http-1)", "hubspoke-1", "hubspoke-http-1"),
    ("fan-out vs one agent, through Dapr (hubspoke-3 - hubspoke-1)", "hubspoke-3", "hubspoke-1"),
)


def deltas(run: BenchRun) -> list[Delta]:
    """Median latency each layer adds, from the differences between setups."""
    found = []
    for text, upper, lower in _LAYERS:
        for n in run.concurrencies():
            a, b = run.cell(upper, n), run.cell(lower, n)
            if a and b:
                found.append(Delta(text, n, a.load.p50_ms - b.load.p50_ms))
    return found
