"""What each service imports before it can be ready (a sys.modules check, not a timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Packages only a cloud provider needs (Semantic Kernel itself imports openai's types).
CLOUD_PACKAGES = ("openai", "azure", "semantic_kernel", "aiortc")


def _imported_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after `code` runs in a fresh interpreter."""
    listing = "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    probe = f"{code}\nimport json, sys\n{listing}"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_orchestrator_imports_no_model_client() -> None:
    imported = _imported_after("import orchestrator.main")
    assert "fastapi" in imported  # the probe sees what was imported
    assert imported.isdisjoint(CLOUD_PACKAGES), imported & set(CLOUD_PACKAGES)


def test_the_local_model_loads_no_cloud_provider_client() -> None:
    imported = _imported_after(
        "from orchestrator.planning.chat_services import build_chat_service\n"
        "from tests.unit.orchestrator.conftest import orchestrator_settings\n"
        "build_chat_service(orchestrator_settings())\n"
    )
    assert "semantic_kernel" in imported  # the local model runs on Semantic Kernel
    assert imported.isdisjoint({"azure", "aiortc"}), imported & {"azure", "aiortc"}


def test_importing_the_knowledge_agent_defers_its_index_packages() -> None:
    imported = _imported_after("import agents.knowledge.main")
    assert "fastapi" in imported
    deferred = {"semantic_kernel", "bm25s", "scipy", "openai"}
    assert imported.isdisjoint(deferred), imported & deferred
