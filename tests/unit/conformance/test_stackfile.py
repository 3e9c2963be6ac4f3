"""The stack description: the launcher writes it, the kit reads it back, privately."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.stackfile import StackFileError, load_stack
from launcher import LocalStack, StackOptions
from launcher.stackfile import write_stack_file


def test_what_the_launcher_writes_the_kit_reads(tmp_path: Path) -> None:
    stack = LocalStack(StackOptions(free_ports=True, echo=False, run_dir=tmp_path))
    stack.redis_users.write()
    path = write_stack_file(stack, "orchestrator")
    described = load_stack(tmp_path)
    ports = stack.endpoints["orchestrator"]
    assert described.orchestrator_url == ports.app_url
    assert described.dapr_http_url == ports.dapr_url
    assert described.api_key.get_secret_value() == stack.api_key
    assert (
        described.dapr_api_token.get_secret_value() == stack.tokens["orchestrator"].dapr_api_token
    )
    assert (described.redis_port, described.redis_user) == (stack.redis_port, "orchestrator")
    assert (
        described.redis_password.get_secret_value() == (stack.redis_users.passwords["orchestrator"])
    )
    assert set(described.run_secrets.values()) == set(stack.secrets)
    # The kit signs its work as the hub, or agents drop it.
    assert described.signing_key is not None
    assert described.signing_key.get_secret_value() == stack.signing_keys.private["orchestrator"]
    assert stack.api_key not in path.read_text()  # the description names files, holds no secret
    for written in (
        path,
        tmp_path / "api-key",
        tmp_path / "secrets" / "run-secrets.json",
        tmp_path / "secrets" / "orchestrator.signing-key",
    ):
        assert written.stat().st_mode & 0o777 == 0o600


def test_no_stack_description_says_to_start_the_stack(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match="start the stack first"):
        load_stack(tmp_path)


def test_a_description_others_can_read_is_refused(tmp_path: Path) -> None:
    stack = LocalStack(StackOptions(free_ports=True, echo=False, run_dir=tmp_path))
    stack.redis_users.write()
    write_stack_file(stack, "orchestrator")
    (tmp_path / "api-key").chmod(0o644)
    with pytest.raises(StackFileError, match="readable by others"):
        load_stack(tmp_path)
