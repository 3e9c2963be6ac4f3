"""Jobs for the ProcessWork tests: a plain module, light to import in a spawned worker."""

from __future__ import annotations

import os
import time


def spin_forever() -> None:
    """A job that never ends by itself and never yields (what a runaway bigint does)."""
    while True:
        pass


def worker_pid() -> int:
    return os.getpid()


def divide(a: int, b: int) -> float:
    return a / b


def pause_then_pid() -> int:
    """Holds a worker for a moment: two at once need two workers."""
    time.sleep(0.3)
    return os.getpid()
