"""The kit's layers: checks are pure logic on its ports; only adapters touch the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_project_layout import _imports

KIT = Path(__file__).resolve().parents[3] / "conformance"
# What talks to the outside world, and the modules that may import it.
IO = ("httpx", "redis", "a2a.client", "conformance.adapters", "conformance.runner")
INNER = sorted((KIT / "checks").glob("*.py")) + [
    KIT / m for m in ("ports.py", "steps.py", "wire.py", "results.py")
]


@pytest.mark.parametrize("module", INNER, ids=lambda p: p.name)
def test_checks_and_ports_import_no_network_code(module: Path) -> None:
    for name in _imports(module):
        assert not name.startswith(IO), f"{module.name} imports {name}"


def test_the_kit_imports_nothing_of_the_services_it_checks() -> None:
    for module in KIT.rglob("*.py"):
        for name in _imports(module):
            assert not name.startswith(("chassis", "orchestrator", "agents", "launcher")), (
                f"{module.relative_to(KIT.parent)} imports {name}: the kit judges the wire, "
                "so it may not share the implementation's code"
            )
