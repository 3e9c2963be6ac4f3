"""Where a webhook may point: every address its host resolves to must be public (no I/O
beyond name resolution).

A host is resolved (the event loop's `getaddrinfo`, so `2130706433`,
`0x7f000001` and `127.1` read as the loopback address they are, as the
sidecar's own resolver would) and each address is checked: loopback,
private, link-local, shared (100.64.0.0/10), multicast, reserved and
unspecified addresses are refused, an IPv4-mapped IPv6 address as the IPv4
address inside it, unless it lies in a network the operator allowed
(ORCHESTRATOR_PUSH_PRIVATE_NETWORKS). The check runs at registration and
again before every delivery, so a name that later resolves elsewhere (DNS
rebinding) is refused then. a2a-sdk's `validate_push_notification_url`
applies the same rule but has no allowance for configured networks.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

from chassis.errors import UnprocessableError

__all__ = ["IPNetwork", "Resolver", "WebhookRefused", "check_destination", "is_public"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]


class WebhookRefused(UnprocessableError):
    """A webhook URL may not be called: off the allowlist, or not a public address."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the event loop's resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    """Whether `address` is a public unicast destination (an IPv4-mapped one judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


async def check_destination(
    host: str,
    port: int,
    *,
    allowed: Sequence[IPNetwork] = (),
    resolve: Resolver = system_resolver,
) -> list[IPAddress]:
    """The addresses of `host`, each public or inside one of the `allowed` networks.

    Raises WebhookRefused when the host does not resolve or any address is refused.
    """
    try:
        found = await resolve(host, port)
    except OSError as exc:
        raise WebhookRefused(f"webhook host {host!r} does not resolve: {exc}") from exc
    if not found:
        raise WebhookRefused(f"webhook host {host!r} resolves to no address")
    addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
    for address in addresses:
        plain = address
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            plain = address.ipv4_mapped
        if is_public(plain) or any(plain in network for network in allowed):
            continue
        raise WebhookRefused(
            f"webhook host {host!r} resolves to {address}, which is not a public address "
            "(loopback, private, link-local or reserved); allow its network with "
            "ORCHESTRATOR_PUSH_PRIVATE_NETWORKS"
        )
    return addresses
