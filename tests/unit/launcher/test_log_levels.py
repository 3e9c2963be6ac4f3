"""The level filter of `make run`'s terminal: lines as the stack's processes write them."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from launcher.log_levels import Level, line_level, notable
from launcher.processes import Supervisor

DAPRD_INFO = (
    'time="2026-11-30T01:04:39.443Z" level=info msg="HTTP server is running on port 47305" '
    "app_id=units instance=vm scope=dapr.runtime type=log ver=unknown"
)
DAPRD_WARNING = (
    'time="2026-11-30T01:11:04.080Z" level=warning msg="App entered un-healthy status: '
    'Network error: level=info" app_id=orchestrator scope=dapr.apphealth'
)
DAPRD_ERROR = 'time="2026-11-30T01:11:14Z" level=error msg="Error processing Redis message"'
DAPRD_JSON_WARNING = '{"time":"2026-11-30T01:11:04Z","level":"warning","msg":"x","scope":"dapr"}'
PYTHON_INFO = '{"ts": "2026-11-30T01:18:29Z", "level": "INFO", "service": "orchestrator"}'
PYTHON_WARNING = '{"ts": "2026-11-30T01:18:29Z", "level": "WARNING", "msg": "task not queued"}'
PYTHON_CRITICAL = '{"level": "CRITICAL", "msg": "cannot start"}'
PINO_LABEL_INFO = '{"level":"INFO","ts":"2026-11-30T01:04:56.726Z","service":"units"}'
PINO_LABEL_WARN = '{"level":"WARN","ts":"2026-11-30T01:04:56.726Z","service":"units"}'
REDIS_NOTICE = "2946:M 30 Nov 2026 01:06:19.907 * Ready to accept connections"
REDIS_WARNING = "2946:M 30 Nov 2026 01:06:19.884 # WARNING Memory overcommit must be enabled!"


@pytest.mark.parametrize(
    ("line", "level"),
    [
        (DAPRD_INFO, Level.INFO),
        (DAPRD_WARNING, Level.WARNING),  # the first level= is the line's, not one in msg
        (DAPRD_ERROR, Level.ERROR),
        (DAPRD_JSON_WARNING, Level.WARNING),
        (PYTHON_INFO, Level.INFO),
        (PYTHON_WARNING, Level.WARNING),
        (PYTHON_CRITICAL, Level.ERROR),
        (PINO_LABEL_INFO, Level.INFO),
        (PINO_LABEL_WARN, Level.WARNING),
        ('{"level":30,"msg":"serving"}', Level.INFO),
        ('{"level":40,"msg":"slow"}', Level.WARNING),
        ('{"level":50,"msg":"failed"}', Level.ERROR),
        ('{"level":60,"msg":"fatal"}', Level.ERROR),
        (REDIS_NOTICE, Level.INFO),
        (REDIS_WARNING, Level.WARNING),
        ("Traceback (most recent call last):", None),
        ('{"msg": "no level here"}', None),
        ('{"level": true}', None),
        ("{not json level=error", Level.ERROR),
    ],
)
def test_each_format_states_its_level(line: str, level: Level | None) -> None:
    assert line_level(line) == level


def test_a_quiet_terminal_shows_warnings_errors_and_lines_without_a_level() -> None:
    quiet = [DAPRD_INFO, PYTHON_INFO, PINO_LABEL_INFO, REDIS_NOTICE, "", "   "]
    loud = [DAPRD_WARNING, PYTHON_WARNING, PINO_LABEL_WARN, REDIS_WARNING, "Killed"]
    shown = [line for line in [*quiet, *loud] if notable(line)]
    assert shown == [DAPRD_WARNING, PYTHON_WARNING, PINO_LABEL_WARN, REDIS_WARNING, "Killed"]


@pytest.mark.parametrize(
    "line",
    [
        'time="2026-11-30T01:51:47Z" level=warning msg="Actor runtime disabled: api error: code '
        "= Unavailable desc = placement service is not configured. Actors and Workflow APIs will "
        'be unavailable" app_id=orchestrator',
        'time="2026-11-30T01:51:47Z" level=warning msg="No scheduler host addresses provided. '
        'Scheduler disabled" app_id=orchestrator',
        "13397:M 30 Nov 2026 01:51:16.048 # Server initialized",
    ],
)
def test_the_warnings_of_every_local_start_are_not_shown(line: str) -> None:
    assert line_level(line) == Level.WARNING
    assert not notable(line)


@pytest.mark.parametrize("verbose", [False, True])
def test_the_log_file_keeps_every_line_and_the_terminal_what_it_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verbose: bool
) -> None:
    lines = [DAPRD_INFO, DAPRD_WARNING, PYTHON_INFO, PYTHON_WARNING]
    script = "import sys; sys.stdout.write(sys.argv[1])"
    supervisor = Supervisor(tmp_path, echo=True, verbose=verbose)
    process = supervisor.start(
        "talker",
        [sys.executable, "-c", script, "\n".join(lines) + "\n"],
        env=os.environ,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 30
    while process.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    supervisor.stop_all(timeout=5)
    assert (tmp_path / "talker.log").read_text().splitlines() == lines
    printed = [line.split("|\033[0m ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert printed == (lines if verbose else [DAPRD_WARNING, PYTHON_WARNING])
