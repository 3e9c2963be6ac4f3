"""Run the agents' declared `build` or `test` commands, each in its own folder."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Literal

from launcher.agents import MANIFEST_NAME, Agent

__all__ = ["Step", "run_declared"]

Step = Literal["build", "test"]


def run_declared(agents: Sequence[Agent], step: Step) -> int:
    """Run each agent's `step` command (`bash -c`, in agents/<app-id>), in order; agents
    without one are skipped. Stops at the first failure and returns its exit status (0 when
    all passed), after naming the manifest line that declared the command on stderr."""
    for agent in agents:
        command = getattr(agent.manifest, step)
        if command is None:
            continue
        sys.stderr.write(f"[agents] {step} {agent.app_id}: {command}\n")
        done = subprocess.run(["bash", "-c", command], cwd=agent.folder, check=False)
        if done.returncode != 0:
            manifest = agent.folder / MANIFEST_NAME
            sys.stderr.write(
                f"[agents] {agent.app_id}'s {step} failed (exit {done.returncode}); "
                f"the command is `{step}:` in {manifest}\n"
            )
            return done.returncode
    return 0
