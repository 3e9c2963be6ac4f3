"""kubectl against the test's control plane, and bounded waits on what it reports.

kubectl (built with the control plane, tools/cluster/build.sh) rather than a
Python client: `apply --server-side -k` renders the overlay with kubectl's
own kustomize and applies it the way an operator of the cluster would, and
its refusals are the messages a user would see.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["ApplyError", "Kubectl", "WaitTimeout", "wait_for", "wait_until_no_problems"]

T = TypeVar("T")
Obj = dict[str, Any]


class ApplyError(RuntimeError):
    """The API server refused a manifest; the message is kubectl's, naming the object."""


class WaitTimeout(AssertionError):
    """A condition did not hold in time; the message says what was last seen."""


def wait_for(
    probe: Callable[[], T | None], *, timeout_s: float, what: str, interval_s: float = 1.0
) -> T:
    """Call `probe` until it returns something other than None (or False); return that.

    Raises WaitTimeout naming `what` after `timeout_s` seconds.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise WaitTimeout(f"{what}: not seen within {timeout_s:.0f}s")
        time.sleep(interval_s)


def wait_until_no_problems(
    problems: Callable[[], list[str]], *, timeout_s: float, what: str, interval_s: float = 2.0
) -> None:
    """Poll `problems` until it returns []; WaitTimeout listing the last problems seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        seen = problems()
        if not seen:
            return
        if time.monotonic() > deadline:
            listed = "\n  ".join(seen)
            raise WaitTimeout(f"{what}, after {timeout_s:.0f}s:\n  {listed}")
        time.sleep(interval_s)


class Kubectl:
    """`kubectl --kubeconfig <kubeconfig>`; every call bounded by `timeout_s`."""

    def __init__(self, binary: Path, kubeconfig: Path, timeout_s: float = 120) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.timeout_s = timeout_s

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run kubectl; the result carries returncode, stdout and stderr (no exception)."""
        return subprocess.run(
            [str(self.binary), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=self.timeout_s,
            check=False,
        )

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Run kubectl and return its stdout; RuntimeError with its stderr if it fails."""
        done = self.run(*args, stdin=stdin)
        if done.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def apply(self, *, kustomization: Path | None = None, manifest: str | None = None) -> str:
        """Server-side apply a kustomization folder or a YAML text; ApplyError if refused."""
        source = ["-k", str(kustomization)] if kustomization else ["-f", "-"]
        done = self.run(
            "apply", "--server-side", "--force-conflicts", "--field-manager=hubspoke-test",
            *source, stdin=manifest,
        )  # fmt: skip
        if done.returncode != 0:
            raise ApplyError(done.stderr.strip() or done.stdout.strip())
        return done.stdout

    def get(self, resource: str, *, namespace: str | None = None, name: str = "") -> Obj:
        """The object (or, without `name`, the List) as JSON."""
        ns = ["-n", namespace] if namespace else []
        args = ["get", resource, *([name] if name else []), *ns, "-o", "json"]
        parsed: Obj = json.loads(self.ok(*args))
        return parsed

    def items(self, resource: str, *, namespace: str | None = None) -> list[Obj]:
        """The objects of one resource type in `namespace`."""
        found: list[Obj] = self.get(resource, namespace=namespace)["items"]
        return found
