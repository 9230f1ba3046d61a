#!/usr/bin/env bash
# Makes a minimal Debian base image in local podman storage with debootstrap.
# Where a registry is reachable, `FROM docker.io/library/debian:<suite>` does the
# same job; here none is, so the examples, tests and builder image start from this.
# Usage: make-base.sh [TAG [SUITE]]   (defaults localhost/cniso-base:bookworm and
# bookworm; SUITE may also come from $DEBIAN_SUITE). Cached: an existing TAG is kept.
set -euo pipefail
tag=${1:-localhost/cniso-base:bookworm}
suite=${2:-${DEBIAN_SUITE:-bookworm}}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if podman image exists "$tag"; then
  exit 0
fi
work=$(mktemp -d /var/tmp/cniso-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "make-base: debootstrap $suite into $work (a few minutes)" >&2
debootstrap --variant=minbase "$suite" "$work/root" "$mirror" >"$work/log" 2>&1 || {
  tail -n 20 "$work/log" >&2
  exit 1
}
case $suite in
  sid | unstable)
    # This mirror's sid Release file is past its Valid-Until date; without this
    # apt-get update in the image refuses it (a quirk of the test mirror).
    echo 'Acquire::Check-Valid-Until "false";' \
      >"$work/root/etc/apt/apt.conf.d/99no-check-valid-until"
    ;;
esac
# Drop apt's package lists and caches: they belong to the moment of debootstrap.
rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin
tar -C "$work/root" --numeric-owner -c . |
  podman import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "make-base: $tag" >&2
