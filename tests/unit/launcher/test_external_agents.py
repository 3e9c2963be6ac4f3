"""The launcher's HTTPEndpoint files and header secrets for the orchestrator's sidecar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from launcher.external_agents import (
    ExternalAgentsError,
    allowlisted,
    external_secrets,
    write_http_endpoints,
    write_sidecar_secrets,
)

ENTRY = {
    "name": "wordcount",
    "base_url": "http://127.0.0.1:9999/ext",
    "headers": [{"name": "Authorization", "secret": "wordcount-token"}],
}


def test_one_http_endpoint_file_per_allowlisted_agent_and_stale_ones_removed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "resources" / "orchestrator"
    folder.mkdir(parents=True)
    (folder / "httpendpoint-gone.yaml").write_text("stale")
    agents = allowlisted({"ORCHESTRATOR_EXTERNAL_AGENTS": json.dumps([ENTRY])})
    [path] = write_http_endpoints(agents, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["httpendpoint-wordcount.yaml"]
    resource = yaml.safe_load(path.read_text())
    assert resource["kind"] == "HTTPEndpoint"
    assert resource["spec"]["baseUrl"] == ENTRY["base_url"]
    assert resource["auth"] == {"secretStore": "sidecar-secrets"}
    assert folder.stat().st_mode & 0o077 == 0


def test_no_allowlist_means_no_endpoints() -> None:
    assert allowlisted({}) == []
    assert external_secrets({}) == {}


def test_a_malformed_allowlist_fails_the_start_with_the_variable_named() -> None:
    with pytest.raises(ExternalAgentsError, match="ORCHESTRATOR_EXTERNAL_AGENTS"):
        allowlisted({"ORCHESTRATOR_EXTERNAL_AGENTS": '[{"name": "x"}]'})


def test_header_secrets_join_the_sidecars_secret_file(tmp_path: Path) -> None:
    secrets_file = tmp_path / "orchestrator.secrets.json"
    secrets_file.write_text(json.dumps({"redis-password": "r"}))
    agents = allowlisted({"ORCHESTRATOR_EXTERNAL_AGENTS": json.dumps([ENTRY])})
    write_sidecar_secrets(agents, {"wordcount-token": "Bearer t", "unused": "u"}, secrets_file)
    assert json.loads(secrets_file.read_text()) == {
        "redis-password": "r",
        "wordcount-token": "Bearer t",
    }
    assert secrets_file.stat().st_mode & 0o077 == 0


def test_a_missing_header_secret_fails_without_showing_values(tmp_path: Path) -> None:
    agents = allowlisted({"ORCHESTRATOR_EXTERNAL_AGENTS": json.dumps([ENTRY])})
    with pytest.raises(ExternalAgentsError, match="lacks the secrets wordcount-token"):
        write_sidecar_secrets(agents, {}, tmp_path / "s.json")
    with pytest.raises(ExternalAgentsError) as raised:
        external_secrets({"HUBSPOKE_EXTERNAL_SECRETS": '{"a": 1, "b": "hunter2"}'})
    assert "hunter2" not in str(raised.value)
