"""The daprd the tests run is the one tools/dapr/go.mod pins (the header of `make test` says so)."""

from __future__ import annotations

import re

from launcher.toolchain import REPO_ROOT, daprd_path, daprd_version
from tests.conftest import pytest_report_header


def test_the_daprd_in_use_is_the_pinned_one_and_the_report_header_names_it() -> None:
    go_mod = (REPO_ROOT / "tools" / "dapr" / "go.mod").read_text()
    pinned = re.search(r"github\.com/dapr/dapr v(\d+\.\d+\.\d+)", go_mod)
    assert pinned is not None
    assert daprd_version(daprd_path()) == pinned[1]
    # 1.18.2 panicked on a CloudEvent whose traceparent is not a string (dapr/dapr PR 10319).
    assert tuple(int(n) for n in pinned[1].split(".")) >= (1, 18, 3)
    assert pytest_report_header().startswith(f"daprd: {pinned[1]} ")
