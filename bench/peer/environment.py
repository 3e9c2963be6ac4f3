"""The peer's own Python environment: dapr-agents and what its apps import, never in .venv.

`ensure_python()` creates `.cache/peer-venv` with uv from the hashed
bench/peer/requirements.txt (compiled from requirements.in by
`uv pip compile --generate-hashes`), and does nothing when the installed set
already matches it (a stamp of the file). Hubspoke's uv.lock and .venv are
never touched: the two systems' dependencies cannot meet.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from launcher.toolchain import REPO_ROOT, ToolMissingError

__all__ = ["REQUIREMENTS", "VENV", "ensure_python"]

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
VENV = REPO_ROOT / ".cache" / "peer-venv"
_PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def _uv() -> str:
    found = shutil.which("uv") or str(REPO_ROOT / ".cache" / "uv-venv" / "bin" / "uv")
    if not Path(found).exists():
        raise ToolMissingError("uv not found: run `make bootstrap`")
    return found


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise ToolMissingError(f"{' '.join(argv[:3])} failed:\n{done.stderr[-3000:]}")


def ensure_python() -> Path:
    """The peer environment's interpreter, installed or brought up to date first.

    Raises ToolMissingError when uv is missing or the install fails.
    """
    python = VENV / "bin" / "python"
    stamp_file = VENV / ".requirements.sha256"
    stamp = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return python
    uv = _uv()
    if not python.exists():
        _run([uv, "venv", "--quiet", "--python", _PYTHON_VERSION, str(VENV)])
    _run([uv, "pip", "sync", "--quiet", "--require-hashes", "--python", str(python),
          str(REQUIREMENTS)])  # fmt: skip
    stamp_file.write_text(stamp)
    return python
