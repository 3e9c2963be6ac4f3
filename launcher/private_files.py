"""A run's files are the user's alone: 0600 files in 0700 folders.

The run folder holds the API key, the sentry CA's keys, traces, logs and the
SQLite databases daprd creates. The launcher's children run with umask 077
(`PRIVATE_UMASK`, so whatever they create is private); the launcher writes
its own files through these helpers, and tightens what earlier runs left.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

__all__ = ["PRIVATE_UMASK", "make_private_dir", "open_private_append", "write_private"]

PRIVATE_UMASK = 0o077
_FILE_MODE = 0o600
_DIR_MODE = 0o700


def make_private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` (and parents) if missing and make it 0700.

    With `tighten`, everything already inside becomes 0600/0700 too: files
    left by a run from before this rule, or written by a tool with another umask.
    """
    # mkdir(parents=True) gives the parents it creates the umask's mode, not `mode`.
    for missing in reversed([p for p in (path, *path.parents) if not p.exists()]):
        missing.mkdir(exist_ok=True, mode=_DIR_MODE)
        missing.chmod(_DIR_MODE)
    path.chmod(_DIR_MODE)
    if tighten:
        for inner in path.rglob("*"):
            if inner.is_symlink():
                continue
            inner.chmod(_DIR_MODE if inner.is_dir() else _FILE_MODE)
    return path


def _open_private(path: Path, flags: int) -> int:
    fd = os.open(path, flags | os.O_CREAT | os.O_WRONLY, _FILE_MODE)
    os.fchmod(fd, _FILE_MODE)  # an existing file keeps its old mode otherwise
    return fd


def open_private_append(path: Path) -> IO[bytes]:
    """Open `path` for appending bytes, created 0600 (and made 0600 if it existed)."""
    return os.fdopen(_open_private(path, os.O_APPEND), "ab")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a partial file is never seen), mode 0600."""
    partial = path.with_name(f".{path.name}.tmp")
    with os.fdopen(_open_private(partial, os.O_TRUNC), "w") as out:
        out.write(text)
    partial.replace(path)
