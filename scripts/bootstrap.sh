#!/usr/bin/env bash
# Installs whatever is missing to run Hubspoke on this machine, and nothing
# that is already there: uv and the Python venv (.venv), Redis (Debian
# package), and the pinned Dapr runtime built from the Go module proxy.
# Safe to run again: every step is skipped or takes seconds when done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

UV_VERSION=0.13.9
say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Python: uv, then the locked dependencies in .venv --------------------
if command -v uv >/dev/null 2>&1; then
  uv=$(command -v uv)
else
  uv=.cache/uv-venv/bin/uv
  if ! [ -x "$uv" ] || [ "$("$uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    say "installing uv $UV_VERSION into .cache/uv-venv"
    python3 -m venv .cache/uv-venv
    .cache/uv-venv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
fi
"$uv" sync --frozen --quiet

# --- Node agents: locked packages (npm ci) and the compiled app ---------------
# npm ci again only when the lockfile is newer than the last install (npm writes
# node_modules/.package-lock.json at the end of one); the build takes seconds.
for agent in agents/*/package-lock.json; do
  [ -e "$agent" ] || continue
  dir=$(dirname "$agent")
  if ! command -v npm >/dev/null 2>&1; then
    say "Node 20 and npm are needed for $dir"
    exit 1
  fi
  if ! [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    say "installing $dir's packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd "$dir" && npm run --silent build)
done

# --- Go agents: a static binary in the agent's folder (bin/<name>) --------------
# Modules from the Go module proxy, checked against go.sum (-mod=readonly); Go's
# build cache makes a build with nothing changed take about a second.
for agent in agents/*/go.mod; do
  [ -e "$agent" ] || continue
  dir=$(dirname "$agent")
  command -v go >/dev/null 2>&1 || { say "Go is needed for $dir"; exit 1; }
  (cd "$dir" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly \
    go build -trimpath -o "bin/$(basename "$dir")" "./cmd/$(basename "$dir")")
done

# --- Redis (pub/sub broker; optional state store) ---------------------------
if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    redis-server >/dev/null
fi

# --- Chromium (the console's browser test; Playwright drives Debian's build) ----
# Playwright's own browser downloads are not used: `playwright install` is never run.
if ! [ -x /usr/bin/chromium ]; then
  say "installing chromium from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium >/dev/null
fi

# --- Dapr runtime (daprd, sentry) --------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  say "Go is needed to build the Dapr runtime (go.mod asks for $(grep '^go ' tools/dapr/go.mod))"
  exit 1
fi
bash tools/dapr/build.sh

# --- kustomize (renders k8s/ in the tests) -----------------------------------
if ! command -v kubectl >/dev/null 2>&1 && ! [ -x .dapr/bin/kustomize ]; then
  say "building kustomize from the Go module proxy"
  GOBIN="$PWD/.dapr/bin" GOFLAGS= go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.3
fi

# --- KEDA's CRDs (the overlays' ScaledObjects are validated against them) -----
# They ship in KEDA's Go module; the module cache keeps them for the tests.
GOFLAGS= go mod download github.com/kedacore/keda/v2@v2.21.0
