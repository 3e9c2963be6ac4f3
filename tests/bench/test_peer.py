"""The benchmark's peer (dapr-agents) starts on real sidecars and really computes the tasks.

Run by `make bench` before it measures (alone: `.venv/bin/pytest -m peer tests/bench`);
marked `peer` and so not part of `make test`: the first run installs the peer's environment
(.cache/peer-venv) and builds placement and scheduler, minutes on a cold machine.

No timing is asserted: this proves that what `make bench` measures as
`dapr-agents-1` and `dapr-agents-3` is the peer doing the work, through its
workflows, with each agent's part of the answer computed by Hubspoke's
agents' own code (bench/workloads.py `expected_parts`), and that the sidecars'
counters saw the workflows run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.setups import dapr_agents
from bench.workloads import check

pytestmark = pytest.mark.peer


def test_the_peer_answers_both_tasks_through_its_workflows(tmp_path: Path) -> None:
    with dapr_agents(tmp_path / "peer") as running:
        assert [w.key for w in running.workloads] == ["dapr-agents-1", "dapr-agents-3"]
        assert running.probe is not None
        for workload in running.workloads:
            running.probe.start()
            assert check(workload).startswith("answered with all")
            counts = running.probe.finish()
            # The orchestrator's workflow and one child workflow per agent called.
            agents = 1 if workload.key.endswith("-1") else 3
            assert counts.groups["workflows"] >= 1 + agents
            assert counts.model_calls is not None
            assert counts.model_calls >= 2 * (1 + agents)
