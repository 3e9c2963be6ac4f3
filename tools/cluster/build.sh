#!/usr/bin/env bash
# Builds the control plane `make test-cluster` runs, from the Go module proxy,
# into a cache outside the repository keyed on the pinned versions:
#
#   ${XDG_CACHE_HOME:-~/.cache}/hubspoke/cluster/<key>/
#     bin/     etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#              kubectl, kwok, dapr operator/injector/sentry, keda-operator, keda-adapter
#     crds/    dapr/ and keda/ CRDs, copied from the pinned modules
#     stages/  kwok's node and pod stages, copied from its module
#
#   bash tools/cluster/build.sh              build what is missing (cold: ~25 min on 2 cores)
#   bash tools/cluster/build.sh --print-dir  print the cache folder and exit
#   bash tools/cluster/build.sh --check      exit 0 if everything is built, 1 otherwise
#   bash tools/cluster/build.sh --check-core exit 0 if all but KEDA is built (the dev overlay's checks)
#   bash tools/cluster/build.sh --only keda  one group: dapr, etcd, kwok, kube or keda
#
# One binary at a time and niced, so a shared machine keeps working. A binary
# already in the cache is not rebuilt, so an interrupted build resumes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

ETCD_VERSION=v3.6.17
KUBE_VERSION=v1.34.4
KWOK_VERSION=v0.8.0
KEDA_VERSION=v2.21.0
# Dapr's control plane comes from the same module (and replace lines) as daprd.
DAPR_VERSION=$(sed -n 's#^\s*github.com/dapr/dapr \(v[^ ]*\)$#\1#p' "$root/tools/dapr/go.mod" | head -1)
BINARIES="etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok operator injector sentry keda-operator keda-adapter"

# The key is the pinned versions and the Go toolchain, not this script, so
# editing the script does not throw away 25 minutes of compiling.
key=$({ echo "$ETCD_VERSION $KUBE_VERSION $KWOK_VERSION $KEDA_VERSION"; go env GOVERSION 2>/dev/null || true
        cat "$root/tools/dapr/go.mod"; } | sha256sum | cut -c1-16)
cache=${HUBSPOKE_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hubspoke/cluster/$key}

complete() {
  local name
  for name in $BINARIES; do [ -x "$cache/bin/$name" ] || return 1; done
  [ -d "$cache/crds/dapr" ] && [ -d "$cache/crds/keda" ] && [ -d "$cache/stages" ]
}

# Everything the dev overlay's checks need: the control plane and Dapr's, no KEDA.
core_complete() {
  local name
  for name in $BINARIES; do
    case $name in keda-*) continue ;; esac
    [ -x "$cache/bin/$name" ] || return 1
  done
  [ -d "$cache/crds/dapr" ] && [ -d "$cache/stages" ]
}

only=""
case ${1:-} in
  --print-dir) echo "$cache"; exit 0 ;;
  --check) complete; exit $? ;;
  --check-core) core_complete; exit $? ;;
  --only) only=${2:?--only needs a group: dapr, etcd, kwok, kube or keda} ;;
  "") ;;
  *) echo "unknown option $1 (known: --print-dir, --check, --check-core, --only GROUP)" >&2; exit 2 ;;
esac

