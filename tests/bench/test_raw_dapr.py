"""The benchmark's raw Dapr setup starts on real sidecars and echoes through them.

The raw apps' runfile has no orchestrator: this guards the launcher paths
that assume one (a start once failed on the orchestrator's allowlist).
"""

from __future__ import annotations

from pathlib import Path

from bench.setups import raw_dapr
from bench.workloads import check


def test_raw_dapr_echoes_through_two_sidecars(tmp_path: Path) -> None:
    # Entering waits until an echo went through both sidecars (else it raises).
    with raw_dapr(tmp_path / "dapr") as running:
        (echo,) = running.workloads
        assert check(echo).startswith("echoed ")
        assert {"bench-front.daprd", "bench-back.daprd"} <= set(running.pids())
