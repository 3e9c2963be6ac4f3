"""The service images: built by `make images` (buildah), then run on real sidecars.

Each image runs as a buildah container (`buildah run --isolation chroot`,
host network) in place of the app process of the local stack: the same real
daprd, Sentry and Redis as every other integration test. The first run builds
the base images and downloads the locked dependencies (minutes); later runs
reuse buildah's layers.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from chassis.version import system_version
from launcher import LocalStack, StackOptions
from launcher.agents import load_agents
from tests.integration.conftest import FAST_REGISTRY, STACKS, wait_registered

ROOT = Path(__file__).resolve().parents[2]
TAG = system_version()  # pyproject.toml: every image is tagged with it
# The Python services and their modules, and the TypeScript agents (containers/Containerfile.node),
# as dapr.yaml and each agent's manifest declare them (launcher/agents.py).
MODULES = {
    "orchestrator": "orchestrator",
    **{a.app_id: a.app.command[2] for a in load_agents(ROOT) if a.manifest.language == "python"},
}
NODE_AGENTS = {a.app_id: TAG for a in load_agents(ROOT) if a.manifest.language == "typescript"}
# The Go agents' images (containers/Containerfile.go): one static binary, /app/agent.
GO_AGENTS = {a.app_id: TAG for a in load_agents(ROOT) if a.manifest.language == "go"}
# Passes the stack's settings for the app into the container, then runs the
# service in it. buildah does not hand its own environment on.
IN_CONTAINER = r"""
args=()
for name in $(compgen -e); do
  case "$name" in
    APP_*|DAPR_*|OTEL_*|HUBSPOKE_*|ORCHESTRATOR_*|KNOWLEDGE_*|CALCULATOR_*|SUMMARIZER_*)
      args+=(-e "$name=${!name}") ;;
  esac
done
exec buildah run --isolation chroot --workingdir /app "${args[@]}" "$1" -- "${@:2}"
"""
UNITS = {"kB": 1e3, "MB": 1e6, "GB": 1e9}
# World-writable by design (FHS temporary and lock directories).
SHARED_TMP = {"/tmp", "/var/tmp", "/run/lock"}


def buildah(*args: str, timeout: float = 120) -> str:
    return subprocess.run(
        ["buildah", *args], capture_output=True, text=True, check=True, timeout=timeout
    ).stdout


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    """Every service image, built (or found up to date) by scripts/images.sh."""
    build = subprocess.run(
        ["bash", "scripts/images.sh"], cwd=ROOT, capture_output=True, text=True, timeout=3600
    )
    assert build.returncode == 0, build.stderr[-4000:]
    python = {service: f"localhost/hubspoke/{service}:{TAG}" for service in MODULES}
    node = {service: f"localhost/hubspoke/{service}:{tag}" for service, tag in NODE_AGENTS.items()}
    go = {service: f"localhost/hubspoke/{service}:{tag}" for service, tag in GO_AGENTS.items()}
    return {**python, **node, **go}


@pytest.fixture(scope="module")
def containers(images: dict[str, str]) -> Iterator[dict[str, str]]:
    """One working container per image, removed afterwards."""
    names = {service: f"hubspoke-test-{service}-{os.getpid()}" for service in images}
    try:
        for service, image in images.items():
            buildah("from", "--quiet", "--name", names[service], image)
        yield names
    finally:
        subprocess.run(["buildah", "rm", *names.values()], capture_output=True, timeout=120)


def in_container(container: str, code: str) -> str:
    return buildah("run", "--isolation", "chroot", container, "--", "python", "-c", code)


def test_each_image_is_reported_with_its_size(images: dict[str, str]) -> None:
    sizes = {}
    for service, image in images.items():
        (info,) = json.loads(buildah("images", "--json", image))
        number, unit = info["size"].split()  # e.g. "677 MB"
        sizes[service] = float(number) * UNITS[unit]
    print("image sizes (MB):", {s: round(b / 1e6) for s, b in sizes.items()})  # docs/deployment.md
    # The Python images share their layers: the service-specific part is small.
    python = [size for service, size in sizes.items() if service in MODULES]
    assert max(python) - min(python) < 5_000_000


def test_the_service_user_can_write_only_temporary_directories(
    containers: dict[str, str],
) -> None:
    probe = """
import json, os
found = []
for top in os.listdir("/"):
    if top in ("proc", "sys", "dev"):
        continue
    for folder, dirs, files in os.walk("/" + top):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and os.access(path, os.W_OK):
                found.append(path)
