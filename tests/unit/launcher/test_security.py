"""The Redis users a run writes: who may log in, to which keys, and who can read the files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from launcher.security import RedisUsers


def _users(tmp_path: Path) -> RedisUsers:
    users = RedisUsers.new(tmp_path / "secrets", ["orchestrator", "calculator"], "orchestrator")
    old = os.umask(0o022)  # a permissive umask must not make the files readable
    try:
        users.write()
    finally:
        os.umask(old)
    return users


def test_the_acl_file_turns_the_default_user_off_and_holds_no_password(tmp_path: Path) -> None:
    users = _users(tmp_path)
    acl = users.acl_file.read_text()
    assert acl.splitlines()[0] == "user default off"
    assert not any(password in acl for password in users.passwords.values())
    assert acl.count(" on #") == 2


def _rules(tmp_path: Path, app_id: str) -> list[list[str]]:
    """The user's root rules, then each selector's (Redis 7: `(rules)`)."""
    line = next(
        row for row in _users(tmp_path).acl_file.read_text().splitlines() if f" {app_id} " in row
    )
    root, *selectors = line.split("(")
    return [root.split(), *(part.strip(") ").split() for part in selectors)]


def test_an_agent_user_reaches_its_own_keys_and_topics_only(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "calculator")
    keys = {word[1:] for words in rules for word in words if word.startswith("~")}
    assert "calculator||*" in keys
    assert "agent.requests.calculator" in keys
    assert not any(k.startswith("orchestrator") or k == "tasks.requested" for k in keys)
    assert "agent.requests.*" not in keys
    assert "task.completed" not in keys  # the summarizer's to read, the orchestrator's to write
    assert "-@dangerous" in rules[0]


def test_an_agent_may_append_only_to_the_streams_it_produces(tmp_path: Path) -> None:
    root, consumed, produced = _rules(tmp_path, "calculator")
    assert [w for w in root if w.startswith("~")] == ["~calculator||*"]
    assert [w for w in consumed if w.startswith("~")] == ["~agent.requests.calculator"]
    assert "+xadd" not in consumed
    assert {"+xreadgroup", "+xack"} <= set(consumed)
    assert sorted(w for w in produced if w.startswith("~")) == [
        "~agent.results.calculator",
        "~agents.registry.calculator",
        "~tasks.deadletter.calculator",
    ]
    assert [w for w in produced if w.startswith("+")] == ["+xadd"]


def test_each_sidecar_gets_its_own_credentials_in_a_private_file(tmp_path: Path) -> None:
    users = _users(tmp_path)
    secret = json.loads(users.secrets_file("calculator").read_text())
    assert secret == {
        "redis-username": "calculator",
        "redis-password": users.passwords["calculator"],
    }
    assert users.folder.stat().st_mode & 0o777 == 0o700
    for path in users.folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
