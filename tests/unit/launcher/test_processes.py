"""The supervisor: what it starts, stops and forgets."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from launcher.processes import Supervisor


def test_a_finished_one_off_process_is_stopped_and_forgotten(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, echo=False)
    argv = [sys.executable, "-c", "import time; time.sleep(30)"]
    one_off = supervisor.start("one-off", argv, env=os.environ, cwd=tmp_path)
    supervisor.start("service", argv, env=os.environ, cwd=tmp_path)
    supervisor.finish("one-off", timeout=5)
    assert not one_off.alive
    assert [p.name for p in supervisor.processes] == ["service"]
    supervisor.stop_all(timeout=5)
    assert not any(p.alive for p in supervisor.processes)
