"""Shared by every test: the pytest header names the daprd the run used."""

from __future__ import annotations

from launcher.toolchain import ToolMissingError, daprd_path, daprd_version


def pytest_report_header() -> str:
    try:
        return f"daprd: {daprd_version(daprd_path())} ({daprd_path()})"
    except ToolMissingError as exc:
        return f"daprd: MISSING - {exc}"
