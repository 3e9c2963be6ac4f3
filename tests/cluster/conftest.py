"""One control plane for a `make test-cluster` session; each test deploys into its own namespace.

Start-up order: control plane, Redis (TLS), Dapr (sentry, operator,
injector), KEDA (operator, adapter). Everything started is stopped at the
end of the session, and a failed start prints the end of every log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.addons import start_dapr, start_keda
from tests.cluster.controlplane import ControlPlane, cache_complete, cache_dir
from tests.cluster.redis_tls import TlsRedis, start_redis


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a cluster test (`-m cluster` selects them)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """The running control plane with Dapr and KEDA installed."""
    if not cache_complete():
        pytest.skip(
            "control-plane binaries not built: run `make test-cluster` (cold build ~25 min)"
        )
    cp = ControlPlane(cache_dir(), tmp_path_factory.mktemp("cluster"))
    try:
        cp.start()
        start_dapr(cp)
        start_keda(cp)
        yield cp
    except Exception:
        print(cp.logs())
        raise
    finally:
        cp.stop()


@pytest.fixture(scope="session")
def tls_redis(cluster: ControlPlane) -> TlsRedis:
    """The Redis the overlays' components and ScaledObjects point at (stopped with the cluster)."""
    return start_redis(cluster)
