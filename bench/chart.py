"""The run as one PNG: latency percentiles per concurrency (top), throughput (bottom)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

from bench.results import BenchRun, side_by_side

__all__ = ["draw"]

_PERCENTILES = (("p50", "p50_ms"), ("p90", "p90_ms"), ("p99", "p99_ms"))
_WIDTH = 0.26


def draw(run: BenchRun, path: Path) -> None:
    """Write the chart of `run` to `path`."""
    # Each peer's bars right beside Hubspoke's for the same task.
    workloads = side_by_side(list(run.workloads))
    levels = run.concurrencies()
    figure = plt.figure(figsize=(5 * max(len(levels), 1), 9), layout="constrained")
    grid = figure.add_gridspec(2, max(len(levels), 1))
    positions = range(len(workloads))
    for column, n in enumerate(levels):
        axes = figure.add_subplot(grid[0, column])
        for i, (label, field) in enumerate(_PERCENTILES):
            values = [
                getattr(cell.load, field) if (cell := run.cell(w, n)) else 0.0 for w in workloads
            ]
            axes.bar([x + (i - 1) * _WIDTH for x in positions], values, _WIDTH, label=label)
        axes.set_yscale("log")
        axes.set_title(f"latency, {n} connection{'s' if n > 1 else ''}")
        axes.set_ylabel("ms (log scale)")
        axes.set_xticks(list(positions), workloads, rotation=30, ha="right")
        axes.grid(axis="y", alpha=0.3)
        axes.legend()
    axes = figure.add_subplot(grid[1, :])
    width = 0.8 / max(len(levels), 1)
    for i, n in enumerate(levels):
        values = [cell.load.rps if (cell := run.cell(w, n)) else 0.0 for w in workloads]
        offset = (i - (len(levels) - 1) / 2) * width
        bars = axes.bar([x + offset for x in positions], values, width, label=f"c={n}")
        axes.bar_label(bars, fmt="%.0f", fontsize=8)
    axes.set_title("throughput")
    axes.set_ylabel("requests / s")
    axes.set_xticks(list(positions), workloads)
    axes.grid(axis="y", alpha=0.3)
    axes.legend()
    environment = run.environment
    figure.suptitle(
        f"Hubspoke benchmark {environment['date']}: {environment['machine']}, "
        f"daprd {environment['daprd']}, Python {environment['python']}"
    )
    figure.savefig(path, dpi=110)
    plt.close(figure)
