"""`stack.json`: where a running stack is, for tools that check it from outside.

The conformance kit (`python -m conformance <app-id>`) reads it to act as the
orchestrator: through the orchestrator's own daprd (its Dapr API token), on
its public API (the API key) and on Redis (its Redis user, to count results
in the `agent.results` stream). Every path in it is relative to the run
folder. The secrets stay in files of their own, mode 0600 in the 0700 run
folder, as the rest of the run's secrets do; `stack.json` holds no secret.

`run-secrets.json` lists every credential of the run by what it is (API key,
each app's tokens, each Redis password), so a checker can tell whether an
answer leaked one without being told which.

Shape of `stack.json` (version 1):

    {"version": 1,
     "orchestrator": {"app_id": "orchestrator", "url": "http://127.0.0.1:8000",
                      "dapr_http_url": "http://127.0.0.1:3500"},
     "pubsub": "pubsub",
     "api_key_file": "api-key",
     "dapr_api_token_file": "secrets/orchestrator.dapr-api-token",
     "redis": {"address": "127.0.0.1:6390",
               "credentials_file": "secrets/orchestrator.secrets.json"},
     "run_secrets_file": "secrets/run-secrets.json",
     "signing_key_file": "secrets/orchestrator.signing-key"}

`signing_key_file` is the orchestrator's message-signing key: work the kit
publishes must carry the hub's signature, or the agent drops it
(docs/security.md, "Signatures").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.private_files import make_private_dir, write_private

if TYPE_CHECKING:
    from launcher.stack import LocalStack

__all__ = ["STACK_FILE", "write_stack_file"]

STACK_FILE = "stack.json"
API_KEY_FILE = "api-key"
PUBSUB = "pubsub"  # components/common/pubsub.yaml


def write_stack_file(stack: LocalStack, orchestrator: str) -> Path:
    """Write `stack.json` and the files it names into the run folder; returns its path."""
    run_dir = stack.run_dir
    secrets_dir = make_private_dir(stack.redis_users.folder)
    write_private(run_dir / API_KEY_FILE, stack.api_key)
    token_file = secrets_dir / f"{orchestrator}.dapr-api-token"
    write_private(token_file, stack.tokens[orchestrator].dapr_api_token)
    signing_key_file = secrets_dir / f"{orchestrator}.signing-key"
    write_private(signing_key_file, stack.signing_keys.private[orchestrator])
    run_secrets = secrets_dir / "run-secrets.json"
    write_private(run_secrets, json.dumps(_labelled_secrets(stack), indent=2))
    ports = stack.endpoints[orchestrator]
    description = {
        "version": 1,
        "orchestrator": {
            "app_id": orchestrator,
            "url": ports.app_url,
            "dapr_http_url": ports.dapr_url,
        },
        "pubsub": PUBSUB,
        "api_key_file": API_KEY_FILE,
        "dapr_api_token_file": str(token_file.relative_to(run_dir)),
        "redis": {
            "address": stack.redis_address,
            "credentials_file": str(
                stack.redis_users.secrets_file(orchestrator).relative_to(run_dir)
            ),
        },
        "run_secrets_file": str(run_secrets.relative_to(run_dir)),
        "signing_key_file": str(signing_key_file.relative_to(run_dir)),
    }
    path = run_dir / STACK_FILE
    write_private(path, json.dumps(description, indent=2))
    return path


def _labelled_secrets(stack: LocalStack) -> dict[str, str]:
    labelled = {
        "the orchestrator's public API key": stack.api_key,
        "the orchestrator's step-id key": stack.step_id_key,
    }
    for app_id, tokens in stack.tokens.items():
        labelled[f"{app_id}'s app API token"] = tokens.app_api_token
        labelled[f"{app_id}'s Dapr API token"] = tokens.dapr_api_token
    for app_id, password in stack.redis_users.passwords.items():
        labelled[f"{app_id}'s Redis password"] = password
    for app_id, key in stack.signing_keys.private.items():
        labelled[f"{app_id}'s signing key"] = key
    return labelled
