"""`make new-agent`'s generator (tools/new_agent): names, templates, the declaration it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.agents import load_agents
from tests.unit.tools.test_agents import declared_copy
from tools.new_agent.__main__ import main
from tools.new_agent.scaffold import NewAgentError, create_agent


def test_a_python_agent_is_declared_on_the_next_free_ports(tmp_path: Path) -> None:
    root = declared_copy(tmp_path)
    taken = max(a.app.app_port for a in load_agents(root))
    written = create_agent(root, "wordy", "python")
    assert {"agents/wordy/main.py", "agents/wordy/agent.yaml", "dapr.yaml"} <= set(written)
    new = {a.app_id: a for a in load_agents(root)}["wordy"]
    assert new.app.command == ["python", "-m", "agents.wordy"]
    assert (new.app.app_port, new.app.dapr_http_port, new.app.dapr_grpc_port) == (
        taken + 1,
        taken + 1 - 8000 + 3500,
        taken + 1 - 8000 + 3600,
    )
    assert new.manifest.language == "python"
    main_py = (root / "agents/wordy/main.py").read_text()
    assert "{{name}}" not in main_py
    assert 'AgentSettings(app_id="wordy")' in main_py


@pytest.mark.parametrize(
    ("name", "language", "reason"),
    [
        ("Wordy", "python", "lower-case letters and digits"),
        ("word-y", "python", "lower-case letters and digits"),
        ("units", "python", "'units' is taken"),
        ("wordy", "cobol", "no template for 'cobol'"),
    ],
)
def test_a_bad_request_says_why_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, language: str, reason: str
) -> None:
    root = declared_copy(tmp_path)
    before = (root / "dapr.yaml").read_text()
    assert main([name, language, "--root", str(root)]) == 2
    assert reason in capsys.readouterr().err
    assert (root / "dapr.yaml").read_text() == before
    with pytest.raises(NewAgentError):
        create_agent(root, name, language)
