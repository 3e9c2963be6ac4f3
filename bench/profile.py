"""Where a service spends its CPU under load: py-spy samples, summarised for our code.

py-spy samples the process from outside (no code change, `--nonblocking` so
it does not pause it); the raw output is one line per distinct stack, root
first, with its sample count. Each sample is charged to the deepest frame
that is ours (orchestrator/, chassis/, agents/): the function whose own work,
or the library calls it makes, the time went to. Library time is also
grouped by the package of the frame that was running.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Hotspot", "Profile", "start_profiler", "summarize"]

_OURS = re.compile(r"^(?:orchestrator|chassis|agents)/")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*)\)$")


@dataclass(frozen=True)
class Hotspot:
    where: str  # file:function
    deepest_share: float  # of all samples: this is the deepest frame of ours
    inclusive_share: float  # of all samples: this is on the stack


@dataclass(frozen=True)
class Profile:
    samples: int
    ours_share: float  # samples with any frame of ours on the stack
    hotspots: tuple[Hotspot, ...]
    packages: tuple[tuple[str, float], ...]  # package of the running frame -> share
    running: tuple[tuple[str, float], ...]  # file:function of the running frame -> share


def start_profiler(pid: int, duration_s: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy recording `pid` for `duration_s` seconds into `out` (raw format)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    argv = [
        str(py_spy), "record", "--pid", str(pid), "--duration", str(duration_s),
        "--rate", "200", "--format", "raw", "--nolineno", "--nonblocking",
        "--output", str(out),
    ]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _frames(stack: str) -> list[tuple[str, str]]:
    frames = []
    for raw in stack.split(";"):
        match = _FRAME.match(raw)
        if match:
            frames.append((match["file"], match["function"]))
    return frames


def _package(file: str) -> str:
    head = file.split("/", 1)[0]
    return head.removesuffix(".py") if head else "?"


def summarize(raw: Path, top: int = 12) -> Profile:
    """Hot spots of our code and library time by package, from a py-spy raw file."""
    deepest: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    running: Counter[str] = Counter()
    total = ours = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count, frames = int(count_text), _frames(stack)
        total += count
        if frames:
            packages[_package(frames[-1][0])] += count
            running[f"{frames[-1][0]}:{frames[-1][1]}"] += count
        mine = [f"{file}:{function}" for file, function in frames if _OURS.match(file)]
        if mine:
            ours += count
            deepest[mine[-1]] += count
            for where in set(mine):
                inclusive[where] += count
    share = 1 / total if total else 0.0
    hotspots = tuple(
        Hotspot(where, n * share, inclusive[where] * share) for where, n in deepest.most_common(top)
    )
    by_package = tuple((name, n * share) for name, n in packages.most_common(top))
    by_frame = tuple((where, n * share) for where, n in running.most_common(top))
    return Profile(total, ours * share, hotspots, by_package, by_frame)
