#!/usr/bin/env bash
# Installs everything cniso's build, tests and benchmark need on a fresh Debian 12
# machine that reaches only Debian's mirror and the npm registry. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(podman runc netavark aardvark-dns iptables uidmap fuse-overlayfs
  squashfs-tools erofs-utils xorriso mtools dosfstools isomd5sum skopeo
  busybox-static attr
  selinux-utils policycoreutils
  sbsigntool openssl python3-cryptography python3-pefile python3-importlib-resources
  grub-common grub-pc-bin grub-efi-amd64-bin fdisk e2fsprogs
  debootstrap
  qemu-system-x86 qemu-utils ovmf
  qemu-system-arm qemu-efi-aarch64 qemu-user-static
  zstd file time procps
  pandoc man-db zsh fish)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# SELinux labels need mksquashfs 4.6 or newer (pseudo-file xattrs, -xattrs-exclude); Debian 12
# has 4.5.1. Debian 13's 4.6.1 installs on Debian 12 as it is (libc6 >= 2.34, libzstd1 >= 1.5.2),
# fetched without touching the host's apt sources.
if ! mksquashfs -version 2>/dev/null | grep -Eq 'version (4\.([6-9]|[1-9][0-9])|[5-9])'; then
  apt_dir=$(mktemp -d)
  trap 'rm -rf "$apt_dir"' EXIT
  echo 'deb http://deb.debian.org/debian trixie main' >"$apt_dir/sources.list"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  apt_opts=(-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o Dir::Etc::SourceParts=/dev/null -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download squashfs-tools >/dev/null)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$apt_dir"/squashfs-tools_*.deb >/dev/null
fi

# The Secure Boot tests make OVMF variable stores with their own key databases (virt-fw-vars);
# Debian 13's python3-virt-firmware is pure Python and installs on Debian 12 as it is.
if ! command -v virt-fw-vars >/dev/null 2>&1; then
  vf_dir=$(mktemp -d)
  echo 'deb http://deb.debian.org/debian trixie main' >"$vf_dir/sources.list"
  mkdir -p "$vf_dir/lists/partial" "$vf_dir/cache/archives/partial"
  vf_opts=(-o "Dir::State::Lists=$vf_dir/lists" -o "Dir::Etc::SourceList=$vf_dir/sources.list"
    -o Dir::Etc::SourceParts=/dev/null -o "Dir::Cache=$vf_dir/cache" -o APT::Sandbox::User=root)
  apt-get "${vf_opts[@]}" update -qq
  (cd "$vf_dir" && apt-get "${vf_opts[@]}" download python3-virt-firmware >/dev/null)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$vf_dir"/python3-virt-firmware_*.deb >/dev/null
  rm -rf "$vf_dir"
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
