"""Print each app's Redis ACL rules, one `<app-id>\\t<rules>` line per app.

    python -m launcher.redis_acl [--orchestrator orchestrator] [app-id ...]

The rules are those `launcher.security.acl_rules` gives each sidecar's Redis
user locally; k8s/overlays/aks/redis-access-policies.sh carries the same
strings as Azure Cache for Redis access policies (a unit test keeps them equal).
"""

from __future__ import annotations

import argparse
import sys

from launcher.agents import HUB_APP_ID, agent_ids
from launcher.runfile import load_runfile
from launcher.security import acl_rules
from launcher.toolchain import REPO_ROOT


def default_apps() -> tuple[str, ...]:
    """The hub and every agent dapr.yaml declares (launcher/agents.py)."""
    return (HUB_APP_ID, *agent_ids(load_runfile(REPO_ROOT / "dapr.yaml")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.redis_acl", description=__doc__)
    parser.add_argument("--orchestrator", default="orchestrator", help="the hub's app-id")
    parser.add_argument(
        "apps", nargs="*", help="app-ids (default: the orchestrator and dapr.yaml's agents)"
    )
    args = parser.parse_args(argv)
    for app_id in args.apps or default_apps():
        sys.stdout.write(f"{app_id}\t{acl_rules(app_id, args.orchestrator)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
