#!/usr/bin/env bash
# Installs everything cniso's build, tests and benchmark need on a fresh Debian 12
# machine that reaches only Debian's mirror and the npm registry. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(podman runc netavark aardvark-dns iptables uidmap fuse-overlayfs
  squashfs-tools erofs-utils xorriso mtools dosfstools isomd5sum skopeo
  busybox-static attr
  grub-common grub-pc-bin
  debootstrap
  qemu-system-x86 qemu-utils ovmf
  zstd file time procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Deno ships inside its npm package; JSR and Deno's own download server are unreachable.
if ! command -v deno >/dev/null 2>&1; then
  npm install -g --silent deno@2.9.6 >/dev/null
fi

# These machines cannot raise RLIMIT_NOFILE inside crun (see shared/FIELD-NOTES.md):
# a test-machine quirk, so the test set-up applies it and the product never does.
conf=/etc/containers/containers.conf
if ! grep -q 'cniso-test-setup' "$conf" 2>/dev/null; then
  mkdir -p /etc/containers
  cat >>"$conf" <<'CONF'
# cniso-test-setup: this machine's crun cannot set RLIMIT_NOFILE
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
fi
