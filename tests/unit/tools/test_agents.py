"""The agents' declaration (launcher/agents.py) and what reads it (`python -m tools.agents`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from launcher.agents import (
    AgentManifest,
    DeclarationError,
    Language,
    load_agents,
    load_manifest,
    pubsub_agents_env,
)
from launcher.runfile import load_runfile
from launcher.security import acl_rules
from tools.agents.__main__ import main
from tools.agents.checks import missing_entries
from tools.agents.commands import run_declared

ROOT = Path(__file__).resolve().parents[3]


def declared_copy(tmp_path: Path) -> Path:
    """The repository's declaration and the files checked against it, copied to `tmp_path`."""
    for folder in ("components", "k8s"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "dapr.yaml", tmp_path / "dapr.yaml")
    for manifest in (ROOT / "agents").glob("*/agent.yaml"):
        target = tmp_path / manifest.relative_to(ROOT)
        target.parent.mkdir(parents=True)
        shutil.copy(manifest, target)
    return tmp_path


def add_agent(root: Path, app_id: str, manifest: str) -> None:
    """Declare one more agent, as a new team would: its dapr.yaml entry and its manifest."""
    runfile = yaml.safe_load((root / "dapr.yaml").read_text())
    runfile["apps"].append(
        {
            "appID": app_id,
            "appDirPath": f"./agents/{app_id}",
            "appPort": 8090,
            "daprHTTPPort": 3590,
            "daprGRPCPort": 3690,
            "command": ["./bin/" + app_id],
        }
    )
    (root / "dapr.yaml").write_text(yaml.safe_dump(runfile))
    (root / "agents" / app_id).mkdir(parents=True)
    (root / "agents" / app_id / "agent.yaml").write_text(manifest)


def test_every_agent_of_dapr_yaml_has_a_manifest() -> None:
    agents = load_agents(ROOT)
    declared = [a.app_id for a in load_runfile(ROOT / "dapr.yaml").apps]
    assert [a.app_id for a in agents] == [d for d in declared if d != "orchestrator"]
    assert all((ROOT / a.manifest.containerfile).is_file() for a in agents)


def test_every_file_that_lists_agents_names_each_declared_one() -> None:
    missing = missing_entries(ROOT, tuple(a.app_id for a in load_agents(ROOT)))
    assert not missing, "run `python -m tools.agents check`:\n" + "\n".join(map(str, missing))


def test_a_new_agent_is_reported_with_each_file_and_entry_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = declared_copy(tmp_path)
    add_agent(root, "wordcount", "language: other\ncontainerfile: agents/wordcount/Containerfile\n")
    assert main(["--root", str(root), "check"]) == 1
    said = capsys.readouterr().err
    assert (
        "k8s/base/dapr-resiliency.yaml: add `wordcount: {timeout: agentCall, retry: agentRetry, "
        "circuitBreaker: agentBreaker}` under spec.targets.apps of Resiliency `hubspoke`"
    ) in said
    pubsub = "components/common/pubsub.yaml: add "
    assert pubsub + "`wordcount` to the pubsub Component's `scopes`" in said
    assert (
        "components/common/pubsub.yaml: add `agent.requests.wordcount` to `orchestrator=` "
        "in `publishingScopes`"
    ) in said
    assert "k8s/base/kustomization.yaml: add `wordcount.yaml` to `resources`" in said
    assert "k8s/overlays/aks/scaling.yaml: add a ScaledObject named `wordcount`" in said
    assert "k8s/base/orchestrator.yaml: add `wordcount` to the orchestrator's" in said
    # The known agents are complete: every line is about the new one.
    lines = [line for line in said.splitlines() if line.startswith("  ")]
    assert lines
    assert all("wordcount" in line for line in lines)


