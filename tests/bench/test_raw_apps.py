"""The benchmark's two baselines start and echo: plain HTTP, and the same apps through sidecars.

Run by `make test` and `make bench` (alone: `.venv/bin/pytest tests/bench`);
the raw-Dapr run file has no orchestrator, so this also guards the launcher's
paths that assume one. No timing is asserted: this proves the `http` and `dapr` setups `make bench`
measures are real (front reached back and got the 1 KB body back, straight or
through both daprd).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from bench.setups import RunningSetup, plain_http, raw_dapr
from bench.workloads import RAW_PAYLOAD, check


@pytest.mark.parametrize("setup", [plain_http, raw_dapr], ids=["http", "dapr"])
def test_the_front_app_gets_back_its_body_from_the_back_app(
    setup: Callable[[Path], AbstractContextManager[RunningSetup]], tmp_path: Path
) -> None:
    with setup(tmp_path / "raw") as running:
        (echo,) = running.workloads
        assert check(echo) == f"echoed {len(RAW_PAYLOAD)} bytes"
