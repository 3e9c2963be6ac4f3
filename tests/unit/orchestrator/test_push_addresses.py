"""Which hosts a push-notification webhook may resolve to (orchestrator/edge/push/addresses.py)."""

from __future__ import annotations

import ipaddress

import pytest

from orchestrator.edge.push.addresses import WebhookRefused, check_destination


def answering(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f000001",  # ... in hex
        "0177.0.0.1",  # ... with an octal first part
        "127.1",
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared address space
        "169.254.169.254",  # link-local: cloud metadata
        "fe80::1",
        "fc00::1",  # unique local
        "0.0.0.0",
        "224.0.0.1",
        "localhost",
    ],
)
async def test_a_host_resolving_to_a_non_public_address_is_refused(host: str) -> None:
    with pytest.raises(WebhookRefused, match="not a public address"):
        await check_destination(host, 443)


@pytest.mark.parametrize("host", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
async def test_a_public_address_is_accepted(host: str) -> None:
    assert await check_destination(host, 443)


async def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    resolve = answering("93.184.215.14", "10.0.0.7")
    with pytest.raises(WebhookRefused, match=r"10\.0\.0\.7"):
        await check_destination("hooks.example.org", 443, resolve=resolve)


async def test_an_allowed_network_lets_its_addresses_through_and_no_others() -> None:
    allowed = [ipaddress.ip_network("127.0.0.1/32")]
    assert await check_destination("127.0.0.1", 80, allowed=allowed)
    assert await check_destination("::ffff:127.0.0.1", 80, allowed=allowed)
    with pytest.raises(WebhookRefused):
        await check_destination("127.0.0.2", 80, allowed=allowed)


async def test_a_host_that_does_not_resolve_is_refused() -> None:
    async def fails(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(WebhookRefused, match="does not resolve"):
        await check_destination("nowhere.invalid", 443, resolve=fails)
