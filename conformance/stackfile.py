"""The running stack as the launcher describes it in `<run dir>/stack.json`.

The launcher writes the file (launcher/stackfile.py, its shape documented
there) at start; paths in it are relative to the run folder. The kit reads
it and the secret files it names, and refuses files others could read: they
hold the orchestrator's credentials.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

__all__ = ["STACK_FILE", "StackDescription", "StackFileError", "load_stack"]

STACK_FILE = "stack.json"


class StackFileError(Exception):
    """The stack description is missing, unreadable, malformed or not private."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Orchestrator(_Strict):
    app_id: str
    url: str
    dapr_http_url: str


class _Redis(_Strict):
    address: str
    credentials_file: str


class _StackFile(_Strict):
    version: Literal[1]
    orchestrator: _Orchestrator
    pubsub: str
    api_key_file: str
    dapr_api_token_file: str
    redis: _Redis
    run_secrets_file: str | None = None
    signing_key_file: str | None = None


@dataclass(frozen=True)
class StackDescription:
    """Where the stack is and the orchestrator's credentials, read from the run folder."""

    orchestrator_app_id: str
    orchestrator_url: str
    dapr_http_url: str
    pubsub: str
    api_key: SecretStr
    dapr_api_token: SecretStr
    redis_host: str
    redis_port: int
    redis_user: str
    redis_password: SecretStr
    # label -> value of every credential of the run (for the leak check only)
    run_secrets: dict[str, str]
    # the orchestrator's message-signing key (work must carry the hub's signature); None: unsigned
    signing_key: SecretStr | None = None


def _read_private(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as exc:
        raise StackFileError(f"cannot read {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StackFileError(f"{path} is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    return text


def load_stack(run_dir: Path) -> StackDescription:
    """Read `run_dir/stack.json` and the files it names; StackFileError says what is wrong."""
    path = run_dir / STACK_FILE
    if not path.exists():
        raise StackFileError(
            f"no {path}: start the stack first (make run), or pass --run-dir of a running one"
        )
    try:
        described = _StackFile.model_validate_json(_read_private(path))
    except ValidationError as exc:
        raise StackFileError(f"{path} is not a stack description: {exc.errors()[:3]}") from exc
    try:
        redis = json.loads(_read_private(run_dir / described.redis.credentials_file))
        run_secrets = (
            json.loads(_read_private(run_dir / described.run_secrets_file))
            if described.run_secrets_file
            else {}
        )
        host, _, port = described.redis.address.rpartition(":")
        return StackDescription(
            orchestrator_app_id=described.orchestrator.app_id,
            orchestrator_url=described.orchestrator.url,
            dapr_http_url=described.orchestrator.dapr_http_url,
            pubsub=described.pubsub,
            api_key=SecretStr(_read_private(run_dir / described.api_key_file).strip()),
            dapr_api_token=SecretStr(
                _read_private(run_dir / described.dapr_api_token_file).strip()
            ),
            redis_host=host,
            redis_port=int(port),
            redis_user=str(redis["redis-username"]),
            redis_password=SecretStr(str(redis["redis-password"])),
            run_secrets={str(k): str(v) for k, v in run_secrets.items()},
            signing_key=(
                SecretStr(_read_private(run_dir / described.signing_key_file).strip())
                if described.signing_key_file
                else None
            ),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StackFileError(f"{path} names a file that is malformed: {exc!r}") from exc
