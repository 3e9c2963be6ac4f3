"""`python -m tools.agents list|build|test|images|check`: the agents' declaration, read.

list [--language L]   the declared agents' app-ids, one a line
build | test          run each agent's declared command in its folder (bootstrap, make test)
images                `<app-id> <language> <containerfile> <folder>` a line (make images)
check                 every file that lists agents names each declared one; else says
                      which file lacks what (exit 1)
"""

from __future__ import annotations

import argparse
import sys

from launcher.agents import DeclarationError, load_agents
from launcher.toolchain import REPO_ROOT
from tools.agents.checks import missing_entries
from tools.agents.commands import run_declared
from tools.agents.generate import write_entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.agents", description=__doc__)
    parser.add_argument("--root", default=REPO_ROOT, type=type(REPO_ROOT), help="repository")
    parser.add_argument("command", choices=["list", "build", "test", "images", "generate", "check"])
    parser.add_argument("--language", help="list: only the agents in this language")
    parser.add_argument("only", nargs="*", help="build, test: only these app-ids")
    args = parser.parse_args(argv)
    try:
        agents = load_agents(args.root)
    except DeclarationError as exc:
        sys.stderr.write(f"[agents] {exc}\n")
        return 2
    if args.command in ("build", "test"):
        chosen = [a for a in agents if not args.only or a.app_id in args.only]
        return run_declared(chosen, args.command)
    if args.command in ("generate", "check"):
        if args.command == "generate":
            apps = tuple(a.app for a in agents)
            sys.stdout.writelines(f"wrote {path}\n" for path in write_entries(args.root, apps))
        missing = missing_entries(args.root, tuple(a.app_id for a in agents))
        if missing:
            sys.stderr.write(
                "[agents] dapr.yaml declares agents these files do not name yet "
                '(docs/any-language.md, "One place per agent"; '
                "`python -m tools.agents generate` writes all but the aks identity):\n"
            )
            sys.stderr.writelines(f"  {m}\n" for m in missing)
        return 1 if missing else 0
    for agent in agents:
        if args.command == "list" and args.language in (None, agent.manifest.language):
            sys.stdout.write(f"{agent.app_id}\n")
        elif args.command == "images":
            folder = agent.folder.relative_to(args.root)
            manifest = agent.manifest
            sys.stdout.write(
                f"{agent.app_id} {manifest.language} {manifest.containerfile} {folder}\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
