#!/usr/bin/env bash
# The whole test run: lint, types, unit tests, then integration tests that
# start real Redis and daprd sidecars. `make test` runs this after bootstrap.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=.venv/bin

"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy"
# Node agents: types (strict) and their own unit tests (node --test).
for agent in agents/*/package.json; do
  (cd "$(dirname "$agent")" && npx --no-install tsc --noEmit && npm test --silent)
done
"$bin/pytest" "$@"
