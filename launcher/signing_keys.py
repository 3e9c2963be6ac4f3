"""Print the kubectl commands that create each app's signing key secrets.

    python -m launcher.signing_keys [--namespace hubspoke] orchestrator calculator ... | sh

One Ed25519 key pair per app (`launcher.security.SigningKeys`, as the local
launcher makes per run): a secret `<app-id>-signing-key` (key `key`, the
app's private key) and one secret `signing-public-keys` (key `keys`, every
app's public key as JSON) that k8s/base's Deployments read. The private keys
go only to the pipe; nothing is written to disk.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from launcher.redis_acl import default_apps
from launcher.security import SigningKeys


def commands(namespace: str, app_ids: list[str]) -> list[str]:
    """The `kubectl create secret` lines for fresh keys of `app_ids`."""
    keys = SigningKeys.new(app_ids)
    create = f"kubectl -n {shlex.quote(namespace)} create secret generic"
    lines = [
        f"{create} {app_id}-signing-key --from-literal=key={shlex.quote(private)}"
        for app_id, private in keys.private.items()
    ]
    public = keys.env(app_ids[0])["HUBSPOKE_SIGNING_PUBLIC_KEYS"]
    lines.append(f"{create} signing-public-keys --from-literal=keys={shlex.quote(public)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.signing_keys", description=__doc__)
    parser.add_argument("--namespace", default="hubspoke", help="the apps' namespace")
    parser.add_argument(
        "apps", nargs="*", help="app-ids (default: the orchestrator and dapr.yaml's agents)"
    )
    args = parser.parse_args(argv)
    apps = args.apps or list(default_apps())
    sys.stdout.write("\n".join(commands(args.namespace, apps)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
