"""Two ways to talk to the sidecar, in one run: the dapr SDK's asyncio gRPC client
against our hand-written HTTP adapter (`chassis.dapr.DaprSidecar`, aiohttp).

Both write the same state items and publish the same events to the same
daprd (the orchestrator's of the `floor` setup: Hubspoke's components and
Configuration), from this process, `concurrency` calls at a time. Rounds
alternate between the clients so that noise from the machine falls on both.
For each client and operation: calls per second, latency percentiles, and CPU
per call of this process (the client) and of the daprd (the server side).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import psutil
from dapr.aio.clients import DaprClient
from dapr.conf import settings as dapr_settings

from chassis.dapr import DaprSidecar, pooled_session

__all__ = ["ClientResult", "SidecarAccess", "compare_clients"]

STORE = "statestore"
PUBSUB = "pubsub"
# Published by the orchestrator's app id and subscribed by nobody in the floor setup.
TOPIC = "tasks.deadletter.orchestrator"
VALUE = b'{"record": "' + b"x" * 1500 + b'"}'  # about a task record


@dataclass(frozen=True)
class SidecarAccess:
    """Where the sidecar listens, its API token, and its process id."""

    http_port: int
    grpc_port: int
    api_token: str
    pid: int


@dataclass(frozen=True)
class ClientResult:
    client: str
    operation: str
    calls: int
    calls_per_s: float
    p50_ms: float
    p99_ms: float
    client_cpu_ms_per_call: float
    sidecar_cpu_ms_per_call: float


Call = Callable[[], Awaitable[object]]


async def _drive(call: Call, calls: int, concurrency: int) -> tuple[list[float], float]:
    """Run `calls` calls, `concurrency` at a time; (latencies in ms, wall seconds)."""
    latencies: list[float] = []
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await call()
            latencies.append(1000 * (time.perf_counter() - started))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


@dataclass
class _Tally:
    latencies: list[float]
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    sidecar_cpu_s: float = 0.0


async def _measure(call: Call, calls: int, concurrency: int, sidecar: psutil.Process) -> _Tally:
    await _drive(call, min(calls, 50), concurrency)  # warm the connections
    own, before_sidecar = time.process_time(), _cpu_s(sidecar)
    latencies, wall_s = await _drive(call, calls, concurrency)
    return _Tally(latencies, wall_s, time.process_time() - own, _cpu_s(sidecar) - before_sidecar)


def _calls(http: DaprSidecar, grpc: DaprClient) -> dict[tuple[str, str], Call]:
    def key() -> str:
        return f"bench-client-{uuid.uuid4().hex}"

    return {
        ("http (chassis.dapr, aiohttp)", "save_state"): lambda: http.save_state(
            STORE, key(), VALUE
        ),
        ("grpc (dapr.aio DaprClient)", "save_state"): lambda: grpc.save_state(STORE, key(), VALUE),
        ("http (chassis.dapr, aiohttp)", "publish"): lambda: http.publish(PUBSUB, TOPIC, VALUE),
        ("grpc (dapr.aio DaprClient)", "publish"): lambda: grpc.publish_event(
            PUBSUB, TOPIC, VALUE, data_content_type="application/json"
        ),
    }


def _result(client: str, operation: str, tallies: list[_Tally]) -> ClientResult:
    latencies = sorted(x for t in tallies for x in t.latencies)
    calls = len(latencies)
    wall = sum(t.wall_s for t in tallies)
    quantiles = statistics.quantiles(latencies, n=100)
    return ClientResult(
        client=client,
        operation=operation,
        calls=calls,
        calls_per_s=calls / wall if wall else 0.0,
        p50_ms=quantiles[49],
        p99_ms=quantiles[98],
        client_cpu_ms_per_call=1000 * sum(t.client_cpu_s for t in tallies) / calls,
        sidecar_cpu_ms_per_call=1000 * sum(t.sidecar_cpu_s for t in tallies) / calls,
    )


async def compare_clients(
    access: SidecarAccess, *, calls: int = 1000, concurrency: int = 8, rounds: int = 2
) -> list[ClientResult]:
    """Each client's save_state and publish, `rounds` alternating rounds of `calls` calls."""
    # The SDK reads its sidecar's address and token from these settings.
    for setting, value in (
        ("DAPR_HTTP_PORT", access.http_port),
        ("DAPR_GRPC_PORT", access.grpc_port),
        ("DAPR_API_TOKEN", access.api_token),
    ):
        setattr(dapr_settings, setting, value)
    sidecar = psutil.Process(access.pid)
    session = pooled_session(
        {"dapr-api-token": access.api_token}, f"http://127.0.0.1:{access.http_port}"
    )
    http = DaprSidecar(session)
    grpc = DaprClient(address=f"127.0.0.1:{access.grpc_port}")
    try:
        tallies: dict[tuple[str, str], list[_Tally]] = {}
        for _ in range(rounds):
            for name, call in _calls(http, grpc).items():
                tally = await _measure(call, calls, concurrency, sidecar)
                tallies.setdefault(name, []).append(tally)
        return [_result(client, op, found) for (client, op), found in tallies.items()]
    finally:
        await http.aclose()
        await grpc.close()  # type: ignore[no-untyped-call]  # the SDK's, untyped
