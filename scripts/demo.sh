#!/usr/bin/env bash
# Builds the example contract image (examples/debian, made locally: no registry
# needed) and turns it into ./output/Debian-Live.iso with cniso. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
deno task example
mkdir -p output
deno task cniso build localhost/cniso-example -o output
