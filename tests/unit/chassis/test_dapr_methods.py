"""The Dapr port never sends a method that would route elsewhere than it reads."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from chassis.dapr import DaprSidecar
from chassis.testing import InMemoryDapr

UNSAFE = ["v1%2Factivity", "events%2Fpubsub%2Ftask.completed", "healthz/../v1", "a2a%1F", "a2a%0A"]


@pytest.mark.parametrize("method", UNSAFE)
def test_the_sidecar_adapter_refuses_an_ambiguous_method_before_any_call(method: str) -> None:
    async def invoke() -> None:
        # Port 9 (discard): had the call been sent it would fail with a connection error.
        async with aiohttp.ClientSession(base_url="http://127.0.0.1:9") as session:
            await DaprSidecar(session, timeout_s=1).invoke("summarizer", method, None)

    with pytest.raises(ValueError, match="not sent"):
        asyncio.run(invoke())


@pytest.mark.parametrize("method", UNSAFE)
def test_the_in_memory_port_refuses_it_too(method: str) -> None:
    dapr = InMemoryDapr()
    with pytest.raises(ValueError, match="not sent"):
        asyncio.run(dapr.invoke("summarizer", method, None))
    assert dapr.invocations == []