print(json.dumps({"uid": os.getuid(), "writable": found}))
"""
    for service, container in containers.items():
        if service not in MODULES:
            continue  # the probe is Python; the Node image is checked in the next test
        report = json.loads(in_container(container, probe))
        assert report["uid"] == 10001, service
        outside = [p for p in report["writable"] if not any(
            p == d or p.startswith(d + "/") for d in SHARED_TMP
        )]  # fmt: skip
        assert outside == [], service


def test_images_hold_no_build_tools_or_caches(containers: dict[str, str]) -> None:
    probe = """
import importlib.util, json, os, shutil
print(json.dumps({
    "modules": [m for m in ("pip", "setuptools", "uv") if importlib.util.find_spec(m)],
    "tools": [t for t in ("uv", "pip", "gcc", "cc", "make", "apt-get") if shutil.which(t)],
    "caches": [os.path.join(d, f)
               for top in ("/root", "/tmp", "/var/cache/apt/archives", "/var/lib/apt/lists")
               for d, _, files in os.walk(top) for f in files if f != "lock"],
    "sources": sorted(os.listdir("/app")),
}))
"""
    for service, container in containers.items():
        if service not in MODULES:
            continue
        report = json.loads(in_container(container, probe))
        assert (report["modules"], report["tools"], report["caches"]) == ([], [], []), service
        data = {"README.md", "k8s", "docs"} if service == "knowledge" else set()
        top = MODULES[service].split(".")[0]
        # pyproject.toml: the system's version (chassis/version.py); phrasing: how
        # requests are read, shared by the planner and the Python agents
        shared = {"chassis", "phrasing", "pyproject.toml"}
        assert report["sources"] == sorted({*shared, top, *data}), service


def test_every_image_answers_healthz_and_serves_tasks_on_real_sidecars(
    containers: dict[str, str], tmp_path: Path
) -> None:
    stack = LocalStack(
        StackOptions(free_ports=True, echo=False, run_dir=tmp_path, env=FAST_REGISTRY)
    )
    apps = []
    for app in stack.runfile.apps:
        if app.app_id in MODULES:
            command = ["python", "-m", MODULES[app.app_id]]
        elif app.app_id in GO_AGENTS:
            command = ["/app/agent"]
        else:
            command = ["node", "dist/main.js"]
        argv = ["bash", "-c", IN_CONTAINER, "bash", containers[app.app_id], *command]
        apps.append(app.model_copy(update={"command": argv}))
    stack.runfile = stack.runfile.model_copy(update={"apps": apps})
    STACKS.append(stack)  # its logs are printed if the test fails
    try:
        stack.start(timeout_s=180)  # every app's /healthz and every sidecar answered
        wait_registered(stack, timeout_s=60)
        for service in (*MODULES, *NODE_AGENTS, *GO_AGENTS):
            with stack.client(service) as client:
                health = client.get("/healthz").json()
            assert health["status"] == "ok"
            assert health["app_id"] == service
        with stack.client("orchestrator") as client:
            question = "what is 17% of 240, and what does the README say about access control?"
            task = client.post("/v1/tasks", json={"input": question}).json()
            summary = client.post("/v1/tasks", json={"input": "summarize: A b. C d."}).json()
        assert task["status"] == "completed", task
        assert task["steps"][0]["output"] == "17% of 240 = 40.8"
        assert "access control" in task["steps"][1]["output"].lower()
        assert summary["agent"] == "summarizer", summary
        assert summary["status"] == "completed", summary
    finally:
        stack.stop()
        STACKS.remove(stack)


def test_the_node_image_runs_as_the_service_user_without_npm(containers: dict[str, str]) -> None:
    for service in NODE_AGENTS:
        probe = (
            "const fs = require('fs'); const path = require('path');"
            "const tools = ['npm', 'npx', 'gcc', 'make', 'apt-get'].filter(t =>"
            " (process.env.PATH || '').split(':').some(d => fs.existsSync(path.join(d, t))));"
            "console.log(JSON.stringify({uid: process.getuid(), tools}));"
        )
        report = json.loads(
            buildah("run", "--isolation", "chroot", containers[service], "--", "node", "-e", probe)
        )
        assert report == {"uid": 10001, "tools": []}, service


def test_the_go_image_holds_the_binary_alone_and_runs_as_the_service_user(
    containers: dict[str, str],
) -> None:
    for service in GO_AGENTS:
        container = containers[service]
        run = ("run", "--isolation", "chroot", "--env", f"APP_ID={service}", container, "--")
        assert buildah(*run, "id", "-u").strip() == "10001", service
        assert buildah(*run, "ls", "-A", "/app").split() == ["agent"], service
        card = json.loads(buildah(*run, "/app/agent", "--card"))
        assert card["capabilities"]["extensions"][0]["params"]["appId"] == service
