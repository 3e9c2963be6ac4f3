"""A run's files are 0600 in 0700 folders, including what earlier runs left."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from launcher.private_files import make_private_dir, open_private_append, write_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tightening_makes_leftovers_private(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "logs").mkdir(parents=True)
    (run / "logs").chmod(0o755)
    (run / "traces.jsonl").write_text("{}")
    (run / "traces.jsonl").chmod(0o644)
    make_private_dir(run, tighten=True)
    assert (_mode(run), _mode(run / "logs"), _mode(run / "traces.jsonl")) == (0o700, 0o700, 0o600)


def test_written_and_appended_files_are_0600_even_if_they_existed(tmp_path: Path) -> None:
    existing = tmp_path / "old.log"
    existing.write_text("a\n")
    existing.chmod(0o644)
    with open_private_append(existing) as log:
        log.write(b"b\n")
    write_private(tmp_path / "api-key", "k")
    assert (_mode(existing), _mode(tmp_path / "api-key")) == (0o600, 0o600)
    assert existing.read_text() == "a\nb\n"
    assert (tmp_path / "api-key").read_text() == "k"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_parents_it_creates_are_private_too(tmp_path: Path) -> None:
    umask = os.umask(0o022)  # a usual one: mkdir(parents=True) would make the parents 0755
    try:
        make_private_dir(tmp_path / "resources" / "orchestrator")
    finally:
        os.umask(umask)
    for folder in (tmp_path / "resources", tmp_path / "resources" / "orchestrator"):
        assert _mode(folder) == 0o700, folder
