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


def test_an_agent_user_reaches_its_own_keys_and_topics_only(tmp_path: Path) -> None:
    line = next(
        row for row in _users(tmp_path).acl_file.read_text().splitlines() if " calculator " in row
    )
    keys = {word[1:] for word in line.split() if word.startswith("~")}
    assert "calculator||*" in keys
    assert "agent.requests.calculator" in keys
    assert not any(k.startswith("orchestrator") or k == "tasks.requested" for k in keys)
    assert "agent.requests.*" not in keys
    assert "-@dangerous" in line


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
