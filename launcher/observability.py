"""Tracing for a local stack: the OTLP receiver process, and configs that point at it."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from launcher.collector import SECRETS_ENV
from launcher.private_files import make_private_dir, write_private
from launcher.processes import Supervisor, http_ok, wait_until_ready
from launcher.toolchain import REPO_ROOT

__all__ = ["LocalTracing"]


class LocalTracing:
    def __init__(self, run_dir: Path, port: int) -> None:
        self.run_dir = run_dir
        self.port = port
        self._rendered: set[Path] = set()

    @property
    def endpoint(self) -> str:
        """What apps get as OTEL_EXPORTER_OTLP_ENDPOINT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def traces_file(self) -> Path:
        return self.run_dir / "traces.jsonl"

    def start_receiver(
        self, supervisor: Supervisor, timeout_s: float, secrets: Sequence[str] = ()
    ) -> None:
        """Start `launcher.collector` and wait until it answers; it redacts `secrets`."""
        argv = [
            sys.executable, "-m", "launcher.collector",
            "--port", str(self.port), "--out", str(self.traces_file),
        ]  # fmt: skip
        # In its environment, not its command line: `ps` shows arguments to every user.
        env = {**os.environ, SECRETS_ENV: "\n".join(secrets)}
        process = supervisor.start("otlp", argv, env=env, cwd=REPO_ROOT)
        wait_until_ready(
            process, lambda: http_ok(f"{self.endpoint}/healthz"), timeout_s=timeout_s,
            what="answering", interval_s=0.05,
        )  # fmt: skip

    def render(self, path: Path) -> Path:
        """The Configuration with this run's trace endpoint (daprd has no env lookup there).

        Written once per run and atomically: sidecars already started read the
        same file, and a half-written one would silently give them defaults.
        """
        rendered = self.run_dir / "dapr-config" / path.name
        if rendered in self._rendered:
            return rendered
        config = yaml.safe_load(path.read_text())
        otel = config.get("spec", {}).get("tracing", {}).get("otel")
        if otel is not None:
            otel["endpointAddress"] = f"127.0.0.1:{self.port}"
        make_private_dir(rendered.parent)
        write_private(rendered, yaml.safe_dump(config, sort_keys=False))
        self._rendered.add(rendered)
        return rendered