def test_generate_writes_every_entry_of_a_new_agent_but_its_cloud_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = declared_copy(tmp_path)
    add_agent(root, "wordcount", "language: other\ncontainerfile: agents/wordcount/Containerfile\n")
    assert main(["--root", str(root), "generate"]) == 1
    said = capsys.readouterr()
    assert "wrote k8s/base/wordcount.yaml" in said.out
    assert "wrote components/common/pubsub.yaml" in said.out
    remaining = [line.strip() for line in said.err.splitlines() if line.startswith("  ")]
    assert remaining == [
        "k8s/overlays/aks/workload-identity.yaml: add a ServiceAccount named `wordcount` "
        "(copy the calculator's)"
    ]
    # The Redis rules the aks script gives it are those the launcher gives its sidecar.
    script = (root / "k8s/overlays/aks/redis-access-policies.sh").read_text()
    assert f"  wordcount '{acl_rules('wordcount', 'orchestrator')}'\n)" in script
    docs = yaml.safe_load_all((root / "k8s/base/wordcount.yaml").read_text())
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert (annotations["dapr.io/app-id"], annotations["dapr.io/app-port"]) == ("wordcount", "8090")
    # It signs with its own key and reads everyone's public keys (docs/security.md).
    [app] = deployment["spec"]["template"]["spec"]["containers"][:1]
    env = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef") for e in app["env"]}
    assert env["HUBSPOKE_SIGNING_KEY"] == {"name": "wordcount-signing-key", "key": "key"}
    assert env["HUBSPOKE_SIGNING_PUBLIC_KEYS"] == {"name": "signing-public-keys", "key": "keys"}
    # The overlays still render, with the new agent in them.
    kubectl = shutil.which("kubectl")
    if kubectl:
        for overlay in ("dev", "aks"):
            out = subprocess.run(
                [kubectl, "kustomize", str(root / "k8s/overlays" / overlay)],
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            ).stdout
            names = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(out) if d}
            assert ("Deployment", "wordcount") in names, overlay


def test_generate_changes_nothing_when_every_file_names_every_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = declared_copy(tmp_path)
    assert main(["--root", str(root), "generate"]) == 0
    assert capsys.readouterr().out == ""
    for copied in [*(root / "components").rglob("*"), *(root / "k8s").rglob("*")]:
        if copied.is_file():
            assert copied.read_bytes() == (ROOT / copied.relative_to(root)).read_bytes(), copied


def test_a_missing_or_wrong_manifest_names_its_file(tmp_path: Path) -> None:
    with pytest.raises(DeclarationError, match=r"agent\.yaml is missing"):
        load_manifest(tmp_path / "agent.yaml")
    (tmp_path / "agent.yaml").write_text("language: cobol\ncontainerfile: x\n")
    with pytest.raises(DeclarationError, match=str(tmp_path / "agent.yaml")):
        load_manifest(tmp_path / "agent.yaml")
    (tmp_path / "agent.yaml").write_text("language: go\ncontainerfile: x\nbiuld: make\n")
    with pytest.raises(DeclarationError, match="biuld"):
        load_manifest(tmp_path / "agent.yaml")


def test_an_undeclared_agent_stops_the_scripts_with_the_file_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = declared_copy(tmp_path)
    (root / "agents/units/agent.yaml").unlink()
    assert main(["--root", str(root), "build"]) == 2
    assert "agents/units/agent.yaml is missing" in capsys.readouterr().err


def test_declared_commands_run_in_the_agents_folder_and_a_failure_names_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = declared_copy(tmp_path)
    add_agent(
        root,
        "wordcount",
        "language: go\nbuild: pwd > built\ntest: exit 3\ncontainerfile: x/Containerfile\n",
    )
    # Only the new one: the units agent's npm commands need its packages.
    agents = [a for a in load_agents(root) if a.app_id in ("wordcount", "calculator")]
    assert run_declared(agents, "build") == 0
    assert (root / "agents/wordcount/built").read_text().strip() == str(root / "agents/wordcount")
    assert run_declared(agents, "test") == 3
    assert "the command is `test:` in " + str(root / "agents/wordcount/agent.yaml") in (
        capsys.readouterr().err
    )


def test_images_lists_each_agents_containerfile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["images"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["units", "typescript", "containers/Containerfile.node", "agents/units"] in rows
    assert {row[0] for row in rows} == {a.app_id for a in load_agents(ROOT)}


def test_the_hub_subscribes_to_every_agent_of_its_run_file() -> None:
    runfile = load_runfile(ROOT / "dapr.yaml")
    listed = pubsub_agents_env(runfile)["ORCHESTRATOR_PUBSUB_AGENTS"].split(",")
    assert listed == [a.app_id for a in load_agents(ROOT)]
    assert AgentManifest(language=Language.GO, containerfile="x").build is None


def test_the_guides_manifest_example_is_a_valid_manifest() -> None:
    guide = (ROOT / "docs/any-language.md").read_text()
    section = guide.split("## One place per agent", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    manifest = AgentManifest.model_validate(yaml.safe_load(example))
    assert (manifest.language, manifest.build) == (Language.GO, "go build -o bin/weather .")
