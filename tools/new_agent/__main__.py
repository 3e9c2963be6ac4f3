"""`python -m tools.new_agent <app-id> <language> [--root DIR]` (what `make new-agent` runs)."""

from __future__ import annotations

import argparse
import sys

from launcher.toolchain import REPO_ROOT
from tools.new_agent.scaffold import NewAgentError, create_agent, templates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.new_agent", description=__doc__)
    parser.add_argument("name", help="the new agent's app-id: lower-case letters and digits")
    parser.add_argument("language", help=f"a template: {', '.join(templates())}")
    parser.add_argument("--root", default=REPO_ROOT, type=type(REPO_ROOT), help="repository")
    args = parser.parse_args(argv)
    try:
        written = create_agent(args.root, args.name, args.language)
    except NewAgentError as exc:
        sys.stderr.write(f"[new-agent] {exc}\n")
        return 2
    sys.stdout.writelines(f"wrote {path}\n" for path in written)
    sys.stdout.write(
        f"\n{args.name} is declared (dapr.yaml, agents/{args.name}/agent.yaml).\n"
        f"Next: make bootstrap; make run; make conformance APP={args.name}\n"
        f"and 25 labelled requests in eval/sets/{args.name}.yaml (make test asks for them).\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