log() { printf '[cluster-build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false"
mkdir -p "$cache/bin" "$cache/work"
modcache=$(go env GOMODCACHE)
started=$(date +%s)

# go_build NAME DIR PACKAGE [LDFLAGS]: build PACKAGE in the scratch module DIR.
go_build() {
  local name=$1 dir=$2 pkg=$3 ldflags=${4:-} t0
  if [ -x "$cache/bin/$name" ]; then log "$name: cached"; return; fi
  t0=$(date +%s)
  log "$name: building $pkg"
  (cd "$dir" && nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" -o "$cache/bin/$name.tmp" "$pkg")
  mv -f "$cache/bin/$name.tmp" "$cache/bin/$name"
  log "$name: built in $(( $(date +%s) - t0 ))s"
}

# scratch_module DIR MODULE VERSION [MAIN_GO]: a module requiring MODULE@VERSION
# with the replace lines of MODULE's own go.mod (local paths mapped to the
# same repository's published modules by replace_version).
scratch_module() {
  local dir=$1 module=$2 version=$3
  mkdir -p "$dir"
  (cd "$dir" && go mod download "$module@$version")
  local gomod
  gomod=$(cd "$dir" && go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  {
    echo "module hubspoke.dev/cluster/$(basename "$dir")"
    echo "go $(go env GOVERSION | sed 's/^go//')"
    echo "require $module $version"
    # Replace lines pointing at folders of the same repository become the
    # published module at the pinned version; the others are copied as they are.
    awk -v ver="$4" '
      /^replace \(/ { inblock = 1; next }
      inblock && /^\)/ { inblock = 0; next }
      { line = $0; sub(/^replace /, "", line) }
      (inblock || $0 ~ /^replace /) && line ~ /=>/ {
        split(line, parts, "=>"); left = parts[1]; right = parts[2]
        gsub(/^[ \t]+|[ \t]+$/, "", left); gsub(/^[ \t]+|[ \t]+$/, "", right)
        split(left, l, " ")
        # etcd guards its old import path with a replace to a missing folder.
        if (right ~ /FORBIDDEN/) next
        if (right ~ /^\./) print "replace " l[1] " => " l[1] " " ver
        else print "replace " left " => " right
      }' "$gomod"
  } > "$dir/go.mod"
}

build_etcd() {
  local dir="$cache/work/etcd"
  [ -x "$cache/bin/etcd" ] && { log "etcd: cached"; return; }
  scratch_module "$dir" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION"
  cat > "$dir/main.go" <<'GO'
// Command etcd is etcd's own entry point, etcdmain.Main.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go_build etcd "$dir" .
}

build_kube() {
  local dir="$cache/work/kube" minor v
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  # Staging modules (./staging/src/k8s.io/*) are published as v0.<minor>.<patch>.
  scratch_module "$dir" k8s.io/kubernetes "$KUBE_VERSION" "v0.${KUBE_VERSION#v1.}"
  cat > "$dir/tools.go" <<'GO'
//go:build tools

package tools
GO
  v=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    v="$v -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  done
  for name in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    go_build "$name" "$dir" "k8s.io/kubernetes/cmd/$name" "$v"
  done
}

build_kwok() {
  local dir="$cache/work/kwok" src
  scratch_module "$dir" sigs.k8s.io/kwok "$KWOK_VERSION" "$KWOK_VERSION"
  go_build kwok "$dir" sigs.k8s.io/kwok/cmd/kwok
  src="$modcache/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  rm -rf "$cache/stages" && mkdir -p "$cache/stages"
  local stage file
  for stage in node/fast node/heartbeat-with-lease pod/fast; do
    for file in "$src/$stage/"*.yaml; do
      [ "$(basename "$file")" = kustomization.yaml ] && continue
      cp "$file" "$cache/stages/${stage//\//-}-$(basename "$file")"
    done
  done
  chmod -R u+w "$cache/stages"
}

build_dapr() {
  local dir="$cache/work/dapr" ver=${DAPR_VERSION#v}
  mkdir -p "$dir"
  cp "$root/tools/dapr/go.mod" "$root/tools/dapr/go.sum" "$dir/"
  sed -i 's#^module .*#module hubspoke.dev/cluster/dapr#' "$dir/go.mod"
  for name in operator injector sentry; do
    go_build "$name" "$dir" "github.com/dapr/dapr/cmd/$name" "-X github.com/dapr/dapr/pkg/buildinfo.version=$ver"
  done
  mkdir -p "$cache/crds/dapr"
  cp "$modcache/github.com/dapr/dapr@$DAPR_VERSION/charts/dapr/crds/"*.yaml "$cache/crds/dapr/"
  chmod -R u+w "$cache/crds/dapr"
}

build_keda() {
  local dir="$cache/work/keda"
  scratch_module "$dir" github.com/kedacore/keda/v2 "$KEDA_VERSION" "$KEDA_VERSION"
  go_build keda-operator "$dir" github.com/kedacore/keda/v2/cmd/operator \
    "-X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v}"
  # The external-metrics server: what turns the operator's readings into the HPA's metric.
  go_build keda-adapter "$dir" github.com/kedacore/keda/v2/cmd/adapter \
    "-X github.com/kedacore/keda/v2/version.Version=${KEDA_VERSION#v}"
  mkdir -p "$cache/crds/keda"
  cp "$modcache/github.com/kedacore/keda/v2@$KEDA_VERSION/config/crd/bases/"*.yaml "$cache/crds/keda/"
  chmod -R u+w "$cache/crds/keda"
}

if [ -n "$only" ]; then "build_$only"; exit 0; fi
if complete; then log "everything is built in $cache"; exit 0; fi
log "building into $cache"
build_dapr
build_etcd
build_kwok
build_kube
build_keda
complete || { log "some binaries are missing in $cache/bin"; exit 1; }
log "done in $(( $(date +%s) - started ))s"
