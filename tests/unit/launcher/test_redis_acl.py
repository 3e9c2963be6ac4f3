"""`python -m launcher.redis_acl`: each app's Redis user rules, as the AKS script needs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher import redis_acl
from launcher.security import RedisUsers, acl_rules


def test_prints_each_apps_rules_as_the_local_acl_file_has_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert redis_acl.main(["--orchestrator", "hub", "hub", "calculator"]) == 0
    printed = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert printed == {"hub": acl_rules("hub", "hub"), "calculator": acl_rules("calculator", "hub")}
    # The same rules the local Redis loads, after each user's name and password hash.
    users = RedisUsers.new(tmp_path, ["hub", "calculator"], "hub")
    users.write()
    acl = users.acl_file.read_text().splitlines()
    for app_id, rules in printed.items():
        (line,) = (line for line in acl if line.startswith(f"user {app_id} "))
        assert line.endswith(f" resetchannels {rules}")


def test_an_agent_may_append_only_to_its_own_streams() -> None:
    rules = acl_rules("calculator", "orchestrator")
    producer = rules.rsplit("(", 1)[1]
    assert producer == (
        "~agent.results.calculator ~tasks.deadletter.calculator ~agents.registry.calculator +xadd)"
    )
    assert "xadd" not in rules.rsplit("(", 1)[0]
