"""The benchmark's targets against the same-work floor, computed from a run's cells."""

from __future__ import annotations

from bench.loadgen import LoadResult
from bench.procstats import CellUsage, ProcessUsage
from bench.report import markdown
from bench.results import BenchRun, Cell, cpu_ms_per_request, targets


def _cell(workload: str, rps: float, cpu: dict[str, float], p50_ms: float = 5.0) -> Cell:
    load = LoadResult(
        connections=8, threads=2, duration_s=5, requests=int(rps * 5), rps=rps,
        p50_ms=p50_ms, p90_ms=2 * p50_ms, p99_ms=4 * p50_ms, mean_ms=p50_ms, max_ms=9 * p50_ms,
        errors=0, non_2xx=0, cpu_s=0.1,
    )  # fmt: skip
    processes = tuple(ProcessUsage(name, percent, 50.0) for name, percent in cpu.items())
    usage = CellUsage(processes, machine_busy_percent=50.0, other_cpu_percent=1.0)
    return Cell(workload, workload, 8, load, usage)


def _run() -> BenchRun:
    environment = {"date": "today", "machine": "2 cores", "daprd": "1.18.3", "python": "3.12"}
    settings = {"duration_s": 5, "warmup_s": 1, "max_noise_percent": 25.0, "retries": 2}
    run = BenchRun(environment=environment, settings=settings)
    # wrk and the harness are measured but never count as the setup's CPU.
    run.cells.append(_cell("floor-1", 400, {"orchestrator": 60, "daprd": 100, "wrk": 30}))
    run.cells.append(
        _cell("hubspoke-1", 300, {"orchestrator": 120, "daprd": 90, "bench": 9, "wrk": 30})
    )
    for cell in run.cells:
        run.workloads[cell.workload] = {"description": cell.workload, "verified": "yes"}
    return run


def test_cpu_per_request_counts_the_setup_only() -> None:
    run = _run()
    floor = run.cell("floor-1", 8)
    assert floor is not None
    assert cpu_ms_per_request(floor) == 10 * 160 / 400  # 4 ms of CPU per request


def test_hubspoke_is_compared_with_the_same_work_floor() -> None:
    found = {t.text: t for t in targets(_run())}
    share = found["hubspoke-1 rps / floor-1 rps"]
    assert share.value == 300 / 400
    assert not share.met  # below 0.8x
    cpu = found["hubspoke-1 CPU per task / floor-1's"]
    assert cpu.value == (10 * 210 / 300) / (10 * 160 / 400)  # 7 ms vs 4 ms
    assert not cpu.met  # above 1.25x


def test_the_report_names_the_floor_targets() -> None:
    report = markdown(_run())
    assert "hubspoke-1 rps / floor-1 rps" in report
    assert "**missed**" in report
