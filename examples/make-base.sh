#!/usr/bin/env bash
# Makes a minimal Debian 12 base image in local podman storage with debootstrap.
# Where a registry is reachable, `FROM docker.io/library/debian:bookworm` does the
# same job; here none is, so the examples, tests and builder image start from this.
# Usage: make-base.sh [TAG]   (default localhost/cniso-base:bookworm). Cached: an
# existing TAG is kept.
set -euo pipefail
tag=${1:-localhost/cniso-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if podman image exists "$tag"; then
  exit 0
fi
work=$(mktemp -d /var/tmp/cniso-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "make-base: debootstrap bookworm into $work (a few minutes)" >&2
debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1 || {
  tail -n 20 "$work/log" >&2
  exit 1
}
# Drop apt's package lists and caches: they belong to the moment of debootstrap.
rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin
tar -C "$work/root" --numeric-owner -c . |
  podman import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "make-base: $tag" >&2
