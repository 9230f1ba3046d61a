#!/usr/bin/env bash
# Runs cniso's whole test suite on a fresh Debian 12 machine: installs what it
# needs (scripts/setup.sh), then unit tests, integration tests (real images,
# real ISOs) and boot tests (real QEMU). Needs root: podman image mount and
# podman build need it. Takes 15-30 minutes the first time (it builds the
# test images), less once they are cached in podman storage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NO_COLOR=1
deno fmt --check
deno lint
deno check main.ts bench/bench.ts bench/boot_cost.ts bench/selinux_cost.ts
exec deno task test "$@"
