"""Redis over TLS inside the control plane's namespace: what Azure Cache for Redis is to AKS.

The aks overlay's components and ScaledObjects say `enableTLS: "true"`; this
server gives them a TLS endpoint signed by the test's CA (which KEDA is told
to trust with `--ca-dir`), so the overlay's triggers run unchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import redis

from launcher.toolchain import redis_server_path
from tests.cluster.controlplane import START_TIMEOUT_S, ControlPlane
from tests.cluster.kube import wait_for

__all__ = ["TlsRedis", "start_redis"]

REDIS_TLS_PORT = 6380


@dataclass(frozen=True)
class TlsRedis:
    """Where the Redis is (`host` as the `redis` secret's host: `<ip>:<port>`) and its client."""

    host: str
    password: str
    client: redis.Redis = field(repr=False)


def start_redis(cp: ControlPlane) -> TlsRedis:
    """Start redis-server with TLS only (no plain port) and return a connected client."""
    assert cp.pki is not None
    crt, key = cp.pki.issue("redis", cn="redis", sans=[f"IP:{cp.address}", "DNS:localhost"])
    password = secrets.token_hex(16)
    process = cp.run(
        "redis",
        [
            str(redis_server_path()), "--port", "0", "--tls-port", str(REDIS_TLS_PORT),
            "--tls-cert-file", str(crt), "--tls-key-file", str(key),
            "--tls-ca-cert-file", str(cp.pki.ca), "--tls-auth-clients", "no",
            "--requirepass", password, "--save", "", "--appendonly", "no",
            "--dir", str(cp.work),
        ],
    )  # fmt: skip
    client = redis.Redis(
        host=cp.address,
        port=REDIS_TLS_PORT,
        password=password,
        ssl=True,
        ssl_ca_certs=str(cp.pki.ca),
        socket_timeout=5,
        decode_responses=True,
    )

    def answers() -> bool:
        if not process.alive:
            raise AssertionError(f"redis exited:\n{process.tail()}")
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    wait_for(answers, timeout_s=START_TIMEOUT_S, what="redis over TLS", interval_s=0.5)
    return TlsRedis(f"{cp.address}:{REDIS_TLS_PORT}", password, client)
