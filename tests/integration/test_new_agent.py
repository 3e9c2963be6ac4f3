"""`make new-agent` gives a working agent: made in a copy of the repository, started
beside its own daprd with the orchestrator, it passes the conformance kit.

One test per template language; a language without a template folder is skipped
with the folder it lacks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from launcher import LocalStack, StackOptions
from launcher.toolchain import REPO_ROOT
from tests.integration.conftest import FAST_REGISTRY, STACKS, wait_registered
from tools.new_agent.scaffold import TEMPLATES

# Tools and builds the copy shares with this checkout (never written by the test).
SHARED = (".venv", ".dapr")


def repository_copy(target: Path) -> Path:
    """The checkout's files (tracked and new, not ignored) under `target`, sharing SHARED."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO_ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    for relative in filter(None, listed):
        source = REPO_ROOT / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_bytes(source.read_bytes())
            (target / relative).chmod(source.stat().st_mode)
    for name in SHARED:
        (target / name).symlink_to(REPO_ROOT / name)
    return target


def only(runfile: Path, app_ids: tuple[str, ...]) -> Path:
    """A run file beside `runfile` (same components) with only `app_ids`' entries."""
    declared = yaml.safe_load(runfile.read_text())
    declared["apps"] = [a for a in declared["apps"] if a["appID"] in app_ids]
    trimmed = runfile.with_name("dapr.kit.yaml")
    trimmed.write_text(yaml.safe_dump(declared))
    return trimmed


@pytest.fixture
def made(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    language = request.param
    if not (TEMPLATES / language / "template.yaml").is_file():
        pytest.skip(f"no {language} template: tools/new_agent/templates/{language}/ is absent")
    root = repository_copy(tmp_path / "repo")
    name = f"made{language[:2]}"
    done = subprocess.run(
        ["make", "--no-print-directory", "new-agent", f"NAME={name}", f"LANG={language}"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # Its declared build (a compiler, npm ci...), as `make bootstrap` runs it; only its own.
    built = subprocess.run(
        [sys.executable, "-m", "tools.agents", "--root", str(root), "build", name],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    return root, name


@pytest.mark.parametrize("made", ["python", "typescript", "go"], indirect=True)
def test_a_new_agent_from_its_template_passes_the_kit(
    made: tuple[Path, str], tmp_path: Path
) -> None:
    root, name = made
    check = subprocess.run(
        [sys.executable, "-m", "tools.agents", "--root", str(root), "check"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # Everything is written but the cloud identity, which needs a person (and Azure).
    assert check.stderr.count(f"`{name}`") == 1, check.stderr
    assert "workload-identity.yaml" in check.stderr
    options = StackOptions(
        runfile=only(root / "dapr.yaml", ("orchestrator", name)),
        run_dir=tmp_path / "run",
        free_ports=True,
        echo=False,
        env=FAST_REGISTRY,
    )
    stack = LocalStack(options)
    STACKS.append(stack)
    try:
        stack.start(timeout_s=120)
        wait_registered(stack, (name,), timeout_s=120)
        kit = subprocess.run(
            [sys.executable, "-m", "conformance", name, "--run-dir", str(stack.run_dir),
             "--heartbeat-wait", "10"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        print(kit.stdout, kit.stderr)
        assert kit.returncode == 0, kit.stdout + kit.stderr
        assert f"{name} conforms:" in kit.stdout
    finally:
        stack.stop()
