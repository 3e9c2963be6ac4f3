"""The level of one line of a service's output, to show only warnings and errors on a terminal.

The stack's processes write four formats:

- daprd and sentry: logfmt, `time="..." level=warning msg="..."` (or JSON with
  `--log-as-json`: `{"level":"warning",...}`);
- our Python services (chassis/logs.py): JSON, `{"level": "WARNING", ...}`;
- the TypeScript agent (pino): JSON, `{"level":"WARN",...}`, or pino's
  numbers (`{"level":40}`: 30 info, 40 warn, 50 error, 60 fatal);
- redis-server: `pid:role dd Mon yyyy hh:mm:ss.mmm <mark> message`, where the
  mark is `.` debug, `-` verbose, `*` notice, `#` warning (redis.conf, "loglevel").

A line in none of these (a Python traceback printed before logging was set
up, a crash message) has no level: `notable` shows it, as it is rarely
anything but trouble. A few warnings every local start prints, about what
this stack leaves out on purpose (actors, the scheduler) or Redis's start-up
banner (logged with the warning mark), are `EXPECTED` and not shown either.
"""

from __future__ import annotations

import json
import re
from enum import IntEnum

__all__ = ["EXPECTED", "Level", "line_level", "notable"]

# Warnings of every local start that say nothing is wrong (still in the log files).
EXPECTED = (
    # daprd: actors, workflows and the scheduler are not used here (no placement service).
    "placement service is not configured",
    "No scheduler host addresses provided",
    # daprd: a notice about a default of Dapr 1.15, on every sidecar, twice.
    "spec.metric.http.increasedCardinality",
    # redis-server's banner, logged with the warning mark.
    "oO0OoO0OoO0Oo Redis is starting",
    "# Redis version=",
    "# Configuration loaded",
    "# Server initialized",
    # ...and its goodbye when the launcher stops it.
    "Received SIGTERM scheduling shutdown",
    "# User requested shutdown",
    "# Redis is now ready to exit",
)


class Level(IntEnum):
    """Severity, comparable: `Level.WARNING <= level` holds for warnings and worse."""

    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40


_NAMES = {
    "trace": Level.DEBUG,
    "debug": Level.DEBUG,
    "info": Level.INFO,
    "notice": Level.INFO,
    "warn": Level.WARNING,
    "warning": Level.WARNING,
    "error": Level.ERROR,
    "critical": Level.ERROR,
    "fatal": Level.ERROR,
    "panic": Level.ERROR,
}
# pino's numeric levels (https://getpino.io/#/docs/api?id=levels).
_PINO = [(50, Level.ERROR), (40, Level.WARNING), (30, Level.INFO), (0, Level.DEBUG)]
_REDIS_MARKS = {".": Level.DEBUG, "-": Level.DEBUG, "*": Level.INFO, "#": Level.WARNING}

_LOGFMT_LEVEL = re.compile(r'(?:^|\s)level="?([A-Za-z]+)"?(?:\s|$)')
_REDIS_LINE = re.compile(r"^\d+:[XCSM] \d{2} \w{3} \d{4} [\d:.]+ ([.\-*#]) ")


def _from_value(value: object) -> Level | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return next(level for floor, level in _PINO if value >= floor)
    if isinstance(value, str):
        return _NAMES.get(value.strip().lower())
    return None


def line_level(line: str) -> Level | None:
    """The level a line of output states, or None if it states none."""
    text = line.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            return _from_value(record.get("level", record.get("severity")))
    if match := _LOGFMT_LEVEL.search(text):
        return _NAMES.get(match.group(1).lower())
    if match := _REDIS_LINE.match(text):
        return _REDIS_MARKS[match.group(1)]
    return None


def notable(line: str) -> bool:
    """Whether a line belongs on a quiet terminal: a warning, an error, or no level at all."""
    if not line.strip():
        return False
    if any(expected in line for expected in EXPECTED):
        return False
    level = line_level(line)
    return level is None or level >= Level.WARNING
