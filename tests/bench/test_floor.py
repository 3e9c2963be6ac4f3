"""The benchmark's same-work floor starts on real sidecars and does a task's Dapr work.

Run by `make bench` before it measures, and by `make test` so a change that
breaks a benchmark setup fails CI rather than the next benchmark run.

No timing is asserted: this proves the setup `make bench` measures is real
(the agent answered through Dapr, the record was stored, the event reached
the subscriber's state) and that both sidecar clients compared there work.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.setups import same_work_floor
from bench.sidecar_clients import compare_clients
from bench.workloads import check


def test_the_floor_does_a_tasks_dapr_work_and_both_clients_answer(tmp_path: Path) -> None:
    # Entering waits until a task went through and its event was recorded (else it raises).
    with same_work_floor(tmp_path / "floor") as running:
        (task,) = running.workloads
        assert check(task).startswith("record ")
        assert running.sidecar is not None
        results = asyncio.run(compare_clients(running.sidecar, calls=20, rounds=1))
    assert {(r.client.split()[0], r.operation) for r in results} == {
        ("http", "save_state"), ("grpc", "save_state"), ("http", "publish"), ("grpc", "publish"),
    }  # fmt: skip
    assert all(r.calls == 20 and r.calls_per_s > 0 for r in results)
