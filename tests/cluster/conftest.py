"""One control plane for a `make test-cluster` session; each test deploys into its own namespace.

Start-up order: control plane and Dapr (sentry, operator, injector); then,
for the tests that need them, Redis over TLS and KEDA (operator, adapter).
Everything started is stopped at the end of the session, and a failed start
prints the end of every log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.addons import start_dapr, start_keda
from tests.cluster.controlplane import CONTROL_PLANE, ControlPlane, cache_dir
from tests.cluster.redis_tls import TlsRedis, start_redis


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a cluster test (`-m cluster` selects them)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.cluster)


def _require(*binaries: str) -> None:
    missing = [b for b in binaries if not (cache_dir() / "bin" / b).exists()]
    if missing:
        pytest.skip(f"{missing} not built: `make test-cluster` builds them (cold ~25 min)")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """The running control plane with Dapr's control plane installed."""
    _require(*CONTROL_PLANE, "operator", "injector", "sentry")
    cp = ControlPlane(cache_dir(), tmp_path_factory.mktemp("cluster"))
    try:
        cp.start()
        start_dapr(cp)
        yield cp
    except Exception:
        print(cp.logs())
        raise
    finally:
        cp.stop()


@pytest.fixture(scope="session")
def keda(cluster: ControlPlane) -> ControlPlane:
    """The same control plane with KEDA's operator and metrics adapter added."""
    _require("keda-operator", "keda-adapter")
    try:
        start_keda(cluster)
    except Exception:
        print(cluster.logs())
        raise
    return cluster


@pytest.fixture(scope="session")
def tls_redis(cluster: ControlPlane) -> TlsRedis:
    """The Redis the overlays' components and ScaledObjects point at (stopped with the cluster)."""
    return start_redis(cluster)
