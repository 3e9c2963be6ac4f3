#!/usr/bin/env bash
# Builds the image of every service (`make images`) with buildah, no daemon:
#   localhost/hubspoke/<service>:$TAG  for the orchestrator and every agent dapr.yaml
#   declares, each from the Containerfile its manifest names (agents/<app-id>/agent.yaml:
#   `containerfile`, `language`); a TypeScript agent's tag is $UNITS_TAG.
#   Both tags default to the system's version; an agent's card keeps its own SemVer.
#   Python services build from the repository root; any other agent from its folder.
# With no registry reachable here, the base images are made from Debian 12's
# packages (mmdebstrap), once: localhost/hubspoke-builder (python3 + venv)
# builds, localhost/hubspoke-base (python3 only) runs. Elsewhere pass any
# BASE_IMAGE/BUILDER_IMAGE pair with the same Python (the Containerfile's
# defaults are the official python:3.11-slim-bookworm).
# Node agents run on NODE_BASE_IMAGE and build on NODE_BUILDER_IMAGE (default:
# the official node:20-bookworm-slim; made here from the Python base plus the
# host's Node 20, as no registry is reachable).
# Environment: TAG (default: the system's version, pyproject.toml's, which k8s/base names),
# SERVICES (subset),
# BASE_IMAGE, BUILDER_IMAGE, NODE_BASE_IMAGE, NODE_BUILDER_IMAGE, GO_BUILDER_IMAGE.
# Go agents build on GO_BUILDER_IMAGE (made here from the Python base plus the host's
# Go toolchain) from the repository root, since they build against sdk/go.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TAG=${TAG:-$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)}
[ -x .venv/bin/python ] || { echo "[images] run \`make bootstrap\` first" >&2; exit 1; }
# `<app-id> <language> <containerfile> <folder>` per declared agent.
declared=$(.venv/bin/python -m tools.agents images)
SERVICES=${SERVICES:-orchestrator $(cut -d' ' -f1 <<<"$declared" | tr '\n' ' ')}
UNITS_TAG=${UNITS_TAG:-$TAG}
# Debian packages of the local base: numpy's extensions need libstdc++. The tag
# follows the list, so a changed list makes new base images.
PACKAGES="python3 ca-certificates libstdc++6"
base_tag=$(printf %s "$PACKAGES" | sha256sum | cut -c1-12)
BASE_IMAGE=${BASE_IMAGE:-localhost/hubspoke-base:$base_tag}
BUILDER_IMAGE=${BUILDER_IMAGE:-localhost/hubspoke-builder:$base_tag}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The host's CA store, seen by RUN steps only (never in a layer): a build behind
# a TLS-inspecting proxy reaches PyPI as the host does.
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
say() { printf '\033[1m[images]\033[0m %s\n' "$*" >&2; }
has_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

bash scripts/container-tools.sh

# --- the local base images (skipped when they exist) ---------------------------
if [ "$BUILDER_IMAGE" = "localhost/hubspoke-builder:$base_tag" ] && ! has_image "$BUILDER_IMAGE"; then
  say "making $BUILDER_IMAGE from Debian 12's packages (mmdebstrap; a few minutes)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # essential: no apt or shell tools beyond Debian's essential set; docs stripped.
  nice -n 10 mmdebstrap --quiet --variant=essential \
    --include="$(printf %s "$PACKAGES python3-venv" | tr ' ' ,)" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$work/rootfs.tar" "$DEBIAN_MIRROR"
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah config --cmd '["python3"]' --env LANG=C.UTF-8 "$ctr"
  buildah commit --quiet --rm "$ctr" "$BUILDER_IMAGE" >/dev/null
fi
if [ "$BASE_IMAGE" = "localhost/hubspoke-base:$base_tag" ] && ! has_image "$BASE_IMAGE"; then
  say "making $BASE_IMAGE: $BUILDER_IMAGE without venv and the wheels it bundles"
  ctr=$(buildah from --quiet "$BUILDER_IMAGE")
  buildah run --isolation chroot "$ctr" -- dpkg --purge \
    python3-venv python3.11-venv python3-pip-whl python3-setuptools-whl >/dev/null
  # squash: the purged files must not linger in a lower layer.
  buildah commit --quiet --rm --squash "$ctr" "$BASE_IMAGE" >/dev/null
fi

# --- the local Node base images: the Python base plus the host's Node 20 ---------
# (Debian 12 packages Node 18; the host's Node is the one the tests ran.)
node_tag=$(printf '%s %s' "$base_tag" "$(node --version 2>/dev/null || echo none)" | sha256sum | cut -c1-12)
NODE_BASE_IMAGE=${NODE_BASE_IMAGE:-localhost/hubspoke-node-base:$node_tag}
NODE_BUILDER_IMAGE=${NODE_BUILDER_IMAGE:-localhost/hubspoke-node-builder:$node_tag}
node_services=$(awk -v s=" $SERVICES " '$2 == "typescript" && index(s, " " $1 " ") { printf "%s ", $1 }' <<<"$declared")
if [ -n "$node_services" ] && [ "$NODE_BASE_IMAGE" = "localhost/hubspoke-node-base:$node_tag" ] \
    && ! has_image "$NODE_BASE_IMAGE"; then
  node_bin=$(command -v node) || { say "Node 20 is needed for $node_services"; exit 1; }
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  say "making $NODE_BASE_IMAGE and $NODE_BUILDER_IMAGE: $BASE_IMAGE + $("$node_bin" --version)"
  ctr=$(buildah from --quiet "$BASE_IMAGE")
  buildah copy --quiet "$ctr" "$node_bin" /usr/local/bin/node >/dev/null
  buildah config --cmd '["node"]' "$ctr"
  buildah commit --quiet "$ctr" "$NODE_BASE_IMAGE" >/dev/null
  # The builder adds npm; the runtime image never has it.
  buildah copy --quiet "$ctr" "$npm_dir" /usr/local/lib/node_modules/npm >/dev/null
  buildah run --isolation chroot "$ctr" -- ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
  buildah commit --quiet --rm "$ctr" "$NODE_BUILDER_IMAGE" >/dev/null
