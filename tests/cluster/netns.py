"""A network namespace joined to the host by a veth pair, for the control plane.

kube-apiserver refuses a loopback `--advertise-address`, and the host's own
address is not the test's to use; a namespace the test creates gives it an
address of its own (`inside`), which the host reaches over the veth pair.
Every control-plane process runs inside it, so its fixed ports (4000, 6443,
8080, 9090...) never meet another process on a shared machine.

Needs CAP_NET_ADMIN (`ip netns add`); `NetnsError` says so when it is missing.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

__all__ = ["NetnsError", "NetworkNamespace"]


class NetnsError(RuntimeError):
    """`ip` refused to create the namespace or its link (message: ip's stderr)."""


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)}: {done.stderr.strip()} (needs CAP_NET_ADMIN)")


@dataclass(frozen=True)
class NetworkNamespace:
    """`ip netns` NAME with a /30 link: the host side is `outside`, the namespace side `inside`."""

    name: str
    outside: str
    inside: str

    @classmethod
    def create(cls) -> NetworkNamespace:
        """Create a namespace named after this process (unique on the host); bring its link up."""
        tag = os.getpid() % 100000
        subnet = 10 + os.getpid() % 200  # 10.254.<subnet>.0/30
        ns = cls(f"hsk-{tag}", f"10.254.{subnet}.1", f"10.254.{subnet}.2")
        host_end, ns_end = f"hskh{tag}", f"hskn{tag}"
        _ip("netns", "add", ns.name)
        try:
            _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
            _ip("link", "set", ns_end, "netns", ns.name)
            _ip("addr", "add", f"{ns.outside}/30", "dev", host_end)
            _ip("link", "set", host_end, "up")
            for args in (
                ("addr", "add", f"{ns.inside}/30", "dev", ns_end),
                ("link", "set", ns_end, "up"),
                ("link", "set", "lo", "up"),
            ):
                _ip("netns", "exec", ns.name, "ip", *args)
        except NetnsError:
            ns.delete()
            raise
        return ns

    def exec_argv(self, argv: list[str]) -> list[str]:
        """`argv` run inside the namespace (`ip netns exec` execs it: same pid, same session)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def delete(self) -> None:
        """Delete the namespace; its veth pair goes with it."""
        subprocess.run(
            ["ip", "netns", "del", self.name], capture_output=True, timeout=30, check=False
        )
