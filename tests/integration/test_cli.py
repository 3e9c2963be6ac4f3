"""`hubspoke`, the installed command line, against a running stack (real sidecars).

It finds the orchestrator as a user's shell would after `make run`: from the
stack's run folder (stack.json and the API key file), no URL or key given.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher import LocalStack
from tests.integration.conftest import module_stack

HUBSPOKE = Path(sys.executable).parent / "hubspoke"  # the venv's console script


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own, given all the time a loaded machine needs to start it."""
    # The registry's default timings: under load the fast test ones (unhealthy after 2 s
    # without a heartbeat) marked the calculator unhealthy as the first command ran.
    with module_stack(tmp_path_factory.mktemp("cli"), env={}) as system:
        yield system


def hubspoke(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    assert HUBSPOKE.exists() or shutil.which("hubspoke"), "make bootstrap installs hubspoke"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBSPOKE_")}
    env |= {"HUBSPOKE_RUN_DIR": str(stack.run_dir), "COLUMNS": "200"}
    return subprocess.run(
        [str(HUBSPOKE), *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_send_watch_shows_the_step_and_the_answer_live(stack: LocalStack) -> None:
    done = hubspoke(stack, "send", "What is 2+3?", "--watch")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    started = next(i for i, line in enumerate(lines) if line.startswith("→ calculator"))
    finished = next(i for i, line in enumerate(lines) if line.startswith("✓ calculator"))
    assert started < finished
    assert lines[finished].endswith("2 + 3 = 5")
    assert any(re.match(r"answer\s+2 \+ 3 = 5", line) for line in lines), done.stdout

    task_id = re.search(r"^task ([0-9a-f]{32}) running", done.stdout, re.M)
    assert task_id is not None, done.stdout
    read = hubspoke(stack, "task", task_id.group(1))
    assert read.returncode == 0, read.stderr
    assert re.search(r"status\s+completed", read.stdout)
    assert re.search(r"step 1\s+calculator \[arithmetic\] completed: 2 \+ 3 = 5", read.stdout)


def test_agents_lists_the_calculator_healthy(stack: LocalStack) -> None:
    listed = hubspoke(stack, "agents")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if " calculator " in line)
    assert "healthy" in row
    assert "arithmetic" in row


def test_a_wrong_key_is_refused_with_the_problem(stack: LocalStack) -> None:
    env_key = {"HUBSPOKE_API_KEY": "not-the-key"}
    done = subprocess.run(
        [str(HUBSPOKE), "agents"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HUBSPOKE_RUN_DIR": str(stack.run_dir), **env_key},
    )
    assert done.returncode == 1
    assert "401" in done.stderr
    assert "HUBSPOKE_API_KEY" in done.stderr
