"""One version for the system: pyproject.toml's, reported by the services and on the images."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from chassis.testing import InMemoryDapr
from chassis.version import system_version
from tests.unit.orchestrator.conftest import orchestrator_settings, public_client

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_the_system_version_is_pyproject_s() -> None:
    assert system_version() == _pyproject_version()


def test_a_pyproject_without_a_version_is_an_error(tmp_path: Path) -> None:
    bare = tmp_path / "pyproject.toml"
    bare.write_text('[project]\nname = "x"\n')
    with pytest.raises(KeyError):
        system_version(bare)


def test_the_orchestrator_reports_the_system_version() -> None:
    with public_client(InMemoryDapr({}), orchestrator_settings()) as client:
        assert client.get("/healthz").json()["version"] == _pyproject_version()
        assert client.get("/openapi.json").json()["info"]["version"] == _pyproject_version()
        card = client.get("/.well-known/agent-card.json").json()
        assert card["version"] == _pyproject_version()


def test_the_image_script_tags_with_the_system_version() -> None:
    script = (ROOT / "scripts/images.sh").read_text().splitlines()
    line = next(line for line in script if line.startswith("TAG="))
    env = {k: v for k, v in os.environ.items() if k != "TAG"}
    tag = subprocess.run(
        ["bash", "-c", f'{line}; printf %s "$TAG"'],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert tag == _pyproject_version()


def test_every_image_k8s_base_names_has_the_system_version() -> None:
    manifests = "\n".join(p.read_text() for p in sorted((ROOT / "k8s/base").glob("*.yaml")))
    images = re.findall(r"image: (hubspoke/[\w-]+):(\S+)", manifests)
    assert len(images) >= 5, "k8s/base names every service's image"
    assert {tag for _, tag in images} == {_pyproject_version()}, images
