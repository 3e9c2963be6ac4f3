"""`hubspoke`, the installed command line, against a running stack (real sidecars).

It finds the orchestrator as a user's shell would after `make run`: from the
stack's run folder (stack.json and the API key file), no URL or key given.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher import LocalStack
from tests.integration.conftest import module_stack

HUBSPOKE = Path(sys.executable).parent / "hubspoke"  # the venv's console script
README = Path(__file__).resolve().parents[2] / "README.md"


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


def readme_first_task() -> list[tuple[str, list[str]]]:
    """The README's first task: each `$ ` line of the first console block under
    "## A first task", with the output lines the README shows under it."""
    section = README.read_text().split("\n## A first task\n", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def _shown_lines_hold(shown: list[str], output: str) -> list[str]:
    """What the README shows that the output lacks: each `"key":"value"` of a JSON line,
    each other line (spaces collapsed) that is not elided with '…'."""
    lacking = []
    got_lines = {" ".join(line.split()) for line in output.splitlines()}
    for line in shown:
        if line.startswith("{"):
            got = json.loads(output)
            for key, value in re.findall(r'"(\w+)":"([^"…]*)"', line):
                if got.get(key) != value:
                    lacking.append(f"{key}={value!r} (got {got.get(key)!r})")
        elif "…" not in line and " ".join(line.split()) not in got_lines:
            lacking.append(line)
    return lacking


def test_the_readme_first_task_commands_run_as_written(stack: LocalStack, tmp_path: Path) -> None:
    """A user's shell at the repository's root after `make run`: `.run` is the stack's run
    folder, the orchestrator on the README's port is this stack's."""
    (tmp_path / ".run").symlink_to(stack.run_dir)
    port = stack.endpoints["orchestrator"].app_port
    steps = readme_first_task()
    assert any("curl" in command for command, _ in steps)
    assert any("hubspoke" in command for command, _ in steps)
    script = ["set -e"]
    for index, (command, _) in enumerate(steps):
        command = command.replace("localhost:8000", f"127.0.0.1:{port}")
        command = command.replace(".venv/bin/hubspoke", shlex.quote(str(HUBSPOKE)))
        script += [f"printf '\\n@@step {index}\\n'", command]  # curl ends no line
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBSPOKE_")}
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env | {"COLUMNS": "200"},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = re.split(r"\n@@step \d+\n", done.stdout)[1:]
    assert len(outputs) == len(steps), done.stdout
    for (command, shown), output in zip(steps, outputs, strict=True):
        lacking = _shown_lines_hold(shown, output)
        assert not lacking, f"{command}\nlacks {lacking}\nin:\n{output}"
