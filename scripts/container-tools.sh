#!/usr/bin/env bash
# Installs what building the container images needs, when missing: buildah
# (builds and runs OCI images without a daemon) and mmdebstrap (makes the
# local base image from Debian's packages). Called by scripts/images.sh, so
# only `make images` and the image test pay for it, not `make bootstrap`.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  printf '\033[1m[images]\033[0m installing %s from Debian'"'"'s packages\n' "${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
