"""Hubspoke beside its peer (dapr-agents): the side-by-side rows, targets, order and counts."""

from __future__ import annotations

import dataclasses

from bench.loadgen import LoadResult
from bench.procstats import CellUsage, ProcessUsage
from bench.report import markdown
from bench.results import BenchRun, Cell, peer_rows, side_by_side, targets
from bench.task_probe import TaskCounts, count_groups, parse_counters
from bench.workloads import FAN_OUT_TASK, ONE_AGENT_TASK, expected_parts


def _cell(workload: str, n: int, rps: float, p50_ms: float) -> Cell:
    load = LoadResult(
        connections=n, threads=min(n, 2), duration_s=5, requests=int(rps * 5), rps=rps,
        p50_ms=p50_ms, p90_ms=2 * p50_ms, p99_ms=4 * p50_ms, mean_ms=p50_ms, max_ms=9 * p50_ms,
        errors=0, non_2xx=0, cpu_s=0.1,
    )  # fmt: skip
    usage = CellUsage(
        (ProcessUsage("daprd", 100.0, 50.0), ProcessUsage("wrk", 5.0, 9.0)), 50.0, 1.0
    )
    return Cell(workload.rsplit("-", 1)[0], workload, n, load, usage)


def _run() -> BenchRun:
    environment = {"date": "today", "machine": "2 cores", "daprd": "1.18.3", "python": "3.12"}
    settings = {"duration_s": 5, "warmup_s": 1, "max_noise_percent": 25.0, "retries": 2}
    run = BenchRun(environment=environment, settings=settings)
    # Hubspoke ahead at c=1, behind in p50 at c=8 (one-agent task); no c=8 peer cell for 3.
    run.cells += [
        _cell("hubspoke-llm-1", 1, 100, 10), _cell("dapr-agents-1", 1, 20, 50),
        _cell("hubspoke-llm-1", 8, 200, 40), _cell("dapr-agents-1", 8, 150, 30),
        _cell("hubspoke-llm-3", 1, 50, 20), _cell("dapr-agents-3", 1, 10, 100),
        _cell("hubspoke-llm-3", 8, 90, 80),
    ]  # fmt: skip
    for key in ("hubspoke-llm-1", "hubspoke-llm-3", "dapr-agents-1", "dapr-agents-3"):
        run.workloads[key] = {"description": key, "verified": "yes", "counted": f"{key} work"}
    return run


def test_only_cells_measured_for_both_systems_are_paired() -> None:
    pairs = [(r.ours.workload, r.peer.workload, r.ours.concurrency) for r in peer_rows(_run())]
    assert pairs == [
        ("hubspoke-llm-1", "dapr-agents-1", 1),
        ("hubspoke-llm-1", "dapr-agents-1", 8),
        ("hubspoke-llm-3", "dapr-agents-3", 1),
    ]


def test_ahead_means_more_throughput_and_a_lower_median_at_each_concurrency() -> None:
    found = {(t.text, t.concurrency): t for t in targets(_run())}
    rps_8 = found[("hubspoke-llm-1 rps / dapr-agents-1 rps", 8)]
    p50_8 = found[("hubspoke-llm-1 p50 / dapr-agents-1 p50", 8)]
    assert (rps_8.value, rps_8.met) == (200 / 150, True)
    assert (p50_8.value, p50_8.met) == (40 / 30, False)
    assert found[("hubspoke-llm-3 p50 / dapr-agents-3 p50", 1)].met
    assert ("hubspoke-llm-3 rps / dapr-agents-3 rps", 8) not in found


def test_the_report_sets_both_systems_side_by_side_with_what_each_did() -> None:
    report = markdown(_run())
    assert "## Hubspoke and its peer (dapr-agents), side by side" in report
    assert "| `hubspoke-llm-1` / `dapr-agents-1` | 8 | 200 / 150 | 40.00 / 30.00 |" in report
    assert "| `dapr-agents-3` | dapr-agents-3 work |" in report
    assert "**missed**" in report  # the c=8 median


def test_the_chart_puts_each_peer_beside_the_same_task() -> None:
    order = ["http", "hubspoke-llm-1", "hubspoke-llm-3", "dapr-agents-1", "dapr-agents-3"]
    assert side_by_side(order) == [
        "http", "hubspoke-llm-1", "dapr-agents-1", "hubspoke-llm-3", "dapr-agents-3",
    ]  # fmt: skip
    # A peer measured alone keeps its place.
    assert side_by_side(["dapr-agents-1", "dapr-agents-3"]) == ["dapr-agents-1", "dapr-agents-3"]


def test_sidecar_counters_are_summed_over_labels_and_grouped() -> None:
    text = "\n".join([
        "# HELP dapr_runtime_workflow_execution_count The number of workflow executions.",
        "# TYPE dapr_runtime_workflow_execution_count counter",
        'dapr_runtime_workflow_execution_count{app_id="a",status="success"} 2',
        'dapr_runtime_workflow_execution_count{app_id="b",status="success"} 1',
        'dapr_component_state_count{operation="set",success="true"} 7',
        "process_cpu_seconds_total 12.5",
    ])  # fmt: skip
    counters = parse_counters(text)
    assert counters["process_cpu_seconds_total"] == 12.5
    groups = count_groups(counters)
    assert groups["workflows"] == 3
    assert groups["state operations"] == 7
    assert groups["outbound calls"] == 0
    counts = TaskCounts(groups, model_calls=4)
    assert counts.text() == "3 workflows, 7 state operations, 4 model call(s)"


def test_a_peers_answer_is_checked_against_the_agents_own_code() -> None:
    (one,) = expected_parts(ONE_AGENT_TASK)
    assert one.endswith("= 5")
    calculator, summary, knowledge = expected_parts(FAN_OUT_TASK)
    assert calculator == one
    assert summary
    assert summary in FAN_OUT_TASK.split(";")[1]
    assert knowledge == "Sources:"


def test_counters_that_did_not_move_or_moved_by_less_than_half_count_nothing() -> None:
    grown = {"dapr_component_state_count{}": 0.0, "dapr_runtime_workflow_execution_count{}": 0.4}
    assert count_groups(grown) == {
        "workflows": 0, "activities": 0, "state operations": 0, "outbound calls": 0,
        "messages published": 0, "messages delivered": 0,
    }  # fmt: skip


def test_a_peer_that_finished_no_task_in_a_cell_is_behind_and_shown_so() -> None:
    run = _run()
    none = _cell("dapr-agents-3", 8, 0, 0)
    run.cells.append(dataclasses.replace(none, load=dataclasses.replace(none.load, requests=0)))
    found = {(t.text, t.concurrency): t for t in targets(run)}
    assert found[("hubspoke-llm-3 rps / dapr-agents-3 rps", 8)].met
    assert ("hubspoke-llm-3 p50 / dapr-agents-3 p50", 8) not in found
    assert "| 90 / 0 | 80.00 / none finished |" in markdown(run)