fi

# --- the local Go builder: the Python base plus the host's Go toolchain ------------
# (the one the agents' tests ran with; Debian 12 packages Go 1.19).
go_services=$(for s in $SERVICES; do [ -f "agents/$s/go.mod" ] && printf '%s ' "$s"; done; true)
go_tag=$(printf '%s %s' "$base_tag" "$(go version 2>/dev/null || echo none)" | sha256sum | cut -c1-12)
GO_BUILDER_IMAGE=${GO_BUILDER_IMAGE:-localhost/hubspoke-go-builder:$go_tag}
if [ -n "$go_services" ] && [ "$GO_BUILDER_IMAGE" = "localhost/hubspoke-go-builder:$go_tag" ] \
  && ! has_image "$GO_BUILDER_IMAGE"; then
  goroot=$(go env GOROOT) || { say "Go is needed for $go_services"; exit 1; }
  say "making $GO_BUILDER_IMAGE: $BASE_IMAGE + $(go version)"
  ctr=$(buildah from --quiet "$BASE_IMAGE")
  buildah copy --quiet "$ctr" "$goroot" /usr/local/go >/dev/null
  buildah commit --quiet --rm "$ctr" "$GO_BUILDER_IMAGE" >/dev/null
fi

# --- one image per service -------------------------------------------------------
for service in $SERVICES; do
  trust=()
  [ -f "$CA_BUNDLE" ] && trust=(--volume "$CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro")
  language=python containerfile=containers/Containerfile.python folder=.
  [ "$service" = orchestrator ] || read -r _ language containerfile folder \
    <<<"$(awk -v s="$service" '$1 == s' <<<"$declared")"
  [ -n "$containerfile" ] || { say "$service is not declared in dapr.yaml"; exit 1; }
  ignore=()
  [ -f "$containerfile.dockerignore" ] && ignore=(--ignorefile "$containerfile.dockerignore")
  if [ "$language" = typescript ]; then
    say "building localhost/hubspoke/$service:$UNITS_TAG"
    nice -n 10 buildah bud --quiet --isolation chroot --layers --format docker "${trust[@]}" \
      -f "$containerfile" "${ignore[@]}" \
      --build-arg BASE_IMAGE="$NODE_BASE_IMAGE" \
      --build-arg BUILDER_IMAGE="$NODE_BUILDER_IMAGE" \
      -t "localhost/hubspoke/$service:$UNITS_TAG" "$folder" >/dev/null
    continue
  fi
  if [ "$language" = go ]; then
    # The build context is the repository root: Go agents build against sdk/go.
    say "building localhost/hubspoke/$service:$TAG"
    nice -n 10 buildah bud --quiet --isolation chroot --layers --format docker "${trust[@]}" \
      -f "$containerfile" "${ignore[@]}" \
      --build-arg BASE_IMAGE="$BASE_IMAGE" \
      --build-arg GO_BUILDER_IMAGE="$GO_BUILDER_IMAGE" \
      --build-arg AGENT="$service" \
      -t "localhost/hubspoke/$service:$TAG" . >/dev/null
    continue
  fi
  if [ "$language" != python ]; then
    # Its Containerfile's own base images; the build context is the agent's folder.
    say "building localhost/hubspoke/$service:$TAG ($language, $containerfile)"
    nice -n 10 buildah bud --quiet --isolation chroot --layers --format docker "${trust[@]}" \
      -f "$containerfile" "${ignore[@]}" -t "localhost/hubspoke/$service:$TAG" "$folder" >/dev/null
    continue
  fi
  case "$service" in
    orchestrator) module=orchestrator ;;
    *) module="agents.$service" ;;
  esac
  data=""
  # The documents it answers from (agents/knowledge/settings.py).
  [ "$service" = knowledge ] && data="README.md k8s/README.md docs"
  say "building localhost/hubspoke/$service:$TAG"
  # docker format: keeps HEALTHCHECK for docker and podman users (OCI drops it).
  nice -n 10 buildah bud --quiet --isolation chroot --layers --format docker "${trust[@]}" \
    -f "$containerfile" "${ignore[@]}" \
    --build-arg BASE_IMAGE="$BASE_IMAGE" \
    --build-arg BUILDER_IMAGE="$BUILDER_IMAGE" \
    --build-arg SERVICE="$module" \
    --build-arg DATA_FILES="$data" \
    -t "localhost/hubspoke/$service:$TAG" . >/dev/null
done
buildah images --filter reference='localhost/hubspoke/*' \
  --format '{{.Name}}:{{.Tag}} {{.Size}}'
