"""Print each app's Redis ACL rules, one `<app-id>\\t<rules>` line per app.

    python -m launcher.redis_acl [--orchestrator orchestrator] calculator summarizer ...

The rules are those `launcher.security.acl_rules` gives each sidecar's Redis
user locally; k8s/overlays/aks/redis-access-policies.sh carries the same
strings as Azure Cache for Redis access policies (a unit test keeps them equal).
"""

from __future__ import annotations

import argparse
import sys

from launcher.security import acl_rules

DEFAULT_APPS = ("orchestrator", "calculator", "summarizer", "knowledge", "units", "calendar")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.redis_acl", description=__doc__)
    parser.add_argument("--orchestrator", default="orchestrator", help="the hub's app-id")
    parser.add_argument("apps", nargs="*", default=list(DEFAULT_APPS), help="app-ids")
    args = parser.parse_args(argv)
    for app_id in args.apps:
        sys.stdout.write(f"{app_id}\t{acl_rules(app_id, args.orchestrator)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
