"""The supervisor: what it starts, stops, forgets, and restarts after a crash."""

from __future__ import annotations

import os
import signal
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from launcher.processes import RestartPolicy, Supervisor


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


def _eventually(check: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


FAST = RestartPolicy(first_delay_s=0.1, max_delay_s=0.4, reset_after_s=60)
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_crashed_process_is_restarted_with_its_command_line_and_reported(
    tmp_path: Path,
) -> None:
    supervisor = Supervisor(tmp_path, echo=False, policy=FAST)
    env = {**os.environ, "MARK": "kept"}
    first = supervisor.start("service", SLEEPER, env=env, cwd=tmp_path)
    old_pid = first.pid
    supervisor.supervise(interval_s=0.02)
    try:
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)  # a crash: nobody asked the supervisor
        # The report follows the launch: wait for it, not only for the new process.
        restarted = "service restarted (restart 1)"
        assert _eventually(lambda: any(restarted in e for e in supervisor.events))
        assert first.alive
        assert first.pid != old_pid
        assert first.restarts == 1
        assert first.argv == SLEEPER
        assert first.env["MARK"] == "kept"
        assert any("service exited with code -9" in e for e in supervisor.events)
        assert "restarted" in (tmp_path / "supervisor.log").read_text()
    finally:
        supervisor.stop_all(timeout=5)
    assert not first.alive


def test_a_process_that_keeps_crashing_waits_longer_each_time(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, echo=False, policy=FAST)
    crasher = supervisor.start("crasher", [sys.executable, "-c", "raise SystemExit(3)"],
                               env=os.environ, cwd=tmp_path)  # fmt: skip
    supervisor.supervise(interval_s=0.02)
    try:
        assert _eventually(lambda: crasher.restarts >= 4)
    finally:
        supervisor.stop_all(timeout=5)
    delays = [e.rsplit("restarting in ", 1)[1] for e in supervisor.events if "restarting in" in e]
    assert delays[:4] == ["0.1s", "0.2s", "0.4s", "0.4s"]  # doubling, capped
    assert all("exited with code 3" in e for e in supervisor.events if "exited" in e)


def test_a_deliberate_kill_or_stop_is_not_undone(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, echo=False, policy=FAST)
    killed = supervisor.start("killed", SLEEPER, env=os.environ, cwd=tmp_path)
    stopped = supervisor.start("stopped", SLEEPER, env=os.environ, cwd=tmp_path)
    supervisor.supervise(interval_s=0.02)
    try:
        supervisor.kill("killed")
        supervisor.stop("stopped", timeout=5)
        time.sleep(1.0)  # five back-off periods: long enough for a wrong restart to happen
        assert not killed.alive
        assert not stopped.alive
        assert killed.restarts == stopped.restarts == 0
        assert supervisor.events == []
        supervisor.restart("killed")  # and it can be started again by hand
        assert killed.alive
        assert killed.wanted
    finally:
        supervisor.stop_all(timeout=5)


def test_without_supervision_a_dead_process_stays_dead(tmp_path: Path) -> None:
    """Before start-up completes nothing restarts: the launcher fails the start instead."""
    supervisor = Supervisor(tmp_path, echo=False, policy=FAST)
    process = supervisor.start("early", [sys.executable, "-c", "pass"], env=os.environ,
                               cwd=tmp_path)  # fmt: skip
    assert _eventually(lambda: not process.alive)
    time.sleep(0.5)
    assert not process.alive
    assert process.restarts == 0
    supervisor.stop_all(timeout=5)


def test_children_write_private_files_and_logs_are_private(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path / "logs", echo=False)
    argv = [sys.executable, "-c", "open('made-by-child', 'w').write('x'); print('hello')"]
    child = supervisor.start("writer", argv, env=os.environ, cwd=tmp_path)
    assert _eventually(lambda: not child.alive)
    supervisor.stop_all(timeout=5)
    assert stat.S_IMODE((tmp_path / "made-by-child").stat().st_mode) == 0o600
    assert stat.S_IMODE(child.log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
    assert "hello" in child.log_path.read_text()


def test_restart_policy_doubles_and_caps() -> None:
    policy = RestartPolicy(first_delay_s=1, max_delay_s=30)
    assert [policy.delay(n) for n in (1, 2, 3, 5, 6, 20)] == [1, 2, 4, 16, 30, 30]
