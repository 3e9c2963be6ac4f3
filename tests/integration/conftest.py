"""Integration fixtures: the real system (Redis, daprd sidecars, apps) on free ports.

No sidecar is imitated here: a missing daprd FAILS the tests with the command
that builds it, it never skips them.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Literal

import pytest

from launcher import LocalStack, StackOptions
from launcher.toolchain import ToolMissingError

STACKS: list[LocalStack] = []


def start_stack(run_dir: Path, state: Literal["sqlite", "redis"] = "sqlite") -> LocalStack:
    """Start a stack for tests; fails the test (never skips) if a binary is missing."""
    try:
        stack = LocalStack(StackOptions(free_ports=True, echo=False, run_dir=run_dir, state=state))
    except ToolMissingError as exc:
        pytest.fail(str(exc), pytrace=False)
    STACKS.append(stack)
    stack.start()
    return stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    system = start_stack(tmp_path_factory.mktemp("stack"))
    yield system
    system.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for system in STACKS:
            for process in system.supervisor.processes:
                report.sections.append((f"log of {process.name}", process.tail(40)))
    return report
