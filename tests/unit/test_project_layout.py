"""Rules the source tree keeps: layer direction, component scopes, the run file."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from launcher.runfile import load_runfile
from orchestrator.settings import OrchestratorSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = [ROOT / "orchestrator", *sorted(p.parent for p in (ROOT / "agents").glob("*/main.py"))]
# Modules of the inner layers: they must not know about the web framework or the API.
OUTER = {"api", "deps", "main", "__main__"}


def _is_outer(name: str) -> bool:
    return name in OUTER or name.endswith("_api")


WEB = ("fastapi", "starlette", "uvicorn", "dapr.ext")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# Chassis modules an inner layer may use: they import no web framework themselves.
PURE_CHASSIS = {
    "chassis.batching",
    "chassis.card",
    "chassis.card_signing",
    "chassis.contract",
    "chassis.dapr",
    "chassis.deferred",
    "chassis.documents",
    "chassis.errors",
    "chassis.paths",
    "chassis.settings",
    "chassis.signatures",
    "chassis.skills",
    "chassis.work",
}


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_inner_layers_never_import_outer_ones(service: Path) -> None:
    for module in service.rglob("*.py"):
        if _is_outer(module.stem) or module.stem.startswith("_"):
            continue
        where = module.relative_to(ROOT)
        for name in _imports(module):
            assert not name.startswith(WEB), f"{where} imports {name}"
            assert not _is_outer(name.rsplit(".", 1)[-1]), f"{where} imports {name}"
            if name.startswith("chassis"):
                assert name in PURE_CHASSIS, f"{where} imports {name}"


# The orchestrator's bounded contexts: each a folder; they talk through orchestrator.ports
# (and share only the root's errors, settings, metrics, ranking and edge wiring).
CONTEXTS = ("registry", "tasks", "planning", "conversations")
# The hub's A2A edge: outside every context (it may use tasks; none may use it).
EDGE = "edge"
# The operator console: static files over the public API; it imports no context.
CONSOLE = "console"


@pytest.mark.parametrize("context", CONTEXTS)
def test_orchestrator_contexts_do_not_import_each_other(context: str) -> None:
    folder = ROOT / "orchestrator" / context
    assert (folder / "__init__.py").exists(), f"orchestrator/{context}/ is a package"
    others = tuple(f"orchestrator.{c}" for c in (*CONTEXTS, EDGE, CONSOLE) if c != context)
    for module in folder.rglob("*.py"):
        for name in _imports(module):
            assert not name.startswith(others), (
                f"{module.relative_to(ROOT)} imports {name}: go through orchestrator.ports"
            )


def test_orchestrator_root_keeps_only_wiring_edge_and_shared_kernel() -> None:
    root_modules = {p.stem for p in (ROOT / "orchestrator").glob("*.py")}
    allowed = {
        "__init__",
        "__main__",
        "main",
        "deps",
        "auth",
        "callers",  # who calls and their roles: the edge, tasks and A2A all use it
        "events_api",
        "errors",
        "metrics",
        "ports",
        "ranking",
        "settings",
    }
    assert root_modules <= allowed, f"move {sorted(root_modules - allowed)} into a context"
    packages = {p.parent.name for p in (ROOT / "orchestrator").glob("*/__init__.py")}
    folders = {*CONTEXTS, EDGE, CONSOLE}
    assert packages <= folders, f"unexpected folders {sorted(packages - folders)}"


def test_the_a2a_edge_reaches_the_registry_only_through_ports() -> None:
    for module in (ROOT / "orchestrator" / EDGE).rglob("*.py"):
        for name in _imports(module):
            assert not name.startswith(("orchestrator.registry", "orchestrator.planning")), (
                f"{module.relative_to(ROOT)} imports {name}: go through orchestrator.ports"
            )


@pytest.mark.parametrize("module", sorted(PURE_CHASSIS))
def test_chassis_modules_for_inner_layers_import_no_web_framework(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    assert not any(name.startswith(WEB) for name in _imports(path))


def test_every_component_is_scoped_to_apps_of_the_run_file() -> None:
    app_ids = {app.app_id for app in load_runfile(ROOT / "dapr.yaml").apps}
    components = list((ROOT / "components").rglob("*.yaml"))
    assert components
    for path in components:
        resource = yaml.safe_load(path.read_text())
        scopes = resource.get("scopes")
        if resource["kind"] != "Component" and scopes is None:
            continue  # e.g. a Resiliency meant for every app
        assert scopes, f"{path.relative_to(ROOT)} has no scopes"
        assert set(scopes) <= app_ids, f"{path.relative_to(ROOT)} scopes unknown apps"


def test_run_file_ports_and_ids_are_unique() -> None:
    apps = load_runfile(ROOT / "dapr.yaml").apps
    ports = [p for a in apps for p in (a.app_port, a.dapr_http_port, a.dapr_grpc_port)]
    assert len(set(ports)) == len(ports)
    assert len({a.app_id for a in apps}) == len(apps)


def _pubsub_metadata() -> tuple[set[str], dict[str, str]]:
    pubsub = yaml.safe_load((ROOT / "components" / "common" / "pubsub.yaml").read_text())
    return set(pubsub["scopes"]), {
        m["name"]: m.get("value", "") for m in pubsub["spec"]["metadata"]
    }


def _per_app(value: str) -> dict[str, set[str]]:
    return {
        app: set(topics.split(",")) for app, topics in (p.split("=", 1) for p in value.split(";"))
    }


def test_every_agent_has_its_topics() -> None:
    """An agent missing from the pub/sub scopes could never register or take async work."""
    apps = {app.app_id for app in load_runfile(ROOT / "dapr.yaml").apps}
    scopes, metadata = _pubsub_metadata()
    where = "components/common/pubsub.yaml"
    assert not apps - scopes, f"add {sorted(apps - scopes)} to scopes in {where}"
    publishers = _per_app(metadata["publishingScopes"])
    subscribers = _per_app(metadata["subscriptionScopes"])
    for app in sorted(apps - {"orchestrator"}):
        work = f"agent.requests.{app}"
        agent_topics = {f"agents.registry.{app}", f"agent.results.{app}", f"tasks.deadletter.{app}"}
        assert publishers.get(app) == agent_topics, (
            f"let {app} publish exactly {sorted(agent_topics)} (publishingScopes in {where})"
        )
        assert work in subscribers.get(app, set()), f"let {app} subscribe to {work} in {where}"
        assert work in publishers["orchestrator"], f"let the orchestrator publish {work} in {where}"
        for own in (work, *agent_topics):
            for topics in ("allowedTopics", "protectedTopics"):
                assert own in metadata[topics].split(","), f"add {own} to {topics} in {where}"
        for own in agent_topics:
            assert own in subscribers["orchestrator"], f"let the orchestrator subscribe to {own}"


def test_every_app_may_keep_state() -> None:
    apps = {app.app_id for app in load_runfile(ROOT / "dapr.yaml").apps}
    for path in (ROOT / "components").glob("state-*/statestore.yaml"):
        scopes = set(yaml.safe_load(path.read_text())["scopes"])
        assert scopes == apps, f"scope {path.relative_to(ROOT)} to {sorted(apps)}"


def _resources(path: Path, kind: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == kind]


def test_the_registry_store_is_the_state_store_without_a_retry_policy() -> None:
    """A state transaction that lost an ETag race is retried by daprd under a retry
    policy (seconds, holding every registry write behind it): the registry's store
    is the same store under a name no Resiliency targets, for the orchestrator only."""
    component_files = [
        *(ROOT / "components").glob("state-*/*.yaml"),
        ROOT / "k8s" / "base" / "dapr-components.yaml",
    ]
    components: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path in component_files:
        for doc in _resources(path, "Component"):
            components.setdefault(doc["metadata"]["name"], []).append((path, doc))
    assert len(components["registrystore"]) == len(components["statestore"]) == 3
    for (path, registry), (_, state) in zip(
        sorted(components["registrystore"], key=lambda c: str(c[0].parent)),
        sorted(components["statestore"], key=lambda c: str(c[0].parent)),
        strict=True,
    ):
        assert registry["scopes"] == ["orchestrator"], path
        assert registry["spec"]["type"] == state["spec"]["type"], path
        wanted = {m["name"]: m for m in state["spec"]["metadata"]}
        for entry in registry["spec"]["metadata"]:
            assert wanted[entry["name"]] == entry, f"{path}: {entry['name']} as in statestore"
    for path in [*(ROOT / "components").rglob("*.yaml"), *(ROOT / "k8s").rglob("*.yaml")]:
        for doc in _resources(path, "Resiliency"):
            targets = doc["spec"].get("targets", {}).get("components", {})
            assert "registrystore" not in targets, f"{path} gives the registry's store a policy"
    assert OrchestratorSettings.model_fields["registry_store"].default == "registrystore"


def test_every_app_has_its_role_configuration() -> None:
    for app in load_runfile(ROOT / "dapr.yaml").apps:
        role = "orchestrator" if app.app_id == "orchestrator" else "agent"
        assert app.config_file_path == f"./dapr-config/{role}.yaml", app.app_id


def test_the_console_imports_no_context() -> None:
    contexts = tuple(f"orchestrator.{c}" for c in (*CONTEXTS, EDGE))
    for module in (ROOT / "orchestrator" / CONSOLE).rglob("*.py"):
        for name in _imports(module):
            assert not name.startswith(contexts), f"{module.relative_to(ROOT)} imports {name}"
